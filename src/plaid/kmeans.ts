/**
 * Spherical k-means over packed unit vectors (rows x dim in one Float32Array):
 * random init from a sample, a few Lloyd iterations, centroids re-normalised
 * (the vectors are compared by dot product). For large k the assignment uses a
 * two-level search (coarse groups of centroids, then members of the best
 * groups): approximate, but an off-by-a-little centroid only makes the
 * residual a bit larger, it does not lose the vector.
 */

/** Seeded so builds are reproducible. */
import { seededRandom } from '../core/random.js';

export { seededRandom };

/** Number of centroids for `tokens` vectors: the power of two at or below 16*sqrt(tokens) (as PLAID), within [minK, maxK]. */
export function defaultCentroidCount(tokens: number, maxK = 8192, minK = 16): number {
  const target = 16 * Math.sqrt(Math.max(1, tokens));
  const k = 2 ** Math.floor(Math.log2(target));
  return Math.max(1, Math.min(tokens, maxK, Math.max(minK, k)));
}

/** dot(a[ai..ai+dim], b[bi..bi+dim]) */
export function dot(a: Float32Array, ai: number, b: Float32Array, bi: number, dim: number): number {
  let s0 = 0,
    s1 = 0,
    s2 = 0,
    s3 = 0,
    d = 0;
  for (; d + 3 < dim; d += 4) {
    s0 += a[ai + d] * b[bi + d];
    s1 += a[ai + d + 1] * b[bi + d + 1];
    s2 += a[ai + d + 2] * b[bi + d + 2];
    s3 += a[ai + d + 3] * b[bi + d + 3];
  }
  for (; d < dim; d++) s0 += a[ai + d] * b[bi + d];
  return s0 + s1 + s2 + s3;
}

/** L2-normalises every row in place (zero rows stay zero). */
export function normalizeRows(data: Float32Array, dim: number): void {
  for (let o = 0; o < data.length; o += dim) {
    let n = 0;
    for (let d = 0; d < dim; d++) n += data[o + d] * data[o + d];
    if (n > 0) {
      const inv = 1 / Math.sqrt(n);
      for (let d = 0; d < dim; d++) data[o + d] *= inv;
    }
  }
}

/** Finds the nearest (max dot) centroid of vectors; exact for small k, two-level for large k. */
export class CentroidAssigner {
  private readonly k: number;
  private groups?: { centroids: Float32Array; members: Uint32Array; starts: Uint32Array; count: number };

  /** `probeGroups` = 0 forces the exact scan. */
  constructor(
    readonly centroids: Float32Array,
    readonly dim: number,
    private readonly probeGroups = 6,
  ) {
    this.k = centroids.length / dim;
    if (this.k >= 2048 && probeGroups > 0) this.buildGroups();
  }

  private buildGroups(): void {
    const count = Math.round(Math.sqrt(this.k));
    const gc = kmeans(this.centroids, this.dim, count, { iterations: 4, seed: 7, exact: true });
    const owner = new Uint32Array(this.k);
    const sizes = new Uint32Array(count + 1);
    for (let c = 0; c < this.k; c++) {
      let best = -Infinity,
        arg = 0;
      for (let g = 0; g < count; g++) {
        const s = dot(this.centroids, c * this.dim, gc, g * this.dim, this.dim);
        if (s > best) {
          best = s;
          arg = g;
        }
      }
      owner[c] = arg;
      sizes[arg + 1]++;
    }
    const starts = new Uint32Array(count + 1);
    for (let g = 0; g < count; g++) starts[g + 1] = starts[g] + sizes[g + 1];
    const fill = starts.slice(0, count);
    const members = new Uint32Array(this.k);
    for (let c = 0; c < this.k; c++) members[fill[owner[c]]++] = c;
    this.groups = { centroids: gc, members, starts, count };
  }

  /** Index of the nearest centroid of row `row` of `data`. */
  nearest(data: Float32Array, row: number): number {
    const dim = this.dim,
      off = row * dim;
    let best = -Infinity,
      arg = 0;
    if (!this.groups) {
      for (let c = 0; c < this.k; c++) {
        const s = dot(data, off, this.centroids, c * dim, dim);
        if (s > best) {
          best = s;
          arg = c;
        }
      }
      return arg;
    }
    const g = this.groups;
    const probe = Math.min(this.probeGroups, g.count);
    const topG = new Int32Array(probe).fill(-1),
      topS = new Float64Array(probe).fill(-Infinity);
    for (let i = 0; i < g.count; i++) {
      const s = dot(data, off, g.centroids, i * dim, dim);
      if (s <= topS[probe - 1]) continue;
      let j = probe - 1;
      while (j > 0 && topS[j - 1] < s) {
        topS[j] = topS[j - 1];
        topG[j] = topG[j - 1];
        j--;
      }
      topS[j] = s;
      topG[j] = i;
    }
    for (let p = 0; p < probe; p++) {
      const gi = topG[p];
      if (gi < 0) continue;
      for (let m = g.starts[gi]; m < g.starts[gi + 1]; m++) {
        const c = g.members[m];
        const s = dot(data, off, this.centroids, c * dim, dim);
        if (s > best) {
          best = s;
          arg = c;
        }
      }
    }
    return arg;
  }

  /** Nearest centroid of every row. */
  assign(data: Float32Array): Uint32Array {
    const n = data.length / this.dim;
    const out = new Uint32Array(n);
    for (let i = 0; i < n; i++) out[i] = this.nearest(data, i);
    return out;
  }
}

export interface KMeansOptions {
  iterations?: number;
  seed?: number;
  /** At most this many rows are used for training (a random sample). Default max(16k, 32 * k). */
  maxSample?: number;
  /** Always use exact assignment (used for the small inner clustering). */
  exact?: boolean;
}

/**
 * Trains `k` unit-norm centroids on the rows of `data`.
 * @example const c = kmeans(vectors, 128, 1024, { iterations: 4 }); // Float32Array(1024*128)
 */
export function kmeans(data: Float32Array, dim: number, k: number, options: KMeansOptions = {}): Float32Array {
  const n = data.length / dim;
  const rand = seededRandom(options.seed ?? 42);
  const maxSample = options.maxSample ?? Math.max(16384, 32 * k);
  let sample = data;
  if (n > maxSample) {
    sample = new Float32Array(maxSample * dim);
    // Floyd-free partial Fisher-Yates over indices: an unbiased sample without replacement.
    const idx = new Uint32Array(n);
    for (let i = 0; i < n; i++) idx[i] = i;
    for (let i = 0; i < maxSample; i++) {
      const j = i + Math.floor(rand() * (n - i));
      const t = idx[i];
      idx[i] = idx[j];
      idx[j] = t;
      sample.set(data.subarray(idx[i] * dim, idx[i] * dim + dim), i * dim);
    }
  }
  const s = sample.length / dim;
  const kk = Math.min(k, s);
  const centroids = new Float32Array(k * dim);
  // Init: distinct random sample rows.
  const picked = new Set<number>();
  for (let c = 0; c < kk; c++) {
    let r = Math.floor(rand() * s);
    while (picked.has(r)) r = (r + 1) % s;
    picked.add(r);
    centroids.set(sample.subarray(r * dim, r * dim + dim), c * dim);
  }
  for (let c = kk; c < k; c++) centroids.set(centroids.subarray((c % Math.max(1, kk)) * dim, (c % Math.max(1, kk)) * dim + dim), c * dim);
  const iterations = options.iterations ?? 4;
  const sums = new Float64Array(k * dim);
  const counts = new Uint32Array(k);
  for (let it = 0; it < iterations; it++) {
    const assigner = options.exact ? new CentroidAssigner(centroids, dim, 0) : new CentroidAssigner(centroids, dim);
    sums.fill(0);
    counts.fill(0);
    for (let i = 0; i < s; i++) {
      const c = assigner.nearest(sample, i);
      counts[c]++;
      const so = c * dim,
        xo = i * dim;
      for (let d = 0; d < dim; d++) sums[so + d] += sample[xo + d];
    }
    for (let c = 0; c < k; c++) {
      if (counts[c] === 0) {
        // Empty cluster: restart it on a random row so no centroid is wasted.
        const r = Math.floor(rand() * s);
        centroids.set(sample.subarray(r * dim, r * dim + dim), c * dim);
        continue;
      }
      for (let d = 0; d < dim; d++) centroids[c * dim + d] = sums[c * dim + d];
    }
    normalizeRows(centroids, dim);
  }
  return centroids;
}
