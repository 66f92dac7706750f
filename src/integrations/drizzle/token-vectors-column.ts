/**
 * A Drizzle column for a document's token vectors: `halfvec(d)[]` (or `vector(d)[]`)
 * in the application's own table, mapped to and from tartan's {@link TokenMatrix}.
 */
import { customType } from 'drizzle-orm/pg-core';
import type { TokenMatrix } from '../../core/tensors.js';
import { checkDimensions, checkElementType, parseTokenVectors, tokenVectorsSqlType, tokenVectorsValue, type VectorElementType } from '../sql/token-vectors.js';

/** Settings of a {@link tokenVectors} column. */
export interface TokenVectorsColumnConfig {
  /** Dimensions of each token vector: the model's `dim` (96 for answerai-colbert-small-v1, 128 for colbertv2.0). */
  dimensions: number;
  /** pgvector element type: `halfvec` (default, 2 bytes a value) or `vector` (4 bytes). */
  type?: VectorElementType;
}

/** The dimensions and element type of a column's SQL type such as `halfvec(96)[]`, or undefined for other types. */
export function parseTokenVectorsSqlType(sqlType: string): { dimensions: number; type: VectorElementType } | undefined {
  const m = /^(halfvec|vector)\((\d+)\)\[\]$/.exec(sqlType.trim());
  return m ? { type: m[1] as VectorElementType, dimensions: Number(m[2]) } : undefined;
}

/**
 * A `halfvec(dimensions)[]` column holding one encoded document: insert a TokenMatrix
 * (an encoder's `passageEmbed` output), select one back. Values are checked (dim,
 * finite, float16 range) before they are sent, with coded TartanErrors.
 *
 * @example
 * ```ts
 * import { pgTable, serial, text } from 'drizzle-orm/pg-core';
 * import { tokenVectors } from 'tartan-search/drizzle';
 *
 * export const documents = pgTable('documents', {
 *   id: serial('id').primaryKey(),
 *   body: text('body').notNull(),
 *   embedding: tokenVectors('embedding', { dimensions: 96 }).notNull(),
 * });
 * ```
 */
export function tokenVectors<TName extends string>(name: TName, config: TokenVectorsColumnConfig) {
  const dimensions = checkDimensions(config?.dimensions);
  const type = checkElementType(config.type);
  const options = { dimensions, type };
  return customType<{ data: TokenMatrix; driverData: string }>({
    dataType: () => tokenVectorsSqlType(dimensions, type),
    toDriver: (value) => tokenVectorsValue(value, options),
    fromDriver: (value) => parseTokenVectors(value, options),
  })(name);
}
