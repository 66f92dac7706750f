/**
 * `tartan-search/kysely`: late interaction in the application's own table with Kysely.
 * A token-vectors column (`halfvec(d)[]`, one pgvector per token of a document), a value
 * helper for inserts and a `maxsim(ref, query)` expression that ranks rows by exact
 * ColBERT MaxSim. Needs `kysely` (an optional peer dependency) and pgvector on the server.
 *
 * @example
 * ```ts
 * import { LexicalColbert } from 'tartan-search';
 * import { maxsim, tokenVectorsValue, type TokenVectorsColumn } from 'tartan-search/kysely';
 *
 * interface Database { documents: { id: Generated<number>; body: string; embedding: TokenVectorsColumn } }
 * const model = new LexicalColbert();
 * await db.insertInto('documents').values({ body, embedding: tokenVectorsValue(model.embedText(body), { dimensions: 128 }) }).execute();
 * const hits = await db.selectFrom('documents')
 *   .select(['id', maxsim('embedding', model.embedQuery('blood pressure'), { dimensions: 128 }).as('score')])
 *   .orderBy('score', 'desc').limit(10).execute();
 * ```
 */
export { maxsim, type TokenVectorsColumn } from './maxsim.js';
export type { MaxSimSqlOptions } from '../sql/maxsim-sql.js';
export { parseTokenVectors, tokenVectorsSqlType, tokenVectorsValue, type TokenVectorsOptions, type VectorElementType } from '../sql/token-vectors.js';
