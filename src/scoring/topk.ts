/**
 * Top-k selection over a score array without sorting it: a bounded min-heap of k
 * entries, O(n log k). Ties go to the lower index; NaN ranks below every number.
 */
import { ErrorCodes, TartanError } from '../errors.js';

/** The k best entries, best first. */
export interface TopK {
  readonly indices: Uint32Array;
  readonly scores: Float32Array;
}

/** Comparable score: NaN sorts below -Infinity. */
function key(v: number): number {
  return v === v ? v : -Infinity;
}

/** True when entry (sa, ia) ranks below (sb, ib): lower score, or equal score and higher index. */
function worse(sa: number, ia: number, sb: number, ib: number): boolean {
  return sa < sb || (sa === sb && ia > ib);
}

/**
 * Returns the indices and scores of the k highest scores, best first. k larger than
 * the array returns every entry; k = 0 returns empty arrays.
 * @example topK(Float32Array.of(0.2, 0.9, 0.5, 0.9), 2) // indices [1, 3], scores [0.9, 0.9]
 */
export function topK(scores: Float32Array | Float64Array | readonly number[], k: number): TopK {
  if (!Number.isInteger(k) || k < 0) throw new TartanError(ErrorCodes.INVALID_ARGUMENT, `k must be a non-negative integer, got ${String(k)}`);
  const n = scores.length;
  const size = Math.min(k, n);
  // The heap keeps the `size` best so far with the worst at the root.
  const hs = new Float64Array(size);
  const hi = new Uint32Array(size);
  let count = 0;
  const siftDown = (start: number): void => {
    let p = start;
    for (;;) {
      const l = 2 * p + 1, r = l + 1;
      let w = p;
      if (l < count && worse(hs[l], hi[l], hs[w], hi[w])) w = l;
      if (r < count && worse(hs[r], hi[r], hs[w], hi[w])) w = r;
      if (w === p) return;
      const ts = hs[p], ti = hi[p];
      hs[p] = hs[w]; hi[p] = hi[w];
      hs[w] = ts; hi[w] = ti;
      p = w;
    }
  };
  for (let i = 0; i < n && size > 0; i++) {
    const s = key(scores[i]);
    if (count < size) {
      // Sift up the new entry.
      let c = count++;
      hs[c] = s; hi[c] = i;
      while (c > 0) {
        const p = (c - 1) >> 1;
        if (!worse(hs[c], hi[c], hs[p], hi[p])) break;
        const ts = hs[p], ti = hi[p];
        hs[p] = hs[c]; hi[p] = hi[c];
        hs[c] = ts; hi[c] = ti;
        c = p;
      }
    } else if (worse(hs[0], hi[0], s, i)) {
      hs[0] = s; hi[0] = i;
      siftDown(0);
    }
  }
  // Pop worst-first into the back of the output, giving best-first order.
  const indices = new Uint32Array(size);
  const out = new Float32Array(size);
  for (let pos = size - 1; pos >= 0; pos--) {
    indices[pos] = hi[0];
    out[pos] = scores[hi[0]];
    count--;
    hs[0] = hs[count]; hi[0] = hi[count];
    siftDown(0);
  }
  return { indices, scores: out };
}
