/**
 * What the HTTP server needs from the rest of tartan, in one narrow interface:
 * open/create model-bound indexes and load encoders. The default
 * implementation (default-backend.ts) binds it to the `Index` facade and the
 * model loader; keeping routes behind this seam keeps them free of storage details.
 */
import type { DocumentInput, MetadataFilter, SearchHit, StoreInfo, StoreSearchOptions } from '../stores/types.js';
import type { CrossEncoder, DenseEncoder, LateInteractionEncoder } from '../models/types.js';
import type { Explanation } from '../scoring/explain.js';

/** `explain` of a search: true for every hit, n for the best n (see Index.search). */
export interface ExplainRequest {
  explain?: boolean | number;
}

/** A model-bound index as the server uses it: text in, hits out. */
export interface ServedIndex {
  /** The encoder the index was built with. */
  readonly encoder?: LateInteractionEncoder;
  info(): Promise<StoreInfo>;
  /** Encodes and stores documents; `onProgress` gets the running count of encoded documents. */
  add(docs: Iterable<DocumentInput> | AsyncIterable<DocumentInput>, options?: { onProgress?: (documents: number) => void }): Promise<void>;
  delete(ids: string[]): Promise<number>;
  /** With `explain`, hits carry the explanation of their score, from the vectors the index scored. */
  search(text: string, options: StoreSearchOptions & ExplainRequest): Promise<Array<SearchHit & { explanation?: Explanation }>>;
  close(): Promise<void>;
}

/** Options for a newly created index. */
export interface CreateIndexOptions {
  model: string;
  nbits?: number;
}

/** Per query token: the document token it matched best (the explanation of one hit). */
export interface TokenMatchExplanation {
  queryTokens: string[];
  docTokens: string[];
  /** queryTokens.length x docTokens.length similarities, row-major. */
  similarity: number[];
  /** For each query token: index of its best document token. */
  best: number[];
  /** For each query token: its share of the raw score. */
  share: number[];
  /** The score the contributions add up to (the hit's ColBERT score, unrounded). */
  raw: number;
}

/** A hit of a multi-stage pipeline: `stage` names the stage whose score `score` is. */
export interface PipelineSearchHit extends SearchHit {
  stage: string;
  /** With `explain`, for a hit a ColBERT stage scored: how that ColBERT score adds up. */
  explanation?: Explanation;
}

/** A bound retrieval pipeline (e.g. `colbert>cross-encoder`). */
export interface ServedPipeline {
  search(
    query: string,
    options: { k: number; filter?: MetadataFilter } & ExplainRequest,
  ): Promise<{ hits: Array<Omit<PipelineSearchHit, 'normalizedScore'> & { normalizedScore?: number }>; latencyMs: Record<string, number> }>;
}

export interface ServerBackend {
  /**
   * Binds a pipeline preset or spec (src/retrieval) to an index and the
   * configured models; throws E_UNKNOWN_PIPELINE for unknown names and
   * E_INVALID_ARGUMENT when a stage needs something the server lacks.
   */
  pipeline(index: ServedIndex, spec: string, models: { crossEncoder?: string }): Promise<ServedPipeline>;
  createIndex(dir: string, options: CreateIndexOptions): Promise<ServedIndex>;
  openIndex(location: string): Promise<ServedIndex>;
  /** Removes an index created under the data dir (files or tables). */
  destroyIndex(location: string): Promise<void>;
  colbert(modelId: string): Promise<LateInteractionEncoder>;
  dense(modelId: string): Promise<DenseEncoder>;
  crossEncoder(modelId: string): Promise<CrossEncoder>;
  /** Releases cached encoders. */
  dispose(): Promise<void>;
}
