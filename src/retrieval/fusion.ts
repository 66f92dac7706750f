/**
 * Fusion of ranked lists from several first stages (BM25, dense, ColBERT).
 * Reciprocal-rank fusion needs only ranks; normalised-score fusion rescales
 * each list's scores to [0, 1] (min-max) before a weighted sum.
 */

/** One candidate as produced by a stage: external id and the stage's score. */
export interface ScoredId {
  id: string;
  score: number;
}

export interface RrfOptions {
  /** The rank constant; 60 as in Cormack et al. (2009). */
  k?: number;
  /** One weight per list (default 1 each). */
  weights?: readonly number[];
}

/**
 * Reciprocal-rank fusion: score(d) = sum over lists of w / (k + rank), rank from 1.
 * Ties in the fused score keep the order of first appearance.
 *
 * @example
 * reciprocalRankFusion([[{id:'a',score:9},{id:'b',score:1}], [{id:'b',score:0.9}]])
 * // -> b first (in both lists), then a
 */
export function reciprocalRankFusion(lists: readonly (readonly ScoredId[])[], options: RrfOptions = {}): ScoredId[] {
  const k = options.k ?? 60;
  const fused = new Map<string, number>();
  lists.forEach((list, li) => {
    const w = options.weights?.[li] ?? 1;
    list.forEach((hit, r) => fused.set(hit.id, (fused.get(hit.id) ?? 0) + w / (k + r + 1)));
  });
  return sortFused(fused);
}

export interface ScoreFusionOptions {
  /** One weight per list (default 1 each). */
  weights?: readonly number[];
}

/**
 * Normalised-score fusion: each list's scores are min-max scaled to [0, 1]
 * (a list whose scores are all equal maps to 1), then summed with weights.
 * A document missing from a list gets 0 from it.
 */
export function normalizedScoreFusion(lists: readonly (readonly ScoredId[])[], options: ScoreFusionOptions = {}): ScoredId[] {
  const fused = new Map<string, number>();
  lists.forEach((list, li) => {
    if (list.length === 0) return;
    const w = options.weights?.[li] ?? 1;
    let min = Infinity,
      max = -Infinity;
    for (const h of list) {
      if (h.score < min) min = h.score;
      if (h.score > max) max = h.score;
    }
    const span = max - min;
    for (const h of list) fused.set(h.id, (fused.get(h.id) ?? 0) + w * (span > 0 ? (h.score - min) / span : 1));
  });
  return sortFused(fused);
}

function sortFused(fused: Map<string, number>): ScoredId[] {
  // Map iteration order is insertion order, and Array.prototype.sort is stable: ties keep first appearance.
  return [...fused].map(([id, score]) => ({ id, score })).sort((a, b) => b.score - a.score);
}
