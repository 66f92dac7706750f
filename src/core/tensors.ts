import { ErrorCodes, TartanError } from './errors.js';

/**
 * Packed token matrices: the data type that flows from the encoders to the
 * scorers and the index. A batch of matrices is one typed array plus row
 * offsets, never an array of arrays of numbers.
 */

/** One matrix of `rows` x `dim` values, row-major. */
export interface TokenMatrix {
  readonly data: Float32Array;
  readonly rows: number;
  readonly dim: number;
}

/**
 * A batch of token matrices sharing one dimension. Matrix `i` holds rows
 * `offsets[i]` to `offsets[i + 1]` (exclusive) of `data`, viewed as
 * `totalRows x dim`. `offsets.length === count + 1`.
 */
export interface TokenMatrixBatch {
  readonly data: Float32Array;
  readonly offsets: Uint32Array;
  readonly dim: number;
}

/** Number of matrices in a batch. */
export function batchSize(batch: TokenMatrixBatch): number {
  return batch.offsets.length - 1;
}

/** A zero-copy view of matrix `i` of a batch. */
export function matrixAt(batch: TokenMatrixBatch, i: number): TokenMatrix {
  // An index outside the batch would read undefined offsets and return a NaN-shaped view.
  if (!Number.isInteger(i) || i < 0 || i >= batch.offsets.length - 1) {
    throw new TartanError(ErrorCodes.INVALID_ARGUMENT, `matrix index ${i} is outside the batch of ${batch.offsets.length - 1} matrices`);
  }
  const start = batch.offsets[i],
    end = batch.offsets[i + 1];
  return { data: batch.data.subarray(start * batch.dim, end * batch.dim), rows: end - start, dim: batch.dim };
}

/** Packs matrices of one dimension into a batch (copies once). */
export function packMatrices(matrices: readonly TokenMatrix[], dim?: number): TokenMatrixBatch {
  const d = dim ?? matrices[0]?.dim ?? 0;
  const offsets = new Uint32Array(matrices.length + 1);
  let rows = 0;
  for (let i = 0; i < matrices.length; i++) {
    const m = matrices[i];
    if (m.dim !== d) throw new TartanError(ErrorCodes.DIMENSION_MISMATCH, `matrix ${i} has dim ${m.dim}, expected ${d}; pack matrices of one model only`);
    // Short data would otherwise be packed as silent zeros.
    if (!Number.isInteger(m.rows) || m.rows < 0 || !(m.data instanceof Float32Array) || m.data.length < m.rows * d) {
      throw new TartanError(ErrorCodes.DIMENSION_MISMATCH, `matrix ${i} claims ${m.rows} rows of dim ${d} but holds ${m.data?.length ?? 0} values`);
    }
    rows += m.rows;
    offsets[i + 1] = rows;
  }
  const data = new Float32Array(rows * d);
  for (let i = 0; i < matrices.length; i++) data.set(matrices[i].data.subarray(0, matrices[i].rows * d), offsets[i] * d);
  return { data, offsets, dim: d };
}
