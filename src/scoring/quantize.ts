/**
 * Compact document encodings for MaxSim: float16 packs and int8 rows with one
 * float32 scale per row (value = int8 * scale, scale = max |x| / 127).
 */
import { ErrorCodes, TartanError } from '../core/errors.js';
import type { TokenMatrixBatch } from '../core/tensors.js';
import { fromFloat16, toFloat16 } from './float16.js';
import type { F16Documents, F32Documents, I8Documents, PackedDocuments } from './types.js';

/** Int8 rows and their per-row scales. */
export interface Int8Rows {
  readonly data: Int8Array;
  readonly scales: Float32Array;
}

/**
 * Quantises row-major float32 rows to int8, symmetric per row: the largest
 * magnitude maps to 127. An all-zero row gets scale 0.
 * @example quantizeRowsInt8(new Float32Array([0.5, -1]), 2) // data [64, -127], scales [1/127]
 */
export function quantizeRowsInt8(data: Float32Array, dim: number): Int8Rows {
  if (!Number.isInteger(dim) || dim < 0) throw new TartanError(ErrorCodes.INVALID_ARGUMENT, `dim must be a non-negative integer, got ${dim}`);
  const rows = dim === 0 ? 0 : Math.floor(data.length / dim);
  const out = new Int8Array(rows * dim);
  const scales = new Float32Array(rows);
  for (let r = 0; r < rows; r++) {
    const base = r * dim;
    let maxAbs = 0;
    for (let k = 0; k < dim; k++) maxAbs = Math.max(maxAbs, Math.abs(data[base + k]));
    if (maxAbs === 0) continue;
    const inv = 127 / maxAbs;
    for (let k = 0; k < dim; k++) out[base + k] = Math.max(-127, Math.min(127, Math.round(data[base + k] * inv)));
    scales[r] = maxAbs / 127;
  }
  return { data: out, scales };
}

/** Expands int8 rows back to float32 (value = int8 * scale, rounded to float32). */
export function dequantizeRowsInt8(rows: Int8Rows, dim: number): Float32Array {
  const out = new Float32Array(rows.data.length);
  for (let r = 0; r < rows.scales.length; r++) {
    const s = rows.scales[r];
    for (let k = 0; k < dim; k++) out[r * dim + k] = rows.data[r * dim + k] * s;
  }
  return out;
}

/** Wraps a float32 batch as MaxSim documents (no copy). */
export function toF32Documents(batch: TokenMatrixBatch): F32Documents {
  return { dtype: 'f32', data: batch.data, offsets: batch.offsets, dim: batch.dim };
}

/** Converts a float32 batch to float16 documents (half the memory). */
export function toF16Documents(batch: TokenMatrixBatch): F16Documents {
  const rows = batch.offsets[batch.offsets.length - 1] ?? 0;
  return { dtype: 'f16', data: toFloat16(batch.data.subarray(0, rows * batch.dim)), offsets: batch.offsets, dim: batch.dim };
}

/** Converts a float32 batch to int8 documents with per-row scales (a quarter of the memory). */
export function toI8Documents(batch: TokenMatrixBatch): I8Documents {
  const rows = batch.offsets[batch.offsets.length - 1] ?? 0;
  const q = quantizeRowsInt8(batch.data.subarray(0, rows * batch.dim), batch.dim);
  return { dtype: 'i8', data: q.data, scales: q.scales, offsets: batch.offsets, dim: batch.dim };
}

/** Any packed documents as float32 (what the stored values mean), e.g. for a reference score. */
export function dequantizeDocuments(docs: PackedDocuments): F32Documents {
  if (docs.dtype === 'f32') return docs;
  const data = docs.dtype === 'f16' ? fromFloat16(docs.data) : dequantizeRowsInt8(docs, docs.dim);
  return { dtype: 'f32', data, offsets: docs.offsets, dim: docs.dim };
}
