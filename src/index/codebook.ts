/**
 * The PLAID codebook: centroids plus the residual codec, trained on the first
 * vectors added and kept for every later add (new vectors go to existing
 * centroids; drift statistics say when a rebuild would pay off).
 */
import type { ResidualCodec } from './residual-codec.js';
import { trainCodec } from './residual-codec.js';
import { CentroidAssigner, defaultCentroidCount, kmeans } from './kmeans.js';

export interface Codebook {
  centroids: Float32Array;
  k: number;
  codec: ResidualCodec;
  assigner: CentroidAssigner;
}

/** Residuals x - C[code] for rows of `data`; also returns the summed squared residual norm. */
export function residualsOf(data: Float32Array, dim: number, centroids: Float32Array, codes: Uint32Array): { residuals: Float32Array; sqNormSum: number } {
  const residuals = new Float32Array(data.length);
  let sq = 0;
  for (let r = 0; r < codes.length; r++) {
    const co = codes[r] * dim, o = r * dim;
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
 * @example const cb = trainCodebook(tokens, 128, 2, 0);
 */
export function trainCodebook(data: Float32Array, dim: number, nbits: number, k: number, seed = 42): Codebook & { trainResidual: number } {
  const tokens = data.length / dim;
  const kk = k > 0 ? Math.min(k, tokens) : defaultCentroidCount(tokens);
  const centroids = kmeans(data, dim, kk, { iterations: 4, seed });
  const assigner = new CentroidAssigner(centroids, dim);
  // The codec needs residuals of a sample only.
  const step = Math.max(1, Math.floor(tokens / 65536));
  const rows = Math.ceil(tokens / step);
  const sample = new Float32Array(rows * dim);
  for (let i = 0, r = 0; i < tokens; i += step, r++) sample.set(data.subarray(i * dim, i * dim + dim), r * dim);
  const codes = assigner.assign(sample);
  const { residuals, sqNormSum } = residualsOf(sample, dim, centroids, codes);
  const codec = trainCodec(residuals, dim, nbits);
  return { centroids, k: kk, codec, assigner, trainResidual: sqNormSum / Math.max(1, rows) };
}
