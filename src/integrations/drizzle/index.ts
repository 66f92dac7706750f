/**
 * `tartan-search/drizzle`: late interaction in the application's own Drizzle schema.
 * A `tokenVectors` column (`halfvec(d)[]`, one pgvector per token of a document) and a
 * `maxsim(column, query)` SQL expression that ranks rows by exact ColBERT MaxSim.
 * Needs `drizzle-orm` (an optional peer dependency) and pgvector on the server.
 *
 * @example
 * ```ts
 * import { desc } from 'drizzle-orm';
 * import { LexicalColbert } from 'tartan-search';
 * import { maxsim, tokenVectors } from 'tartan-search/drizzle';
 *
 * const documents = pgTable('documents', { id: serial('id').primaryKey(), body: text('body'), embedding: tokenVectors('embedding', { dimensions: 128 }) });
 * const model = new LexicalColbert();
 * await db.insert(documents).values({ body, embedding: model.embedText(body) });
 * const score = maxsim(documents.embedding, model.embedQuery('blood pressure')).as('score');
 * const hits = await db.select({ id: documents.id, score }).from(documents).orderBy(desc(score)).limit(10);
 * ```
 */
export { tokenVectors, parseTokenVectorsSqlType, type TokenVectorsColumnConfig } from './token-vectors-column.js';
export { maxsim } from './maxsim.js';
export type { MaxSimSqlOptions } from '../sql/maxsim-sql.js';
export { parseTokenVectors, tokenVectorsValue, type VectorElementType } from '../sql/token-vectors.js';
