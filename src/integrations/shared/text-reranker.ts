/**
 * Reranks given texts for a query, without an index: ColBERT MaxSim (a late-interaction encoder
 * embeds the query and every text, then `maxsim` scores them) or a cross-encoder (one logit per
 * pair). Framework-free; the LangChain document compressor and the LlamaIndex node postprocessor
 * are thin adapters over it.
 *
 * @example
 * const reranker = new TextReranker({ model: 'lexical', topN: 2 });
 * const ranked = await reranker.rank('blood pressure', ['salt raises blood pressure', 'aspirin and fever']);
 * // [{ index: 0, score: ... }, { index: 1, score: ... }]
 * await reranker.close();
 */
import { ErrorCodes, TartanError, describeValue } from '../../core/errors.js';
import { packMatrices, type TokenMatrix } from '../../core/tensors.js';
import { loadColbertEncoder } from '../../retrieval/colbert-encoder.js';
import type { CrossEncoder, LateInteractionEncoder } from '../../models/types.js';
import { maxsim } from '../../scoring/maxsim.js';
import { toF32Documents } from '../../scoring/quantize.js';

/** A reranking model: a loaded ColBERT or cross-encoder, or a model id / local folder (`lexical` needs no download). */
export type RerankModel = LateInteractionEncoder | CrossEncoder | string;

/** Which family a model id names, when the id alone does not say (a local folder says it itself). */
export type RerankKind = 'colbert' | 'cross-encoder';

/** Options shared by the framework rerankers. */
export interface RerankerOptions {
  /** The model (default `lexical`, the download-free lexical ColBERT). An id or folder is loaded on first use and released by `close()`. */
  model?: RerankModel;
  /** The family of a model id (default: what the model folder or registry says). */
  kind?: RerankKind;
  /** Texts kept after reranking (default: all of them, reordered). */
  topN?: number;
}

/** The position of a text in the input and its rerank score (raw MaxSim, or the cross-encoder's logit). */
export interface RankedText {
  index: number;
  score: number;
}

type Scorer = LateInteractionEncoder | CrossEncoder;

function isScorer(m: unknown): m is Scorer {
  const kind = (m as { kind?: unknown } | null)?.kind;
  return typeof m === 'object' && m !== null && (kind === 'colbert' || kind === 'cross-encoder');
}

/** Checks `topN`: a positive integer or undefined. */
export function checkTopN(topN: unknown): number | undefined {
  if (topN === undefined) return undefined;
  if (typeof topN !== 'number' || !Number.isInteger(topN) || topN < 1)
    throw new TartanError(ErrorCodes.INVALID_ARGUMENT, `topN must be a positive integer (how many documents to keep), got ${describeValue(topN)}`);
  return topN;
}

async function loadScorer(model: string, kind: RerankKind | undefined): Promise<Scorer> {
  if (/^lexical(?::\d+)?$/.test(model)) {
    if (kind === 'cross-encoder')
      throw new TartanError(ErrorCodes.UNSUPPORTED_MODEL, `${model} is a ColBERT-style model; give a cross-encoder id or folder for kind 'cross-encoder'`);
    return loadColbertEncoder(model);
  }
  const { loadEncoder } = await import('../../models/model-loader.js');
  const enc = await loadEncoder(model, kind);
  if (enc.kind === 'dense') {
    await enc.dispose();
    throw new TartanError(ErrorCodes.UNSUPPORTED_MODEL, `${model} is a dense (single-vector) model; rerank with a ColBERT or a cross-encoder model`);
  }
  return enc;
}

async function firstMatrix(it: AsyncIterable<TokenMatrix>): Promise<TokenMatrix> {
  for await (const m of it) return m;
  throw new TartanError(ErrorCodes.INTERNAL, 'the encoder returned no query matrix');
}

/** See the module comment. */
export class TextReranker {
  private scorer: Promise<Scorer> | undefined;
  private readonly owned: boolean;
  private readonly model: RerankModel;
  private readonly kind: RerankKind | undefined;
  readonly topN: number | undefined;

  constructor(options: RerankerOptions = {}) {
    const { model = 'lexical', kind } = options;
    if (typeof model !== 'string' && !isScorer(model))
      throw new TartanError(
        ErrorCodes.INVALID_ARGUMENT,
        `the reranker model must be a model id, a folder, or a loaded ColBERT or cross-encoder, got ${describeValue(model)}`,
      );
    if (kind !== undefined && kind !== 'colbert' && kind !== 'cross-encoder')
      throw new TartanError(ErrorCodes.INVALID_ARGUMENT, `kind must be 'colbert' or 'cross-encoder', got ${describeValue(kind)}`);
    this.model = model;
    this.kind = kind;
    this.owned = typeof model === 'string';
    this.topN = checkTopN(options.topN);
  }

  /** Scores every text and returns them best first (ties keep input order), at most `topN`. */
  async rank(query: string, texts: readonly string[]): Promise<RankedText[]> {
    if (typeof query !== 'string' || query.trim() === '')
      throw new TartanError(ErrorCodes.EMPTY_TEXT, 'the query is empty; pass the text the documents were retrieved for');
    if (texts.length === 0) return [];
    const scores = await this.score(query, texts);
    const ranked = scores.map((score, index) => ({ index, score })).sort((a, b) => b.score - a.score || a.index - b.index);
    return this.topN === undefined ? ranked : ranked.slice(0, this.topN);
  }

  /** One score per text, in input order: raw MaxSim (IDF-weighted where the model weighs query tokens) or the cross-encoder logit. */
  async score(query: string, texts: readonly string[]): Promise<number[]> {
    const scorer = await this.load();
    if (scorer.kind === 'cross-encoder') {
      const out: number[] = [];
      for await (const s of scorer.rerank(query, texts)) out.push(s);
      return out;
    }
    const q = await firstMatrix(scorer.queryEmbed([query]));
    const docs: TokenMatrix[] = [];
    for await (const m of scorer.passageEmbed(texts)) docs.push(m);
    // The same weighting Index.search applies, so a rerank of indexed texts reproduces the index's MaxSim.
    const weigh = (scorer as { queryWeights?: (text: string) => Float32Array }).queryWeights;
    const weights = typeof weigh === 'function' ? weigh.call(scorer, query) : undefined;
    const { raw } = maxsim(q, toF32Documents(packMatrices(docs, scorer.dim)), weights ? { variant: 'weighted', weights } : {});
    return Array.from(raw);
  }

  /** Releases a model this reranker loaded from an id; a model passed in stays the caller's to dispose. */
  async close(): Promise<void> {
    if (!this.owned || !this.scorer) return;
    const s = this.scorer;
    this.scorer = undefined;
    await (await s).dispose();
  }

  private load(): Promise<Scorer> {
    if (!this.scorer) {
      const m = this.model;
      const loading = typeof m === 'string' ? loadScorer(m, this.kind) : Promise.resolve(m);
      this.scorer = loading;
      // A failed load is not cached: the next call tries again.
      loading.catch(() => {
        if (this.scorer === loading) this.scorer = undefined;
      });
    }
    return this.scorer;
  }
}
