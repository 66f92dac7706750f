/**
 * The learned dimension reduction of an index (setting `pcaDim`): a PCA
 * projection fitted on the token vectors of the first add and applied to every
 * stored vector and every query, so an index of dim 128 can store 64 or 32
 * values per token. Every projected row is L2-normalised again (MaxSim is the
 * cosine of unit rows).
 *
 * Uncentred: the axes are the top eigenvectors of the second-moment matrix
 * X^T X (the best rank-pcaDim fit of the rows themselves) and rows are
 * projected as they are, no mean subtracted. Subtracting the mean removes the
 * direction all token vectors share, which carries much of their dot
 * products. Measured on /tmp/fx/glove128.vec (GloVe-based token vectors,
 * dim 128; learned on 65,536 of its 1.08M document tokens; 300 queries over
 * its first 300 documents), mean |<q,d> - <Pq,Pd>| over query x document
 * token pairs / recall@10 against exact MaxSim at full dim:
 *   pcaDim 64: uncentred 0.008 / 0.940; centred, mean subtracted 0.460 / 0.661;
 *              centred axes, no mean subtracted 0.008 / 0.940.
 *   pcaDim 32: uncentred 0.052 / 0.725; centred, mean subtracted 0.466 / 0.571;
 *              centred axes, no mean subtracted 0.048 / 0.721.
 * The last variant is no better and would need the mean for nothing.
 */
import { symmetricEigen } from './symmetric-eigen.js';

/** A projection from `dim` input values to `outDim` stored values. */
export interface Projection {
  dim: number;
  outDim: number;
  /** outDim x dim, row-major: orthonormal rows, the principal axes in order of variance. */
  matrix: Float32Array;
}

/** Values per stored token: `pcaDim` when the index reduces the dimension, else `dim`. */
export function storedDim(settings: { dim: number; pcaDim?: number }): number {
  return settings.pcaDim || settings.dim;
}

/**
 * Most rows the second-moment matrix is estimated from (evenly spaced through the data). Wide
 * vectors use fewer (the cost is rows x dim^2): 65,536 up to dim 256, 4,096 at dim 1024.
 */
export function pcaSampleRows(dim: number): number {
  return Math.min(65536, Math.max(4 * dim, Math.floor(2 ** 32 / (dim * dim))));
}

/** X^T X / rows over every `step`-th row of `data`, accumulated in blocks of rows held column-major (contiguous dot products). */
function secondMoment(data: Float32Array, dim: number, maxRows: number): Float64Array {
  const n = Math.floor(data.length / dim);
  const step = Math.max(1, Math.ceil(n / maxRows));
  const B = 256;
  const block = new Float64Array(dim * B);
  const out = new Float64Array(dim * dim);
  let count = 0;
  for (let start = 0; start < n; start += step * B) {
    let rows = 0;
    for (let r = start; r < n && rows < B; r += step, rows++) {
      for (let d = 0; d < dim; d++) block[d * B + rows] = data[r * dim + d];
    }
    for (let i = 0; i < dim; i++) {
      const a = i * B;
      for (let j = i; j < dim; j++) {
        const b = j * B;
        let s = 0;
        for (let r = 0; r < rows; r++) s += block[a + r] * block[b + r];
        out[i * dim + j] += s;
      }
    }
    count += rows;
  }
  for (let i = 0; i < dim; i++) {
    for (let j = i; j < dim; j++) {
      const v = out[i * dim + j] / Math.max(1, count);
      out[i * dim + j] = v;
      out[j * dim + i] = v;
    }
  }
  return out;
}

/**
 * Learns the projection to `outDim` values from the rows of `data` (rows x dim): the top `outDim`
 * eigenvectors of the uncentred second-moment matrix of up to `maxRows` evenly spaced rows.
 * Deterministic for the same input. About 0.6 s for dim 128 on 65,536 rows, 7 s at dim 1024.
 * @example const p = learnProjection(tokens, 128, 64); const stored = project(p, tokens);
 */
export function learnProjection(data: Float32Array, dim: number, outDim: number, maxRows = pcaSampleRows(dim)): Projection {
  if (!Number.isInteger(outDim) || outDim < 1 || outDim > dim) throw new RangeError(`cannot project dim ${dim} to ${outDim}`);
  const { vectors } = symmetricEigen(secondMoment(data, dim, maxRows), dim);
  return { dim, outDim, matrix: Float32Array.from(vectors.subarray(0, outDim * dim)) };
}

/**
 * Projects rows of `data` (rows x p.dim) to rows x p.outDim and L2-normalises each output row
 * (a row with no component in the projected space stays zero).
 */
export function project(p: Projection, data: Float32Array): Float32Array {
  const { dim, outDim, matrix } = p;
  const rows = Math.floor(data.length / dim);
  const out = new Float32Array(rows * outDim);
  for (let r = 0; r < rows; r++) {
    const x = r * dim,
      o = r * outDim;
    let norm = 0;
    for (let k = 0; k < outDim; k++) {
      const m = k * dim;
      let s = 0;
      for (let d = 0; d < dim; d++) s += matrix[m + d] * data[x + d];
      out[o + k] = s;
      norm += s * s;
    }
    if (norm > 0) {
      const inv = 1 / Math.sqrt(norm);
      for (let k = 0; k < outDim; k++) out[o + k] *= inv;
    }
  }
  return out;
}

/** Maps projected rows (rows x p.outDim) back to the input space (rows x p.dim) with the transpose; rows keep their norm. */
export function unproject(p: Projection, data: Float32Array): Float32Array {
  const { dim, outDim, matrix } = p;
  const rows = Math.floor(data.length / outDim);
  const out = new Float32Array(rows * dim);
  for (let r = 0; r < rows; r++) {
    for (let k = 0; k < outDim; k++) {
      const y = data[r * outDim + k],
        m = k * dim,
        o = r * dim;
      if (y !== 0) for (let d = 0; d < dim; d++) out[o + d] += y * matrix[m + d];
    }
  }
  return out;
}

/** Bytes of a projection file: outDim x dim float32 values. */
export function projectionFileBytes(dim: number, outDim: number): number {
  return outDim * dim * 4;
}

/** The projection file's contents: the matrix as little-endian float32, outDim x dim, row-major. */
export function encodeProjection(p: Projection): Uint8Array {
  const out = new Uint8Array(projectionFileBytes(p.dim, p.outDim));
  const view = new DataView(out.buffer);
  p.matrix.forEach((v, i) => view.setFloat32(i * 4, v, true));
  return out;
}

/** Reads a projection file; throws a RangeError when its size does not fit outDim x dim or a value is not finite. */
export function decodeProjection(bytes: Uint8Array, dim: number, outDim: number): Projection {
  const expected = projectionFileBytes(dim, outDim);
  if (bytes.byteLength !== expected) throw new RangeError(`${bytes.byteLength} bytes, expected ${expected} for a ${outDim} x ${dim} float32 projection`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const matrix = new Float32Array(outDim * dim);
  for (let i = 0; i < matrix.length; i++) {
    matrix[i] = view.getFloat32(i * 4, true);
    if (!Number.isFinite(matrix[i])) throw new RangeError(`value ${i} is ${matrix[i]}`);
  }
  return { dim, outDim, matrix };
}
