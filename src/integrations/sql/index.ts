/**
 * Late interaction in the application's own PostgreSQL table, without a query builder:
 * a token-vectors column (`halfvec(d)[]`, one pgvector per token) and an exact MaxSim
 * expression for node-postgres. Drizzle and Kysely wrappers live in
 * `tartan-search/drizzle` and `tartan-search/kysely`.
 *
 * @example
 * ```ts
 * await pool.query('CREATE TABLE documents (id serial PRIMARY KEY, body text, embedding halfvec(96)[])');
 * await pool.query('INSERT INTO documents (body, embedding) VALUES ($1, $2)', [text, tokenVectorsValue(docMatrix, { dimensions: 96 })]);
 * const score = maxsimSql('embedding', queryMatrix, { dimensions: 96 });
 * const { rows } = await pool.query(`SELECT id, ${score.text} AS score FROM documents ORDER BY score DESC LIMIT 10`, score.values);
 * ```
 */
export {
  maxsimParams,
  maxsimSql,
  maxsimTemplate,
  type MaxSimFragment,
  type MaxSimFragmentOptions,
  type MaxSimParams,
  type MaxSimSlot,
  type MaxSimSqlOptions,
  type MaxSimTemplate,
} from './maxsim-sql.js';
export { parseTokenVectors, tokenVectorsSqlType, tokenVectorsValue, type TokenVectorsOptions, type VectorElementType } from './token-vectors.js';
