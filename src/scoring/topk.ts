/**
 * Top-k selection over a score array without sorting it: a bounded min-heap of k
 * entries, O(n log k). Ties go to the lower index; NaN ranks below every number.
 */
import { ErrorCodes, TartanError, describeValue } from '../core/errors.js';

/** The k best entries, best first. */
export interface TopK {
  readonly indices: Uint32Array;
  readonly scores: Float32Array;
}

/** Comparable score: NaN sorts below -Infinity. */
function key(v: number): number {
  return Number.isNaN(v) ? -Infinity : v;
}

/** True when entry (sa, ia) ranks below (sb, ib): lower score, or equal score and higher index. */
function worse(sa: number, ia: number, sb: number, ib: number): boolean {
  return sa < sb || (sa === sb && ia > ib);
}

/** Inputs at least this long (and 4x k) go through selection: a heap of k costs O(n log k) with many replacements when k is in the hundreds. */
const SELECT_MIN = 1024;

/** The k-th largest key of `keys` (reorders it): quickselect with a median-of-three pivot. */
function kthLargest(keys: Float64Array, k: number): number {
  let lo = 0,
    hi = keys.length - 1;
  const want = k - 1; // position in descending order
  while (hi > lo) {
    const mid = (lo + hi) >> 1;
    const a = keys[lo],
      b = keys[mid],
      c = keys[hi];
    const pivot = a < b ? (b < c ? b : a < c ? c : a) : a < c ? a : b < c ? c : b;
    let i = lo,
      j = hi;
    while (i <= j) {
      while (keys[i] > pivot) i++;
      while (keys[j] < pivot) j--;
      if (i <= j) {
        const t = keys[i];
        keys[i] = keys[j];
        keys[j] = t;
        i++;
        j--;
      }
    }
    if (want <= j) hi = j;
    else if (want >= i) lo = i;
    else return keys[want];
  }
  return keys[want];
}

/** topK through the k-th largest key: every entry above it, then ties in index order, then one sort of k. */
function bySelection(scores: Float32Array | Float64Array | readonly number[], size: number): TopK {
  const n = scores.length;
  const keys = new Float64Array(n);
  for (let i = 0; i < n; i++) keys[i] = key(scores[i]);
  const threshold = kthLargest(keys.slice(), size);
  const picked = new Uint32Array(size);
  let count = 0;
  for (let i = 0; i < n; i++) if (keys[i] > threshold) picked[count++] = i;
  for (let i = 0; i < n && count < size; i++) if (keys[i] === threshold) picked[count++] = i;
  const indices = picked.sort((a, b) => keys[b] - keys[a] || a - b);
  const out = new Float32Array(size);
  for (let i = 0; i < size; i++) out[i] = scores[indices[i]];
  return { indices, scores: out };
}

/**
 * Returns the indices and scores of the k highest scores, best first. k larger than
 * the array returns every entry; k = 0 returns empty arrays.
 * @example topK(Float32Array.of(0.2, 0.9, 0.5, 0.9), 2) // indices [1, 3], scores [0.9, 0.9]
 */
export function topK(scores: Float32Array | Float64Array | readonly number[], k: number): TopK {
  if (!Number.isInteger(k) || k < 0) throw new TartanError(ErrorCodes.INVALID_ARGUMENT, `k must be a non-negative integer, got ${describeValue(k)}`);
  const n = scores.length;
  const size = Math.min(k, n);
  if (size > 0 && n >= SELECT_MIN && size * 4 <= n) return bySelection(scores, size);
  // The heap keeps the `size` best so far with the worst at the root.
  const hs = new Float64Array(size);
  const hi = new Uint32Array(size);
  let count = 0;
  const siftDown = (start: number): void => {
    let p = start;
    for (;;) {
      const l = 2 * p + 1,
        r = l + 1;
      let w = p;
      if (l < count && worse(hs[l], hi[l], hs[w], hi[w])) w = l;
      if (r < count && worse(hs[r], hi[r], hs[w], hi[w])) w = r;
      if (w === p) return;
      const ts = hs[p],
        ti = hi[p];
      hs[p] = hs[w];
      hi[p] = hi[w];
      hs[w] = ts;
      hi[w] = ti;
      p = w;
    }
  };
  for (let i = 0; i < n && size > 0; i++) {
    const s = key(scores[i]);
    if (count < size) {
      // Sift up the new entry.
      let c = count++;
      hs[c] = s;
      hi[c] = i;
      while (c > 0) {
        const p = (c - 1) >> 1;
        if (!worse(hs[c], hi[c], hs[p], hi[p])) break;
        const ts = hs[p],
          ti = hi[p];
        hs[p] = hs[c];
        hi[p] = hi[c];
        hs[c] = ts;
        hi[c] = ti;
        c = p;
      }
    } else if (worse(hs[0], hi[0], s, i)) {
      hs[0] = s;
      hi[0] = i;
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
    hs[0] = hs[count];
    hi[0] = hi[count];
    siftDown(0);
  }
  return { indices, scores: out };
}
