/**
 * Scores one query against a few documents with each model family, for
 * /api/rerank and the compare view. Texts are few here (bounded by the
 * request limits), so each call encodes them directly.
 */
import type { CrossEncoder, DenseEncoder, LateInteractionEncoder } from '../models/types.js';
import type { Explanation } from '../scoring/explain.js';
import { explainTexts } from '../retrieval/explain-text.js';
import type { TokenMatchExplanation } from './backend.js';

/** Collects an async iterable (encoders yield one result per input). */
export async function collect<T>(items: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of items) out.push(item);
  return out;
}

/**
 * ColBERT (MaxSim, sum of maxima) scores of one query against each document, raw and per query token:
 * the totals of the one explanation function over the vectors encoded here, so they are what an
 * explanation of these texts adds up to.
 */
export async function colbertScores(encoder: LateInteractionEncoder, query: string, documents: string[]): Promise<Array<{ raw: number; normalized: number }>> {
  return (await explainTexts(encoder, query, documents)).map((e) => ({ raw: e.raw, normalized: e.normalized }));
}

/**
 * An explanation as the API serves it: token labels, the full similarity matrix (rounded to 4
 * decimals: it is for display and JSON size matters), best document token and share per query
 * token, and the total the contributions add up to.
 */
export function servedExplanation(e: Explanation): TokenMatchExplanation {
  const cols = e.matrix?.cols ?? 0;
  return {
    queryTokens: e.queryTokens ? [...e.queryTokens] : e.matches.map((m) => `#${m.queryIndex}`),
    docTokens: e.docTokens ? [...e.docTokens] : Array.from({ length: cols }, (_, j) => `#${j}`),
    similarity: Array.from(e.matrix?.data ?? [], (v) => Math.round(v * 1e4) / 1e4),
    best: e.matches.map((m) => m.docIndex),
    share: e.matches.map((m) => m.share),
    raw: e.raw,
  };
}

/** Cosine similarity of the query embedding with each document embedding. */
export async function denseScores(encoder: DenseEncoder, query: string, documents: string[]): Promise<number[]> {
  const [q] = await collect(encoder.queryEmbed([query]));
  const docs = await collect(encoder.passageEmbed(documents));
  return docs.map((d) => cosine(q, d));
}

/** Raw cross-encoder logits, one per document. */
export async function crossEncoderScores(encoder: CrossEncoder, query: string, documents: string[]): Promise<number[]> {
  return collect(encoder.rerank(query, documents));
}

/** Cosine of two vectors (a plain dot product when both are L2-normalised, as bge's are). */
export function cosine(a: Float32Array, b: Float32Array): number {
  let dot = 0,
    na = 0,
    nb = 0;
  for (let i = 0; i < a.length; i++) {
    dot += a[i] * b[i];
    na += a[i] * a[i];
    nb += b[i] * b[i];
  }
  return na === 0 || nb === 0 ? 0 : dot / Math.sqrt(na * nb);
}
