/**
 * Long-document chunking: a document whose token matrix is longer than
 * `size` rows is split into windows of `size` rows that overlap by `overlap`
 * rows. Each window is stored as a passage of the document; the document
 * scores as its best passage.
 */
import { ErrorCodes, TartanError } from '../core/errors.js';
import type { TokenMatrix } from '../core/tensors.js';

/** Row ranges [start, end) of the windows of a document with `rows` rows. */
export function chunkRanges(rows: number, size: number, overlap: number): Array<[number, number]> {
  // A NaN or fractional size would step by NaN (an endless loop) or cut rows in halves.
  if (!Number.isInteger(size) || !Number.isInteger(overlap)) {
    throw new TartanError(ErrorCodes.INVALID_ARGUMENT, `chunk size and overlap must be integers (got ${size} and ${overlap})`);
  }
  if (size <= 0 || rows <= size) return [[0, rows]];
  if (overlap < 0 || overlap >= size) {
    throw new TartanError(ErrorCodes.INVALID_ARGUMENT, `chunk overlap must be in [0, chunk size) (got ${overlap} with size ${size}); try overlap = size / 4`);
  }
  const out: Array<[number, number]> = [];
  const stride = size - overlap;
  for (let start = 0; ; start += stride) {
    const end = Math.min(rows, start + size);
    out.push([start, end]);
    if (end >= rows) break;
  }
  return out;
}

/**
 * Splits a matrix into windows (zero-copy views).
 * @example chunkMatrix(doc, 128, 32).length // 3 for a 300-row document
 */
export function chunkMatrix(m: TokenMatrix, size: number, overlap: number): TokenMatrix[] {
  return chunkRanges(m.rows, size, overlap).map(([s, e]) => ({ data: m.data.subarray(s * m.dim, e * m.dim), rows: e - s, dim: m.dim }));
}
