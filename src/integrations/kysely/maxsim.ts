/**
 * `maxsim(ref, query)`: exact ColBERT MaxSim as a Kysely raw expression over a
 * token-vectors column of the application's own table.
 */
import { isExpression, sql, type ColumnType, type Expression, type RawBuilder } from 'kysely';
import type { TokenMatrix } from '../../core/tensors.js';
import { maxsimParams, maxsimTemplate, type MaxSimSqlOptions } from '../sql/maxsim-sql.js';

/**
 * The Kysely table-interface type of a token-vectors column: written and read as
 * `halfvec[]` array text (write it with `tokenVectorsValue`, read it with `parseTokenVectors`).
 */
export type TokenVectorsColumn = ColumnType<string, string, string>;

/**
 * The MaxSim score of `query` against the token vectors in column `ref` (a column
 * name such as `'embedding'` or `'documents.embedding'`, or any Kysely expression):
 * the sum over query rows of the best inner product with any of the document's rows
 * (weighted with `options.weights`), a `float8`. Give `options.dimensions` (the
 * column's) to have a query of another dim refused before any SQL runs.
 *
 * Exact and by sequential scan: fine to about 100k documents (or after a WHERE that
 * narrows them); beyond, use tartan's own PostgreSQL store or an embedded index.
 *
 * @example
 * ```ts
 * import { maxsim } from 'tartan-search/kysely';
 *
 * const hits = await db
 *   .selectFrom('documents')
 *   .select(['id', 'body', maxsim('embedding', queryMatrix, { dimensions: 96 }).as('score')])
 *   .orderBy('score', 'desc')
 *   .limit(10)
 *   .execute();
 * ```
 */
export function maxsim(ref: string | Expression<unknown>, query: TokenMatrix, options: MaxSimSqlOptions = {}): RawBuilder<number> {
  const column = isExpression(ref) ? ref : sql.ref(ref);
  const params = maxsimParams(query, options);
  const template = maxsimTemplate(params.type, params.weights !== undefined);
  const parts: unknown[] = [sql.raw(template.strings[0])];
  template.slots.forEach((slot, i) => {
    parts.push(slot === 'column' ? column : sql.val(slot === 'query' ? params.query : params.weights));
    parts.push(sql.raw(template.strings[i + 1]));
  });
  return sql.join<number>(parts, sql.raw(''));
}
