/**
 * Exact ColBERT MaxSim as one SQL expression over a token-vectors column of the
 * application's own table (see token-vectors.ts): the sum over query rows of the
 * best inner product with any of the document's rows, optionally weighted per
 * query row. pgvector's `<#>` is the NEGATIVE inner product, hence the minus.
 *
 * The expression is plain SQL over `unnest` (no function to install, so it runs on
 * any server with pgvector, managed ones included) and scans every row it is
 * evaluated for: fine to about 100k documents, or after a WHERE that narrows
 * them. Beyond that use tartan's own PostgreSQL store (`tartan-search/postgres`),
 * which adds an HNSW candidate stage, or an embedded index.
 *
 * A document with no rows (or a NULL column) scores 0, as in tartan's `maxsim`.
 */
import { ErrorCodes, TartanError, describeValue } from '../../core/errors.js';
import type { TokenMatrix } from '../../core/tensors.js';
import { checkElementType, checkMatrix, formatRows, type TokenVectorsOptions, type VectorElementType } from './token-vectors.js';

/** Options of a MaxSim expression. */
export interface MaxSimSqlOptions extends TokenVectorsOptions {
  /**
   * One weight per query row (e.g. the lexical model's IDF `queryWeights`): the score is then
   * the weighted sum, like tartan's `weighted` variant. Default: every row weighs 1.
   */
  weights?: Float32Array | readonly number[];
}

/** What goes between the SQL text pieces of a MaxSim expression, in order. */
export type MaxSimSlot = 'column' | 'query' | 'weights';

/**
 * A MaxSim expression as text pieces and the slots between them, so each query
 * builder (Drizzle, Kysely, plain `pg`) puts its own column reference and bound
 * parameters in: `strings[0] slot[0] strings[1] slot[1] ... strings[n]`.
 */
export interface MaxSimTemplate {
  readonly strings: readonly string[];
  readonly slots: readonly MaxSimSlot[];
}

/** The query and weights as bound parameter values, checked. */
export interface MaxSimParams {
  /** The query's rows as `halfvec[]`/`vector[]` array text. */
  readonly query: string;
  /** The weights, one per query row, as `float8[]` array text; undefined for the plain sum. */
  readonly weights: string | undefined;
  readonly type: VectorElementType;
}

/*
 * The aliases are unusual on purpose: a column reference such as "d"."embedding" would
 * otherwise resolve to the inner unnest of the same name.
 */

/** The SQL text pieces of the expression for an element type, with or without weights. */
export function maxsimTemplate(type: VectorElementType = 'halfvec', weighted = false): MaxSimTemplate {
  const t = checkElementType(type);
  const inner = 'SELECT max(-(tartan_q.v <#> tartan_d.v)) FROM unnest(';
  const head = `(SELECT coalesce(sum(${weighted ? 'tartan_q.w * ' : ''}(${inner}`;
  const mid = `) AS tartan_d(v))), 0)::float8 FROM unnest(`;
  if (!weighted) return { strings: [head, mid, `::${t}[]) AS tartan_q(v))`], slots: ['column', 'query'] };
  return { strings: [head, mid, `::${t}[], `, '::float8[]) AS tartan_q(v, w))'], slots: ['column', 'query', 'weights'] };
}

/**
 * Checks a query against the column (at least one row, same dim, finite values,
 * weights one per row) and turns it into bound parameter values. Every error is a
 * coded TartanError raised before any SQL runs.
 */
export function maxsimParams(query: TokenMatrix, options: MaxSimSqlOptions = {}): MaxSimParams {
  const type = checkElementType(options.type);
  checkMatrix(query, 'the query', options, 1);
  let weights: string | undefined;
  if (options.weights !== undefined) {
    const w = options.weights;
    if (!(w instanceof Float32Array) && !Array.isArray(w)) {
      throw new TartanError(ErrorCodes.INVALID_ARGUMENT, `weights must be a Float32Array or number[] (one per query row), got ${describeValue(w)}`);
    }
    if (w.length !== query.rows) {
      throw new TartanError(ErrorCodes.DIMENSION_MISMATCH, `${w.length} weights for ${query.rows} query rows; give one weight per query row`);
    }
    const values = Array.from(w, (x, i) => {
      if (typeof x !== 'number' || !Number.isFinite(x))
        throw new TartanError(ErrorCodes.NON_FINITE_VALUE, `weight ${i} is ${describeValue(x)}; weights must be finite`);
      return String(x);
    });
    // Array text, not a JS array: query builders expand JS arrays into lists of parameters.
    weights = `{${values.join(',')}}`;
  }
  return { query: formatRows(query, type), weights, type };
}

/** Double-quotes an SQL identifier. */
function quoteIdentifier(name: string): string {
  if (name.length === 0 || name.includes('\0')) throw new TartanError(ErrorCodes.INVALID_ARGUMENT, `${describeValue(name)} is not a usable column name`);
  return `"${name.replace(/"/g, '""')}"`;
}

/** A MaxSim expression for node-postgres: SQL text with `$n` placeholders and their values. */
export interface MaxSimFragment {
  /** The expression, e.g. `(SELECT coalesce(sum(...)) FROM unnest($1::halfvec[]) ...)`; a `float8`. */
  readonly text: string;
  /** Its parameter values, for placeholders `$firstParam` onwards. */
  readonly values: unknown[];
}

/** Options of {@link maxsimSql}. */
export interface MaxSimFragmentOptions extends MaxSimSqlOptions {
  /** Number of the first placeholder the fragment uses (the statement's own come before it). Default 1. */
  firstParam?: number;
}

/**
 * The MaxSim expression for apps that use node-postgres (`pg`) directly. `column` names the
 * token-vectors column, optionally qualified (`documents.embedding`); each part is quoted.
 *
 * @example
 * ```ts
 * const score = maxsimSql('embedding', query, { dimensions: 96 });
 * const { rows } = await pool.query(
 *   `SELECT id, body, ${score.text} AS score FROM documents ORDER BY score DESC LIMIT $${score.values.length + 1}`,
 *   [...score.values, 10],
 * );
 * ```
 */
export function maxsimSql(column: string, query: TokenMatrix, options: MaxSimFragmentOptions = {}): MaxSimFragment {
  if (typeof column !== 'string') throw new TartanError(ErrorCodes.INVALID_ARGUMENT, `column must be a column name, got ${describeValue(column)}`);
  const first = options.firstParam ?? 1;
  if (!Number.isInteger(first) || first < 1)
    throw new TartanError(ErrorCodes.INVALID_ARGUMENT, `firstParam must be a positive integer, got ${describeValue(first)}`);
  const params = maxsimParams(query, options);
  const template = maxsimTemplate(params.type, params.weights !== undefined);
  const columnSql = column.split('.').map(quoteIdentifier).join('.');
  const values: unknown[] = [];
  let text = template.strings[0];
  template.slots.forEach((slot, i) => {
    if (slot === 'column') text += columnSql;
    else {
      values.push(slot === 'query' ? params.query : params.weights);
      text += `$${first + values.length - 1}`;
    }
    text += template.strings[i + 1];
  });
  return { text, values };
}
