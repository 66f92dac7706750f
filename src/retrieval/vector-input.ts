/**
 * Checks of token vectors given by the user (encoded elsewhere, e.g. in
 * Python) before they reach a store: a {@link TokenMatrix} or a list of rows,
 * of the index's dim, finite, with at least one row. Each problem is a coded
 * TartanError that names the document (or the query) and says what to do.
 */
import { ErrorCodes, TartanError, describeValue } from '../core/errors.js';
import { assertFinite } from '../scoring/validate.js';
import type { DocumentInput } from '../stores/types.js';
import type { TokenMatrix } from '../core/tensors.js';

/** Token vectors as a packed matrix, or as one array of `dim` numbers per token (e.g. JSON from Python's `tolist()`). */
export type VectorsInput = TokenMatrix | ReadonlyArray<ArrayLike<number>>;

/** A document with token vectors computed elsewhere; `text` is optional (stored and returned with hits when given). */
export interface VectorDocumentInput extends DocumentInput {
  vectors: VectorsInput;
}

function isMatrix(v: unknown): v is TokenMatrix {
  return v !== null && typeof v === 'object' && !Array.isArray(v) && 'data' in v && 'rows' in v && 'dim' in v;
}

/** Packs a list of rows into a matrix; rows must all be `dim` numbers long. */
function fromRows(rows: ReadonlyArray<ArrayLike<number>>, dim: number, what: string): TokenMatrix {
  const data = new Float32Array(rows.length * dim);
  for (let r = 0; r < rows.length; r++) {
    const row = rows[r];
    if (row === null || typeof row !== 'object' || typeof row.length !== 'number')
      throw new TartanError(ErrorCodes.INVALID_ARGUMENT, `${what}: row ${r} must be an array of numbers, got ${describeValue(row)}`);
    if (row.length !== dim) {
      throw new TartanError(
        ErrorCodes.DIMENSION_MISMATCH,
        `${what}: row ${r} has ${row.length} values but the index stores dim ${dim}; give vectors from a model of dim ${dim} (the one the index was created for)`,
      );
    }
    for (let j = 0; j < dim; j++) {
      const v = row[j];
      if (typeof v !== 'number') throw new TartanError(ErrorCodes.INVALID_ARGUMENT, `${what}: row ${r} value ${j} is ${describeValue(v)}, not a number`);
      data[r * dim + j] = v;
    }
  }
  return { data, rows: rows.length, dim };
}

/**
 * Returns `vectors` as a checked {@link TokenMatrix} of dim `dim`, or throws:
 * E_INVALID_ARGUMENT (not a matrix or list of rows), E_DIMENSION_MISMATCH (other
 * dim, short data), E_EMPTY_TEXT (no rows: nothing to score), E_NON_FINITE_VALUE
 * (NaN, Infinity, or a value too large for float32). `what` names the input in messages.
 * @example toTokenMatrix([[0.6, 0.8], [1, 0]], 2, 'document "d1"') // { rows: 2, dim: 2, data: Float32Array [...] }
 */
export function toTokenMatrix(vectors: unknown, dim: number, what: string): TokenMatrix {
  let m: TokenMatrix;
  if (Array.isArray(vectors)) {
    m = fromRows(vectors as ReadonlyArray<ArrayLike<number>>, dim, what);
  } else if (isMatrix(vectors)) {
    if (!(vectors.data instanceof Float32Array))
      throw new TartanError(ErrorCodes.INVALID_ARGUMENT, `${what}: vectors.data must be a Float32Array (rows x dim values, row-major)`);
    if (!Number.isInteger(vectors.rows) || vectors.rows < 0)
      throw new TartanError(ErrorCodes.INVALID_ARGUMENT, `${what}: vectors.rows must be a non-negative integer, got ${describeValue(vectors.rows)}`);
    if (vectors.dim !== dim) {
      throw new TartanError(
        ErrorCodes.DIMENSION_MISMATCH,
        `${what} has vectors of dim ${describeValue(vectors.dim)} but the index stores dim ${dim}; give vectors from a model of dim ${dim} (the one the index was created for)`,
      );
    }
    if (vectors.data.length < vectors.rows * dim) {
      throw new TartanError(
        ErrorCodes.DIMENSION_MISMATCH,
        `${what}: vectors.data holds ${vectors.data.length} values, fewer than rows x dim = ${vectors.rows * dim}`,
      );
    }
    m = { data: vectors.data.subarray(0, vectors.rows * dim), rows: vectors.rows, dim };
  } else {
    throw new TartanError(
      ErrorCodes.INVALID_ARGUMENT,
      `${what}: vectors must be a TokenMatrix ({ data: Float32Array, rows, dim }) or an array of rows of numbers, got ${describeValue(vectors)}`,
    );
  }
  if (m.rows === 0) throw new TartanError(ErrorCodes.EMPTY_TEXT, `${what} has no token vectors; give at least one row (or leave it out)`);
  assertFinite(m.data, what);
  return m;
}
