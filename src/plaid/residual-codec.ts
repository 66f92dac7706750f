/**
 * ColBERTv2-style residual compression. A vector is stored as the id of its
 * nearest centroid plus its residual (vector - centroid) quantised to `nbits`
 * per dimension. Per dimension, the bucket cutoffs are quantiles of the
 * training residuals and each bucket decodes to the median of its range.
 * Decoding adds the bucket values to the centroid and re-normalises.
 */
import { ErrorCodes, TartanError, describeValue } from '../core/errors.js';

export const SUPPORTED_NBITS = [1, 2, 4, 8] as const;

/** Cutoffs (dim x (2^nbits - 1)) and bucket values (dim x 2^nbits), row-major per dimension. */
export interface ResidualCodec {
  readonly nbits: number;
  readonly dim: number;
  readonly cutoffs: Float32Array;
  readonly weights: Float32Array;
}

/** Bytes one encoded residual takes. */
export function residualBytes(dim: number, nbits: number): number {
  return Math.ceil((dim * nbits) / 8);
}

export function checkNbits(nbits: number): void {
  if (!(SUPPORTED_NBITS as readonly number[]).includes(nbits)) {
    throw new TartanError(ErrorCodes.INVALID_ARGUMENT, `nbits must be one of ${SUPPORTED_NBITS.join(', ')} (got ${describeValue(nbits)}); 2 is a good default`);
  }
}

/**
 * Fits per-dimension bucket cutoffs and values from residuals (rows x dim).
 * @example const codec = trainCodec(residuals, 128, 2);
 */
export function trainCodec(residuals: Float32Array, dim: number, nbits: number, maxRows = 65536): ResidualCodec {
  checkNbits(nbits);
  const rows = residuals.length / dim;
  const step = Math.max(1, Math.floor(rows / maxRows));
  const take = Math.ceil(rows / step);
  const buckets = 1 << nbits;
  const cutoffs = new Float32Array(dim * (buckets - 1));
  const weights = new Float32Array(dim * buckets);
  const col = new Float32Array(take);
  for (let d = 0; d < dim; d++) {
    let n = 0;
    for (let r = 0; r < rows; r += step) col[n++] = residuals[r * dim + d];
    const sorted = col.subarray(0, n).sort();
    const q = (f: number) => (n === 0 ? 0 : sorted[Math.min(n - 1, Math.max(0, Math.floor(f * n)))]);
    for (let b = 1; b < buckets; b++) cutoffs[d * (buckets - 1) + b - 1] = q(b / buckets);
    for (let b = 0; b < buckets; b++) weights[d * buckets + b] = q((b + 0.5) / buckets);
  }
  return { nbits, dim, cutoffs, weights };
}

/** Encodes `rows` residuals into packed codes (residualBytes(dim, nbits) per row, low bits first). */
export function encodeResiduals(codec: ResidualCodec, residuals: Float32Array, out?: Uint8Array): Uint8Array {
  const { dim, nbits, cutoffs } = codec;
  const rows = residuals.length / dim;
  const rb = residualBytes(dim, nbits);
  const packed = out ?? new Uint8Array(rows * rb);
  const nc = (1 << nbits) - 1;
  for (let r = 0; r < rows; r++) {
    const base = r * rb,
      ro = r * dim;
    for (let d = 0; d < dim; d++) {
      const v = residuals[ro + d];
      const co = d * nc;
      let code = 0;
      while (code < nc && v >= cutoffs[co + code]) code++;
      const bit = d * nbits;
      packed[base + (bit >> 3)] |= code << (bit & 7);
    }
  }
  return packed;
}

/**
 * Decodes packed residuals of rows whose centroid ids are `codes` into `out`
 * (rows x dim float32), adding the centroid and L2-normalising each row.
 */
export function decompress(codec: ResidualCodec, centroids: Float32Array, codes: ArrayLike<number>, packed: Uint8Array, out: Float32Array, outRow = 0): void {
  const { dim, nbits, weights } = codec;
  const rb = residualBytes(dim, nbits);
  const mask = (1 << nbits) - 1,
    buckets = 1 << nbits;
  const rows = codes.length;
  for (let r = 0; r < rows; r++) {
    const co = codes[r] * dim,
      po = r * rb,
      oo = (outRow + r) * dim;
    let norm = 0;
    for (let d = 0; d < dim; d++) {
      const bit = d * nbits;
      const code = (packed[po + (bit >> 3)] >> (bit & 7)) & mask;
      const v = centroids[co + d] + weights[d * buckets + code];
      out[oo + d] = v;
      norm += v * v;
    }
    if (norm > 0) {
      const inv = 1 / Math.sqrt(norm);
      for (let d = 0; d < dim; d++) out[oo + d] *= inv;
    }
  }
}

/** Serialises a codec as JSON-friendly arrays. */
export function codecToJson(c: ResidualCodec): { nbits: number; dim: number; cutoffs: number[]; weights: number[] } {
  return { nbits: c.nbits, dim: c.dim, cutoffs: Array.from(c.cutoffs), weights: Array.from(c.weights) };
}

export function codecFromJson(j: { nbits: number; dim: number; cutoffs: number[]; weights: number[] }): ResidualCodec {
  return { nbits: j.nbits, dim: j.dim, cutoffs: Float32Array.from(j.cutoffs), weights: Float32Array.from(j.weights) };
}
