/**
 * `maxsim(column, query)`: exact ColBERT MaxSim as a Drizzle SQL expression, for
 * `select`, `orderBy` and `where` over the application's own table.
 */
import { is, sql, type SQL, type SQLChunk, type SQLWrapper } from 'drizzle-orm';
import { PgColumn } from 'drizzle-orm/pg-core';
import type { TokenMatrix } from '../../core/tensors.js';
import { maxsimParams, maxsimTemplate, type MaxSimSqlOptions } from '../sql/maxsim-sql.js';
import { parseTokenVectorsSqlType } from './token-vectors-column.js';

/**
 * The MaxSim score of `query` against the token vectors in `column`: the sum over
 * query rows of the best inner product with any of the document's rows (weighted
 * with `options.weights`), a `float8`. A {@link tokenVectors} column gives the
 * dimensions and element type; for any other expression pass them in `options`.
 * The query is checked (dim, finite values) before any SQL runs.
 *
 * Exact and by sequential scan: fine to about 100k documents (or after a WHERE that
 * narrows them); beyond, use tartan's own PostgreSQL store or an embedded index.
 *
 * @example
 * ```ts
 * import { desc } from 'drizzle-orm';
 * import { maxsim } from 'tartan-search/drizzle';
 *
 * const score = maxsim(documents.embedding, queryMatrix).as('score');
 * const hits = await db.select({ id: documents.id, body: documents.body, score }).from(documents).orderBy(desc(score)).limit(10);
 * ```
 */
export function maxsim(column: PgColumn | SQLWrapper, query: TokenMatrix, options: MaxSimSqlOptions = {}): SQL<number> {
  const fromColumn = is(column, PgColumn) ? parseTokenVectorsSqlType(column.getSQLType()) : undefined;
  const params = maxsimParams(query, { ...options, ...fromColumn });
  const template = maxsimTemplate(params.type, params.weights !== undefined);
  const chunks: SQLChunk[] = [sql.raw(template.strings[0])];
  template.slots.forEach((slot, i) => {
    chunks.push(slot === 'column' ? column : sql.param(slot === 'query' ? params.query : params.weights));
    chunks.push(sql.raw(template.strings[i + 1]));
  });
  return sql.join(chunks).mapWith(Number);
}
