/**
 * The TypeScript MaxSim kernels: the reference the native kernels are tested
 * against, and the fallback where the native addon is not built. Same contract as
 * the native kernels: per document S = sum_q w[q] * max_d dot(q, d), 0 for a
 * document without rows; int8 documents are scored with the int8-quantised query
 * (exact integer dot products, then both scales), exactly as the native kernel does.
 */
import { ErrorCodes, TartanError } from '../core/errors.js';
import type { TokenMatrix } from '../core/tensors.js';
import { halfTable } from './float16.js';
import type { Int8Rows } from './quantize.js';
import type { PackedDocuments } from './types.js';

/** Kernel output: the sums S per document and the first document holding NaN/Infinity (-1 if none). */
export interface KernelResult {
  readonly sums: Float32Array;
  readonly badDocument: number;
}

function dot(a: Float32Array, ao: number, b: Float32Array, bo: number, dim: number): number {
  // Four independent partial sums let the JIT overlap the multiply-adds.
  let s0 = 0,
    s1 = 0,
    s2 = 0,
    s3 = 0;
  let k = 0;
  for (; k + 4 <= dim; k += 4) {
    s0 += a[ao + k] * b[bo + k];
    s1 += a[ao + k + 1] * b[bo + k + 1];
    s2 += a[ao + k + 2] * b[bo + k + 2];
    s3 += a[ao + k + 3] * b[bo + k + 3];
  }
  for (; k < dim; k++) s0 += a[ao + k] * b[bo + k];
  return s0 + s1 + (s2 + s3);
}

function dotInt8(a: Int8Array, ao: number, b: Int8Array, bo: number, dim: number): number {
  let s0 = 0,
    s1 = 0;
  let k = 0;
  for (; k + 2 <= dim; k += 2) {
    s0 += a[ao + k] * b[bo + k];
    s1 += a[ao + k + 1] * b[bo + k + 1];
  }
  if (k < dim) s0 += a[ao + k] * b[bo + k];
  return s0 + s1;
}

function weightedSum(maxes: Float64Array, weights: Float32Array, rows: number): number {
  let s = 0;
  for (let q = 0; q < rows; q++) s += weights[q] * maxes[q];
  return s;
}

function rowIsFinite(row: Float32Array, start: number, dim: number): boolean {
  for (let k = start; k < start + dim; k++) if (row[k] - row[k] !== 0) return false;
  return true;
}

/** Scores float32 rows, or float16 rows decoded one at a time into a scratch row. */
function scoreFloat(query: TokenMatrix, f32: Float32Array | null, f16: Uint16Array | null, offsets: Uint32Array, weights: Float32Array): KernelResult {
  const { rows: qrows, dim, data: q } = query;
  const ndocs = offsets.length - 1;
  const sums = new Float32Array(ndocs);
  const maxes = new Float64Array(qrows);
  const scratch = new Float32Array(dim);
  const table = f16 ? halfTable() : null;
  let bad = -1;
  for (let i = 0; i < ndocs; i++) {
    const r0 = offsets[i],
      r1 = offsets[i + 1];
    if (r0 === r1) continue;
    maxes.fill(-Infinity);
    for (let r = r0; r < r1; r++) {
      let row: Float32Array = scratch,
        start = 0;
      if (f16 && table) {
        for (let k = 0, base = r * dim; k < dim; k++) scratch[k] = table[f16[base + k]];
      } else if (f32) {
        row = f32;
        start = r * dim;
      }
      if (bad < 0 && !rowIsFinite(row, start, dim)) bad = i;
      for (let a = 0; a < qrows; a++) {
        const s = Math.fround(dot(q, a * dim, row, start, dim));
        if (s > maxes[a]) maxes[a] = s;
      }
    }
    sums[i] = weightedSum(maxes, weights, qrows);
  }
  return { sums, badDocument: bad };
}

/**
 * Runs the TypeScript kernel for any document dtype. `query8` is the int8 query
 * (see quantizeRowsInt8) and is required for int8 documents.
 */
export function referenceKernel(query: TokenMatrix, docs: PackedDocuments, weights: Float32Array, query8?: Int8Rows): KernelResult {
  const dim = query.dim;
  if (docs.dtype === 'f32') return scoreFloat(query, docs.data, null, docs.offsets, weights);
  if (docs.dtype === 'f16') return scoreFloat(query, null, docs.data, docs.offsets, weights);
  if (!query8) throw new TartanError(ErrorCodes.INTERNAL, 'int8 documents need the int8 query (a bug in the caller of referenceKernel)');
  const { rows: qrows } = query;
  const ndocs = docs.offsets.length - 1;
  const sums = new Float32Array(ndocs);
  const maxes = new Float64Array(qrows);
  for (let i = 0; i < ndocs; i++) {
    const r0 = docs.offsets[i],
      r1 = docs.offsets[i + 1];
    if (r0 === r1) continue;
    maxes.fill(-Infinity);
    for (let r = r0; r < r1; r++) {
      const scale = docs.scales[r];
      for (let a = 0; a < qrows; a++) {
        const s = Math.fround(dotInt8(query8.data, a * dim, docs.data, r * dim, dim) * scale);
        if (s > maxes[a]) maxes[a] = s;
      }
    }
    for (let a = 0; a < qrows; a++) maxes[a] = Math.fround(maxes[a] * query8.scales[a]);
    sums[i] = weightedSum(maxes, weights, qrows);
  }
  return { sums, badDocument: -1 };
}
