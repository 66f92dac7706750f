/**
 * How centroids are stored on disk. Version 3 indexes store each centroid as
 * int8 values with one float32 scale (dim + 4 bytes; at SciFact's size, 8,192
 * centroids of dim 128 cost 0.9 bytes per token instead of 1.7 as float16).
 * Residuals are taken against the decoded values, so decoding stays exact to
 * them; indexes written before keep float16 centroids and are read as they are.
 */
import { fromFloat16 } from '../scoring/float16.js';
import { dequantizeRowsInt8 } from '../scoring/quantize.js';
import type { Int8Rows } from '../scoring/quantize.js';

/** Storage type of a codebook's centroids file ('f16' when the manifest names none). */
export type CentroidType = 'f16' | 'i8';

/** Bytes of the centroids file for k centroids of dimension dim. */
export function centroidFileBytes(type: CentroidType, k: number, dim: number): number {
  return type === 'f16' ? k * dim * 2 : k * dim + k * 4;
}

/** Serialises centroids as int8 rows (symmetric, scale = max |value| / 127) followed by the k float32 scales. */
export function encodeCentroidsI8(centroids: Float32Array, dim: number): Uint8Array {
  const k = centroids.length / dim;
  const out = new Uint8Array(centroidFileBytes('i8', k, dim));
  const values = new Int8Array(out.buffer, 0, k * dim);
  const scales = new DataView(out.buffer, k * dim, k * 4);
  for (let c = 0; c < k; c++) {
    let max = 0;
    for (let d = 0; d < dim; d++) max = Math.max(max, Math.abs(centroids[c * dim + d]));
    // The scale is rounded to float32 first so decoding multiplies by exactly what encoding divided by.
    const s32 = Math.fround(max / 127);
    for (let d = 0; d < dim; d++) values[c * dim + d] = s32 > 0 ? Math.round(centroids[c * dim + d] / s32) : 0;
    scales.setFloat32(c * 4, s32, true);
  }
  return out;
}

/** Decodes a centroids file to float32 rows; throws a RangeError when its size does not match k x dim. */
export function decodeCentroids(bytes: Uint8Array, type: CentroidType, k: number, dim: number): Float32Array {
  const expected = centroidFileBytes(type, k, dim);
  if (bytes.byteLength !== expected) throw new RangeError(`${bytes.byteLength} bytes, expected ${expected} for ${k} ${type} centroids of dim ${dim}`);
  if (type === 'f16') {
    const copy = bytes.slice();
    return fromFloat16(new Uint16Array(copy.buffer, 0, k * dim));
  }
  return dequantizeRowsInt8(centroidsI8Of(bytes, k, dim), dim);
}

/** A codebook's int8 centroids as stored (rows k x dim, one scale per centroid), with each centroid's sum of values. */
export interface CentroidsI8 extends Int8Rows {
  readonly sums: Int32Array;
}

/** The int8 rows, scales and value sums of an 'i8' centroids file (copied out of `bytes`); size checked as decodeCentroids. */
export function centroidsI8Of(bytes: Uint8Array, k: number, dim: number): CentroidsI8 {
  const expected = centroidFileBytes('i8', k, dim);
  if (bytes.byteLength !== expected) throw new RangeError(`${bytes.byteLength} bytes, expected ${expected} for ${k} i8 centroids of dim ${dim}`);
  const data = new Int8Array(k * dim);
  data.set(new Int8Array(bytes.buffer, bytes.byteOffset, k * dim));
  const view = new DataView(bytes.buffer, bytes.byteOffset + k * dim, k * 4);
  const scales = new Float32Array(k),
    sums = new Int32Array(k);
  for (let c = 0; c < k; c++) {
    scales[c] = view.getFloat32(c * 4, true);
    let s = 0;
    for (let d = 0; d < dim; d++) s += data[c * dim + d];
    sums[c] = s;
  }
  return { data, scales, sums };
}

/** Centroids as they read back from disk (int8 + scale, the type new codebooks are written with). */
export function roundCentroids(centroids: Float32Array, dim: number): Float32Array {
  return decodeCentroids(encodeCentroidsI8(centroids, dim), 'i8', centroids.length / dim, dim);
}
