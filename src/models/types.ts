/**
 * The encoder interfaces shared by every model family. Encoders are async and
 * batch internally; inputs are plain strings, outputs are packed typed arrays.
 */
import type { TokenMatrix } from '../core/tensors.js';

/** Family of a model: how its output is used. */
export type ModelKind = 'colbert' | 'dense' | 'cross-encoder';

/** Options common to every encoder call. */
export interface EmbedOptions {
  /** Texts per ONNX run (after grouping by length). Default: the encoder's own. */
  batchSize?: number;
}

/** A token that received a vector: its vocabulary id, its text and its position in the model input. */
export interface VectorToken {
  id: number;
  text: string;
  position: number;
}

/**
 * A late-interaction (ColBERT) model: one vector per token.
 * `queryEmbed` yields one {@link TokenMatrix} per query (query length rows, [MASK]
 * expansion included); `passageEmbed` one per document (punctuation and padding
 * dropped). Every row is L2-normalised.
 */
export interface LateInteractionEncoder {
  readonly kind: 'colbert';
  readonly modelId: string;
  readonly dim: number;
  queryEmbed(texts: Iterable<string> | AsyncIterable<string>, options?: EmbedOptions): AsyncIterable<TokenMatrix>;
  passageEmbed(texts: Iterable<string> | AsyncIterable<string>, options?: EmbedOptions): AsyncIterable<TokenMatrix>;
  /** The tokens that get vectors, in row order of the matching embed call. */
  vectorTokens(text: string, isQuery: boolean): VectorToken[];
  /**
   * Index settings this model's vectors are best served by, used by `Index.create` where the caller gives
   * none (the lexical model's hashed n-gram vectors do not cluster, so its default is the exact flat index).
   */
  readonly indexDefaults?: { readonly mode?: 'plaid' | 'flat' };
  dispose(): Promise<void>;
}

/** A single-vector (bi-encoder) model. Each yielded vector is L2-normalised where the model says so. */
export interface DenseEncoder {
  readonly kind: 'dense';
  readonly modelId: string;
  readonly dim: number;
  queryEmbed(texts: Iterable<string> | AsyncIterable<string>, options?: EmbedOptions): AsyncIterable<Float32Array>;
  passageEmbed(texts: Iterable<string> | AsyncIterable<string>, options?: EmbedOptions): AsyncIterable<Float32Array>;
  dispose(): Promise<void>;
}

/** A cross-encoder: scores (query, document) pairs; the score is the raw logit. */
export interface CrossEncoder {
  readonly kind: 'cross-encoder';
  readonly modelId: string;
  rerank(query: string, documents: Iterable<string> | AsyncIterable<string>, options?: EmbedOptions): AsyncIterable<number>;
  dispose(): Promise<void>;
}

export type Encoder = LateInteractionEncoder | DenseEncoder | CrossEncoder;
