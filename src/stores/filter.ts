/**
 * Metadata filters (equality, $in, ranges) as documented on
 * {@link MetadataFilter}: validated once, then matched per document before
 * any scoring, so filtered-out documents never become candidates.
 */
import { ErrorCodes, TartanError, describeValue } from '../core/errors.js';
import type { MetadataFilter, MetadataValue } from './types.js';

const RANGE_OPS = ['$gt', '$gte', '$lt', '$lte'] as const;

/** Throws INVALID_FILTER when `filter` is not a well-formed filter. */
export function validateFilter(filter: unknown): asserts filter is MetadataFilter {
  const bad = (why: string) =>
    new TartanError(
      ErrorCodes.INVALID_FILTER,
      `invalid filter: ${why}; use e.g. {"lang":"en"}, {"lang":{"$in":["en","de"]}} or {"year":{"$gte":2000,"$lt":2010}}`,
    );
  if (filter === null || typeof filter !== 'object' || Array.isArray(filter)) throw bad('it must be a JSON object of field conditions');
  // Values must be metadata values: a non-finite number (1e999 in JSON) or a function never matches anything.
  const scalar = (v: unknown) => v === null || typeof v === 'string' || typeof v === 'boolean' || (typeof v === 'number' && Number.isFinite(v));
  for (const [field, cond] of Object.entries(filter as Record<string, unknown>)) {
    if (cond === null || typeof cond !== 'object') {
      if (!scalar(cond)) throw bad(`field "${field}" compares with ${describeValue(cond)}; use a string, a finite number, a boolean or null`);
      continue;
    }
    if (Array.isArray(cond)) throw bad(`field "${field}" has an array; use {"$in": [...]} for membership`);
    const keys = Object.keys(cond);
    if (keys.length === 0) throw bad(`field "${field}" has an empty condition`);
    for (const key of keys) {
      const v = (cond as Record<string, unknown>)[key];
      if (key === '$in') {
        if (!Array.isArray(v) || !v.every(scalar)) throw bad(`"$in" of field "${field}" must be an array of strings, finite numbers, booleans or null`);
      } else if ((RANGE_OPS as readonly string[]).includes(key)) {
        if (!(typeof v === 'string' || (typeof v === 'number' && Number.isFinite(v))))
          throw bad(`"${key}" of field "${field}" must be a finite number or a string`);
      } else {
        throw bad(`unknown operator "${key}" on field "${field}"`);
      }
    }
    if (keys.includes('$in') && keys.length > 1) throw bad(`field "${field}" mixes "$in" with range operators`);
  }
}

function inRange(v: MetadataValue | undefined, cond: Record<string, number | string>): boolean {
  if (typeof v !== 'number' && typeof v !== 'string') return false;
  for (const [op, bound] of Object.entries(cond)) {
    if (typeof bound !== typeof v) return false;
    if (op === '$gt' && !(v > bound)) return false;
    if (op === '$gte' && !(v >= bound)) return false;
    if (op === '$lt' && !(v < bound)) return false;
    if (op === '$lte' && !(v <= bound)) return false;
  }
  return true;
}

/**
 * True when `metadata` satisfies every condition of `filter`.
 * @example matchesFilter({ year: 2004 }, { year: { $gte: 2000 } }) // true
 */
export function matchesFilter(metadata: Record<string, MetadataValue> | undefined, filter: MetadataFilter): boolean {
  for (const [field, cond] of Object.entries(filter)) {
    const v = metadata?.[field];
    if (cond !== null && typeof cond === 'object') {
      if ('$in' in cond) {
        if (!(cond.$in as MetadataValue[]).some((x) => x === v)) return false;
      } else if (!inRange(v, cond as Record<string, number | string>)) {
        return false;
      }
    } else if (v !== cond) {
      return false;
    }
  }
  return true;
}
