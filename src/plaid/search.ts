/**
 * One PLAID search over any {@link PlaidIndex}: candidates (stages 1 to 3),
 * the exact rerank (stage 4), then one score per document (its best passage).
 */
import type { TokenMatrix } from '../core/tensors.js';
import type { Candidate, DocScore, PlaidIndex, PlaidSegment } from './types.js';
import { exactRerank, plaidCandidates } from './search-stages.js';

/** Search knobs: probed centroids per query row, passages reranked exactly, per-row weights. */
export interface PlaidSearchOptions {
  nprobe: number;
  ndocs: number;
  weights?: Float32Array;
}

/**
 * Scores the documents of `index` for `query` (rows in the index's stored dimension): every document
 * among the reranked candidates, in no particular order. `allowed[doc]` is 1 for each global document
 * number a hit may come from. The query must be valid (finite rows of the stored dimension: `validateQuery`);
 * a store checks it once at its boundary and the stages trust it.
 * @example const scored = await searchPlaid(index, query, { nprobe: 4, ndocs: 96 }, allowed);
 */
export async function searchPlaid(index: PlaidIndex, query: TokenMatrix, options: PlaidSearchOptions, allowed: Uint8Array): Promise<DocScore[]> {
  const cands = await plaidCandidates(index, weightedRows(query, options.weights), options.nprobe, options.ndocs, allowed);
  return rerankDocuments(index, query, cands, options.weights);
}

/** Every passage of the allowed documents: reranking a first stage scores them all exactly. */
export function allowedCandidates(index: Pick<PlaidIndex, 'segments'>, allowed: Uint8Array): Candidate[] {
  const cands: Candidate[] = [];
  index.segments.forEach((seg, si) => {
    for (let p = 0; p < seg.passageDoc.length; p++) if (allowed[seg.docBase + seg.passageDoc[p]]) cands.push({ seg: si, passage: p, score: 0 });
  });
  return cands;
}

/** Stage 4 over `cands`, then one score per document. */
export function rerankDocuments(index: PlaidIndex, query: TokenMatrix, cands: readonly Candidate[], weights?: Float32Array): DocScore[] {
  const { raw, normalized } = exactRerank(index, query, cands, weights);
  return bestPerDocument(index.segments, cands, raw, normalized);
}

/**
 * The query with each row scaled by its weight, so candidate generation ranks by weighted MaxSim
 * (sum of w_r max_t <q_r, d_t> equals sum of max_t <w_r q_r, d_t> when every weight is >= 0);
 * the query itself when there are no weights or some are negative.
 */
export function weightedRows(query: TokenMatrix, weights: Float32Array | undefined): TokenMatrix {
  if (!weights || weights.length !== query.rows || weights.some((w) => !(w >= 0))) return query;
  // Divided by the mean weight (the ranking is unchanged), so similarities keep the scale stage 3's margin assumes.
  const mean = weights.reduce((a, b) => a + b, 0) / query.rows;
  if (!(mean > 0)) return query;
  const data = new Float32Array(query.rows * query.dim);
  for (let r = 0; r < query.rows; r++) for (let d = 0; d < query.dim; d++) data[r * query.dim + d] = query.data[r * query.dim + d] * (weights[r] / mean);
  return { data, rows: query.rows, dim: query.dim };
}

/** A document scores as its best passage. */
export function bestPerDocument(
  segments: ReadonlyArray<Pick<PlaidSegment, 'docBase' | 'passageDoc'>>,
  cands: ReadonlyArray<{ seg: number; passage: number }>,
  raw: Float32Array,
  normalized: Float32Array,
): DocScore[] {
  const best = new Map<number, DocScore>();
  cands.forEach((c, i) => {
    const seg = segments[c.seg];
    const doc = seg.docBase + seg.passageDoc[c.passage];
    const prev = best.get(doc);
    if (!prev || raw[i] > prev.raw) best.set(doc, { doc, raw: raw[i], normalized: normalized[i] });
  });
  return [...best.values()];
}
