/**
 * Scores one query against a few documents with each model family, for
 * /api/rerank and the compare view. Texts are few here (bounded by the
 * request limits), so each call encodes them directly.
 */
import type { CrossEncoder, DenseEncoder } from '../models/types.js';

/** Collects an async iterable (encoders yield one result per input). */
export async function collect<T>(items: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of items) out.push(item);
  return out;
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
