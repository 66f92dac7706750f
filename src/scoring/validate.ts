/** Input checks shared by every MaxSim implementation: shapes, offsets, finiteness. */
import { ErrorCodes, TartanError, describeValue } from '../core/errors.js';
import type { TokenMatrix } from '../core/tensors.js';
import type { PackedDocuments } from './types.js';

/** Throws unless every value of `data` is finite; `what` names the array in the message. */
export function assertFinite(data: Float32Array, what: string): void {
  for (let i = 0; i < data.length; i++) {
    const v = data[i];
    // v - v is NaN exactly for NaN and +-Infinity; one comparison per value keeps this fast.
    if (v - v !== 0)
      throw new TartanError(
        ErrorCodes.NON_FINITE_VALUE,
        `${what} holds ${v} at index ${i}; embeddings must be finite (check the model output or the stored vectors)`,
      );
  }
}

/** Throws for a malformed query matrix (no rows, bad dim, short data, NaN/Infinity). */
export function validateQuery(query: TokenMatrix): void {
  if (!query || !(query.data instanceof Float32Array))
    throw new TartanError(ErrorCodes.INVALID_ARGUMENT, 'the query must be a TokenMatrix with a Float32Array `data`');
  if (!Number.isInteger(query.rows) || query.rows < 1)
    throw new TartanError(ErrorCodes.INVALID_ARGUMENT, `the query has ${describeValue(query.rows)} rows; MaxSim needs at least one query vector`);
  if (!Number.isInteger(query.dim) || query.dim < 1)
    throw new TartanError(ErrorCodes.INVALID_ARGUMENT, `the query dim is ${describeValue(query.dim)}; it must be a positive integer`);
  if (query.data.length < query.rows * query.dim) {
    throw new TartanError(ErrorCodes.DIMENSION_MISMATCH, `the query data holds ${query.data.length} values, fewer than rows x dim = ${query.rows * query.dim}`);
  }
  assertFinite(query.data.subarray(0, query.rows * query.dim), 'the query');
}

/**
 * Throws for documents that do not fit the query: other dim, offsets not starting at 0,
 * decreasing or past the data, int8 scales missing or not finite. Document values
 * themselves are checked for NaN/Infinity by the kernels while they score.
 */
export function validateDocuments(docs: PackedDocuments, dim: number): number {
  if (!docs || (docs.dtype !== 'f32' && docs.dtype !== 'f16' && docs.dtype !== 'i8')) {
    throw new TartanError(ErrorCodes.INVALID_ARGUMENT, `documents must have dtype 'f32', 'f16' or 'i8'`);
  }
  const expected = docs.dtype === 'f32' ? Float32Array : docs.dtype === 'f16' ? Uint16Array : Int8Array;
  if (!(docs.data instanceof expected)) throw new TartanError(ErrorCodes.INVALID_ARGUMENT, `${docs.dtype} documents need a ${expected.name} \`data\``);
  if (docs.dim !== dim)
    throw new TartanError(
      ErrorCodes.DIMENSION_MISMATCH,
      `documents have dim ${describeValue(docs.dim)} but the query has dim ${dim}; encode both with the same model`,
    );
  const offsets = docs.offsets;
  if (!(offsets instanceof Uint32Array) || offsets.length < 1) {
    throw new TartanError(ErrorCodes.INVALID_ARGUMENT, 'document offsets must be a Uint32Array of length documents + 1 (use [0] for no documents)');
  }
  if (offsets[0] !== 0) throw new TartanError(ErrorCodes.INVALID_ARGUMENT, `document offsets must start at 0, got ${offsets[0]}`);
  for (let i = 1; i < offsets.length; i++) {
    if (offsets[i] < offsets[i - 1])
      throw new TartanError(
        ErrorCodes.INVALID_ARGUMENT,
        `document offsets decrease at ${i} (${offsets[i - 1]} -> ${offsets[i]}); they must be non-decreasing row indexes`,
      );
  }
  const rows = offsets[offsets.length - 1];
  if (rows * dim > docs.data.length) {
    throw new TartanError(
      ErrorCodes.DIMENSION_MISMATCH,
      `document offsets reach row ${rows} but the data holds ${Math.floor(docs.data.length / dim)} rows of dim ${dim}`,
    );
  }
  if (docs.dtype === 'i8') {
    if (!(docs.scales instanceof Float32Array) || docs.scales.length < rows) {
      throw new TartanError(ErrorCodes.DIMENSION_MISMATCH, `int8 documents need one Float32 scale per row (${rows}), got ${docs.scales?.length ?? 'none'}`);
    }
    assertFinite(docs.scales.subarray(0, rows), 'the int8 document scales');
  }
  return offsets.length - 1;
}
