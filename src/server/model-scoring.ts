/**
 * Scores one query against a few documents with each model family, for
 * /api/rerank and the compare view. Texts are few here (bounded by the
 * request limits), so each call encodes them directly.
 */
import type { CrossEncoder, DenseEncoder, LateInteractionEncoder } from '../models/types.js';
import { explainMaxSim } from '../scoring/explain.js';
import { maxsim } from '../scoring/maxsim.js';
import { packMatrices } from '../core/tensors.js';
import type { TokenMatchExplanation } from './backend.js';

/** Collects an async iterable (encoders yield one result per input). */
export async function collect<T>(items: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of items) out.push(item);
  return out;
}

/** ColBERT (MaxSim, sum of maxima) scores of one query against each document, raw and per query token. */
export async function colbertScores(encoder: LateInteractionEncoder, query: string, documents: string[]): Promise<Array<{ raw: number; normalized: number }>> {
  const [q] = await collect(encoder.queryEmbed([query]));
  const docs = packMatrices(await collect(encoder.passageEmbed(documents)), encoder.dim);
  const { raw, normalized } = maxsim(q, { dtype: 'f32', data: docs.data, offsets: docs.offsets, dim: docs.dim });
  return Array.from(raw, (r, i) => ({ raw: r, normalized: normalized[i] }));
}

/**
 * Which query token matched which document token, with the full similarity
 * matrix (rounded to 4 decimals: it is for display and JSON size matters).
 */
export async function explainMatch(encoder: LateInteractionEncoder, query: string, document: string): Promise<TokenMatchExplanation> {
  const [q] = await collect(encoder.queryEmbed([query]));
  const [d] = await collect(encoder.passageEmbed([document]));
  const label = (tokens: string[], rows: number) => (tokens.length === rows ? tokens : Array.from({ length: rows }, (_, i) => `#${i}`));
  const queryTokens = label(encoder.vectorTokens(query, true).map((t) => t.text), q.rows);
  const docTokens = label(encoder.vectorTokens(document, false).map((t) => t.text), d.rows);
  const e = explainMaxSim(q, d, { queryTokens, docTokens, matrix: true });
  return {
    queryTokens,
    docTokens,
    similarity: Array.from(e.matrix?.data ?? [], (v) => Math.round(v * 1e4) / 1e4),
    best: e.matches.map((m) => m.docIndex),
    share: e.matches.map((m) => m.share),
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
  let dot = 0, na = 0, nb = 0;
  for (let i = 0; i < a.length; i++) {
    dot += a[i] * b[i];
    na += a[i] * a[i];
    nb += b[i] * b[i];
  }
  return na === 0 || nb === 0 ? 0 : dot / Math.sqrt(na * nb);
}
