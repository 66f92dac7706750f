/**
 * A document's token vectors as a column value of the application's own table:
 * a pgvector `halfvec(d)[]` (or `vector(d)[]`) array, one element per token row.
 *
 * Values travel as PostgreSQL's array text form, `{"[0.1,0.2]","[0.3,0.4]"}`, which
 * every driver (node-postgres, postgres.js, Drizzle, Kysely) passes through as a
 * string, so no binary codec or per-database type OID is needed. For `halfvec`
 * the values are rounded to float16 here, exactly as the server would, so what
 * tartan scores in memory and what PostgreSQL stores are the same numbers.
 */
import { ErrorCodes, TartanError, describeValue } from '../../core/errors.js';
import type { TokenMatrix } from '../../core/tensors.js';
import { floatToHalf, halfToFloat } from '../../scoring/float16.js';

/** pgvector's element type of the array column: `halfvec` (2 bytes a value, the default) or `vector` (4). */
export type VectorElementType = 'halfvec' | 'vector';

/** Largest finite float16. */
const HALF_MAX = 65504;
/** pgvector's limit on the dimensions of one vector. */
const MAX_DIMENSIONS = 16000;

/** Column settings shared by every helper: the dimensions of each token vector and the element type. */
export interface TokenVectorsOptions {
  /** Dimensions of each token vector (the model's `dim`); checked when given. */
  dimensions?: number;
  /** Element type of the array column. Default `halfvec`. */
  type?: VectorElementType;
}

/** Throws unless `type` is one of pgvector's dense types this integration supports. */
export function checkElementType(type: unknown): VectorElementType {
  if (type === undefined || type === 'halfvec') return 'halfvec';
  if (type === 'vector') return 'vector';
  throw new TartanError(ErrorCodes.INVALID_ARGUMENT, `unknown token vector type ${describeValue(type)}; use 'halfvec' (default) or 'vector'`);
}

/** Throws unless `dimensions` is a positive integer within pgvector's limit; returns it. */
export function checkDimensions(dimensions: unknown): number {
  if (typeof dimensions !== 'number' || !Number.isInteger(dimensions) || dimensions < 1 || dimensions > MAX_DIMENSIONS) {
    throw new TartanError(
      ErrorCodes.INVALID_ARGUMENT,
      `dimensions must be an integer from 1 to ${MAX_DIMENSIONS} (the model's dim), got ${describeValue(dimensions)}`,
    );
  }
  return dimensions;
}

/** The SQL type of the column, e.g. `halfvec(96)[]`. */
export function tokenVectorsSqlType(dimensions: number, type: VectorElementType = 'halfvec'): string {
  return `${checkElementType(type)}(${checkDimensions(dimensions)})[]`;
}

/**
 * Checks a matrix's shape and values for storage: `rows x dim` values present, `dim` equal
 * to `dimensions` when given, every value finite (and within float16 range for halfvec).
 * `what` names the matrix in messages ("the query", "the document").
 */
export function checkMatrix(m: TokenMatrix, what: string, options: TokenVectorsOptions = {}, minRows = 0): void {
  if (!m || typeof m !== 'object' || !(m.data instanceof Float32Array)) {
    throw new TartanError(ErrorCodes.INVALID_ARGUMENT, `${what} must be a TokenMatrix { data: Float32Array, rows, dim } (an encoder's output)`);
  }
  if (!Number.isInteger(m.rows) || m.rows < minRows) {
    throw new TartanError(ErrorCodes.INVALID_ARGUMENT, `${what} has ${describeValue(m.rows)} rows; it needs at least ${minRows}`);
  }
  if (!Number.isInteger(m.dim) || m.dim < 1) {
    throw new TartanError(ErrorCodes.INVALID_ARGUMENT, `${what} has dim ${describeValue(m.dim)}; it must be a positive integer`);
  }
  if (options.dimensions !== undefined && m.dim !== checkDimensions(options.dimensions)) {
    throw new TartanError(
      ErrorCodes.DIMENSION_MISMATCH,
      `${what} has dim ${m.dim} but the column holds ${options.dimensions}-dimensional vectors; encode with the model the column was made for`,
      { details: { expected: options.dimensions, actual: m.dim } },
    );
  }
  if (m.data.length < m.rows * m.dim) {
    throw new TartanError(ErrorCodes.DIMENSION_MISMATCH, `${what} claims ${m.rows} rows of dim ${m.dim} but holds ${m.data.length} values`);
  }
  const limit = checkElementType(options.type) === 'halfvec' ? HALF_MAX : Number.MAX_VALUE;
  const n = m.rows * m.dim;
  for (let i = 0; i < n; i++) {
    const v = m.data[i];
    if (!(v >= -limit && v <= limit)) {
      throw new TartanError(
        ErrorCodes.NON_FINITE_VALUE,
        `${what} holds ${v} at row ${Math.floor(i / m.dim)}, component ${i % m.dim}; token vectors must be finite` +
          (limit === HALF_MAX ? ` and within +-${HALF_MAX} for halfvec (vectors should be L2-normalised)` : ''),
      );
    }
  }
}

/** One value as text that parses back to exactly the stored number. */
function formatValue(v: number, type: VectorElementType): string {
  if (type === 'vector') return String(Math.fround(v));
  // 5 significant digits single out every float16 value, so the server's rounding lands on this one.
  return String(Number(halfToFloat(floatToHalf(v)).toPrecision(5)));
}

/** Array text of rows `[0, rows)` of a matrix already checked. */
export function formatRows(m: TokenMatrix, type: VectorElementType): string {
  const parts = new Array<string>(m.rows);
  const row = new Array<string>(m.dim);
  for (let r = 0; r < m.rows; r++) {
    const base = r * m.dim;
    for (let j = 0; j < m.dim; j++) row[j] = formatValue(m.data[base + j], type);
    parts[r] = `"[${row.join(',')}]"`;
  }
  return `{${parts.join(',')}}`;
}

/**
 * The column value of an encoded document, for an INSERT or UPDATE: the array text of
 * its token vectors. A document with no rows becomes the empty array (it scores 0).
 *
 * @example
 * ```ts
 * const [doc] = await collect(model.passageEmbed([text]));
 * await pool.query('INSERT INTO documents (body, embedding) VALUES ($1, $2)', [text, tokenVectorsValue(doc, { dimensions: 96 })]);
 * ```
 */
export function tokenVectorsValue(doc: TokenMatrix, options: TokenVectorsOptions = {}): string {
  checkMatrix(doc, 'the document', options);
  return formatRows(doc, checkElementType(options.type));
}

/** The numbers of one `[a,b,...]` element. */
function parseElement(text: string, index: number): number[] {
  const t = text.trim();
  if (!t.startsWith('[') || !t.endsWith(']')) {
    throw new TartanError(ErrorCodes.INPUT_FORMAT, `token vector ${index} is ${describeValue(t)}; expected pgvector text such as [0.1,0.2]`);
  }
  const inner = t.slice(1, -1).trim();
  return inner === '' ? [] : inner.split(',').map(Number);
}

/** The elements of a value read back: array text, or an array a type parser already split. */
function elementsOf(value: unknown): unknown[] {
  if (Array.isArray(value)) return value;
  if (typeof value !== 'string') {
    throw new TartanError(ErrorCodes.INPUT_FORMAT, `a token vectors value must be halfvec[]/vector[] array text, got ${describeValue(value)}`);
  }
  const t = value.trim();
  if (!t.startsWith('{') || !t.endsWith('}')) {
    throw new TartanError(ErrorCodes.INPUT_FORMAT, `${describeValue(t)} is not PostgreSQL array text; select a halfvec[] or vector[] column`);
  }
  const body = t.slice(1, -1).trim();
  if (body === '') return [];
  // Elements are quoted because pgvector's text form contains commas; quotes and commas inside cannot occur.
  return body.split(/"\s*,\s*"/).map((s) => s.replace(/^"|"$/g, ''));
}

/**
 * Reads a column value back as a {@link TokenMatrix}, each value rounded to the
 * column's element type (float16 for `halfvec`), i.e. exactly what the column stores.
 * `options.dimensions` checks the dim and gives the dim of an empty array.
 *
 * @example
 * ```ts
 * const { rows } = await pool.query('SELECT embedding FROM documents WHERE id = $1', [id]);
 * const doc = parseTokenVectors(rows[0].embedding, { dimensions: 96 }); // TokenMatrix, rows x 96
 * ```
 */
export function parseTokenVectors(value: unknown, options: TokenVectorsOptions = {}): TokenMatrix {
  const type = checkElementType(options.type);
  const dimensions = options.dimensions === undefined ? undefined : checkDimensions(options.dimensions);
  const elements = elementsOf(value);
  const rows = elements.map((e, i) => (typeof e === 'string' ? parseElement(e, i) : Array.from(e as ArrayLike<number>)));
  const dim = rows[0]?.length ?? dimensions ?? 0;
  if (dimensions !== undefined && dim !== dimensions) {
    throw new TartanError(ErrorCodes.DIMENSION_MISMATCH, `the stored token vectors have dim ${dim}, expected ${dimensions}`);
  }
  const data = new Float32Array(rows.length * dim);
  rows.forEach((r, i) => {
    if (r.length !== dim) throw new TartanError(ErrorCodes.DIMENSION_MISMATCH, `token vector ${i} has ${r.length} values, the first has ${dim}`);
    for (let j = 0; j < dim; j++) {
      const v = r[j];
      if (!Number.isFinite(v)) throw new TartanError(ErrorCodes.INPUT_FORMAT, `token vector ${i}, component ${j} is not a finite number`);
      data[i * dim + j] = type === 'halfvec' ? halfToFloat(floatToHalf(v)) : v;
    }
  });
  return { data, rows: rows.length, dim };
}
