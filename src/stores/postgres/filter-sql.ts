/**
 * Metadata filters compiled to parameterised SQL over the `metadata jsonb`
 * column of the documents table (alias `d`). Values and keys always travel as
 * bind parameters; nothing the user gives is spliced into the SQL text.
 *
 * - equality `{ lang: 'en' }` -> `d.metadata @> $n::jsonb` (served by the GIN index)
 * - `{ lang: { $in: ['en', 'de'] } }` -> `$n::jsonb @> (d.metadata -> $m)` (a JSON array contains the value)
 * - ranges `$gt/$gte/$lt/$lte` compare numbers as numeric and strings as text
 *   (C collation); a value of the other JSON type never matches.
 */
import { ErrorCodes, TartanError } from '../../core/errors.js';
import type { MetadataFilter, MetadataValue, RangeCondition } from '../types.js';

/** A compiled filter: an SQL condition and its parameters, numbered from the `firstParam` given. */
export interface CompiledFilter {
  sql: string;
  params: unknown[];
}

const RANGE_OPS: Record<keyof RangeCondition, string> = { $gt: '>', $gte: '>=', $lt: '<', $lte: '<=' };

function isScalar(v: unknown): v is MetadataValue {
  return v === null || typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean';
}

function invalid(key: string, what: string): TartanError {
  return new TartanError(
    ErrorCodes.INVALID_FILTER,
    `filter on "${key}": ${what}. Use a value, { $in: [values] }, or a range { $gt, $gte, $lt, $lte } of numbers or strings.`,
  );
}

/**
 * Compiles `filter` into one SQL condition (the AND of one condition per key).
 * `firstParam` is the number of the first bind parameter it may use.
 *
 * @example
 * compileFilter({ year: { $gte: 2000 } }, 4)
 * // { sql: "coalesce(CASE WHEN jsonb_typeof(d.metadata -> $4) = 'number' THEN (d.metadata ->> $4)::numeric >= $5::numeric END, false)",
//   params: ['year', 2000] }
 */
export function compileFilter(filter: MetadataFilter | undefined, firstParam: number): CompiledFilter {
  const parts: string[] = [];
  const params: unknown[] = [];
  const bind = (v: unknown): string => {
    params.push(v);
    return `$${firstParam + params.length - 1}`;
  };
  for (const [key, cond] of Object.entries(filter ?? {})) {
    if (isScalar(cond)) {
      if (typeof cond === 'number' && !Number.isFinite(cond)) throw invalid(key, `${cond} is not a finite number`);
      parts.push(`d.metadata @> ${bind(JSON.stringify({ [key]: cond }))}::jsonb`);
      continue;
    }
    if (typeof cond !== 'object' || Array.isArray(cond)) throw invalid(key, 'unsupported condition');
    const ops = Object.keys(cond);
    if (ops.length === 0) throw invalid(key, 'empty condition');
    if ('$in' in cond) {
      if (ops.length !== 1) throw invalid(key, '$in cannot be combined with other operators');
      const values = (cond as { $in: unknown }).$in;
      if (!Array.isArray(values) || !values.every(isScalar)) throw invalid(key, '$in needs an array of strings, numbers, booleans or null');
      parts.push(values.length === 0 ? 'false' : `${bind(JSON.stringify(values))}::jsonb @> (d.metadata -> ${bind(key)})`);
      continue;
    }
    const keyParam = bind(key);
    for (const op of ops) {
      if (!(op in RANGE_OPS)) throw invalid(key, `unknown operator ${op}`);
      const bound = (cond as Record<string, unknown>)[op];
      const sqlOp = RANGE_OPS[op as keyof RangeCondition];
      if (typeof bound === 'number' && Number.isFinite(bound)) {
        parts.push(
          `coalesce(CASE WHEN jsonb_typeof(d.metadata -> ${keyParam}) = 'number' THEN (d.metadata ->> ${keyParam})::numeric ${sqlOp} ${bind(bound)}::numeric END, false)`,
        );
      } else if (typeof bound === 'string') {
        parts.push(
          `coalesce(CASE WHEN jsonb_typeof(d.metadata -> ${keyParam}) = 'string' THEN (d.metadata ->> ${keyParam}) COLLATE "C" ${sqlOp} ${bind(bound)}::text END, false)`,
        );
      } else {
        throw invalid(key, `${op} needs a finite number or a string`);
      }
    }
  }
  // Range CASEs yield NULL on a type mismatch, so they are wrapped in coalesce(..., false); the
  // containment tests are left bare so the planner can use the GIN index.
  return { sql: parts.join(' AND '), params };
}
