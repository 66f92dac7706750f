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
  const start = batch.offsets[i], end = batch.offsets[i + 1];
  return { data: batch.data.subarray(start * batch.dim, end * batch.dim), rows: end - start, dim: batch.dim };
}

/** Packs matrices of one dimension into a batch (copies once). */
export function packMatrices(matrices: readonly TokenMatrix[], dim?: number): TokenMatrixBatch {
  const d = dim ?? matrices[0]?.dim ?? 0;
  const offsets = new Uint32Array(matrices.length + 1);
  let rows = 0;
  for (let i = 0; i < matrices.length; i++) {
    if (matrices[i].dim !== d) throw new RangeError(`matrix ${i} has dim ${matrices[i].dim}, expected ${d}`);
    rows += matrices[i].rows;
    offsets[i + 1] = rows;
  }
  const data = new Float32Array(rows * d);
  for (let i = 0; i < matrices.length; i++) data.set(matrices[i].data.subarray(0, matrices[i].rows * d), offsets[i] * d);
  return { data, offsets, dim: d };
}
