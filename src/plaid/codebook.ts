/**
 * The PLAID codebook: centroids plus the residual codec, trained on the first
 * vectors added and kept for every later add (new vectors go to existing
 * centroids; drift statistics say when a rebuild would pay off).
 */
import { trainCodec } from './residual-codec.js';
import { defaultCentroidCount, normalizeRows, seededRandom } from './kmeans.js';
import { CentroidEngine } from './centroid-engine.js';
import { roundCentroids } from './centroid-bytes.js';
import type { Codebook } from './types.js';

export type { Codebook } from './types.js';

/** The codebook's single-threaded centroid engine for query scoring (created once, shared by searches). */
export function engineOf(cb: Codebook): Promise<CentroidEngine> {
  cb.engine ??= CentroidEngine.create(cb.centroids, cb.codec.dim, 1);
  return cb.engine;
}

/** Nearest centroid of every row, with a multi-threaded engine made for this bulk job. */
export async function assignBulk(cb: Pick<Codebook, 'centroids' | 'codec'>, data: Float32Array): Promise<Uint32Array> {
  const engine = await CentroidEngine.create(cb.centroids, cb.codec.dim);
  try {
    return await engine.nearestForBuild(data);
  } finally {
    await engine.dispose();
  }
}

/** Rows of `data` picked at random (without replacement) up to `max`. */
function sampleRows(data: Float32Array, dim: number, max: number, rand: () => number): Float32Array {
  const n = data.length / dim;
  if (n <= max) return data;
  const idx = new Uint32Array(n);
  for (let i = 0; i < n; i++) idx[i] = i;
  const out = new Float32Array(max * dim);
  for (let i = 0; i < max; i++) {
    const j = i + Math.floor(rand() * (n - i));
    const t = idx[i];
    idx[i] = idx[j];
    idx[j] = t;
    out.set(data.subarray(idx[i] * dim, idx[i] * dim + dim), i * dim);
  }
  return out;
}

/**
 * Spherical k-means whose assignment step runs on the centroid engine
 * (exact nearest centroid, onnxruntime matrix multiply).
 */
export async function trainCentroids(
  data: Float32Array,
  dim: number,
  k: number,
  options: { iterations?: number; seed?: number; maxSample?: number } = {},
): Promise<Float32Array> {
  const rand = seededRandom(options.seed ?? 42);
  const sample = sampleRows(data, dim, options.maxSample ?? Math.max(8192, 16 * k), rand);
  const s = sample.length / dim;
  const centroids = new Float32Array(k * dim);
  const init = sampleRows(sample, dim, k, rand);
  for (let c = 0; c < k; c++) centroids.set(init.subarray((c % s) * dim, (c % s) * dim + dim), c * dim);
  const sums = new Float64Array(k * dim);
  const counts = new Uint32Array(k);
  for (let it = 0; it < (options.iterations ?? 4); it++) {
    const engine = await CentroidEngine.create(centroids, dim);
    const assign = await engine.nearestForBuild(sample);
    await engine.dispose();
    sums.fill(0);
    counts.fill(0);
    for (let i = 0; i < s; i++) {
      const c = assign[i],
        so = c * dim,
        xo = i * dim;
      counts[c]++;
      for (let d = 0; d < dim; d++) sums[so + d] += sample[xo + d];
    }
    for (let c = 0; c < k; c++) {
      if (counts[c] === 0) {
        const r = Math.floor(rand() * s);
        centroids.set(sample.subarray(r * dim, r * dim + dim), c * dim);
      } else {
        for (let d = 0; d < dim; d++) centroids[c * dim + d] = sums[c * dim + d];
      }
    }
    normalizeRows(centroids, dim);
  }
  return centroids;
}

/** Residuals x - C[code] for rows of `data`; also returns the summed squared residual norm. */
export function residualsOf(data: Float32Array, dim: number, centroids: Float32Array, codes: Uint32Array): { residuals: Float32Array; sqNormSum: number } {
  const residuals = new Float32Array(data.length);
  let sq = 0;
  for (let r = 0; r < codes.length; r++) {
    const co = codes[r] * dim,
      o = r * dim;
    for (let d = 0; d < dim; d++) {
      const v = data[o + d] - centroids[co + d];
      residuals[o + d] = v;
      sq += v * v;
    }
  }
  return { residuals, sqNormSum: sq };
}

/**
 * Trains centroids (k given, or chosen from the token count) and the residual codec on `data`.
 * @example const cb = await trainCodebook(tokens, 128, 2, 0);
 */
export async function trainCodebook(data: Float32Array, dim: number, nbits: number, k: number, seed = 42): Promise<Codebook & { trainResidual: number }> {
  const tokens = data.length / dim;
  const kk = k > 0 ? Math.min(k, tokens) : defaultCentroidCount(tokens);
  // Residuals are taken against the centroids as stored (int8 + scale) so decoding is exact to them.
  const centroids = roundCentroids(await trainCentroids(data, dim, kk, { iterations: 4, seed }), dim);

  // The codec needs residuals of a sample only.
  const step = Math.max(1, Math.floor(tokens / 65536));
  const rows = Math.ceil(tokens / step);
  const sample = new Float32Array(rows * dim);
  for (let i = 0, r = 0; i < tokens; i += step, r++) sample.set(data.subarray(i * dim, i * dim + dim), r * dim);
  const engine = await CentroidEngine.create(centroids, dim);
  const codes = await engine.nearestForBuild(sample);
  await engine.dispose();
  const { residuals, sqNormSum } = residualsOf(sample, dim, centroids, codes);
  const codec = trainCodec(residuals, dim, nbits);
  return { centroids, k: kk, codec, trainResidual: sqNormSum / Math.max(1, rows) };
}
