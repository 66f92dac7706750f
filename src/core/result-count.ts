/**
 * The one rule for `k`, the number of results a search returns (and the
 * candidates a pipeline stage passes on): an integer from 1 to {@link MAX_K}.
 * Index.search, pipelines and their stage specs, the CLI's -k, the server's
 * search route and the PostgreSQL store all check it here, so the same bad k
 * gets the same code and message everywhere.
 *
 * Why 1 to 10,000: k = 0 asks for nothing and is always a caller's bug; 10,000
 * is above every cutoff retrieval metrics use (@1000 at most) and above any
 * useful rerank depth, while bounding what one request may cost (every hit is
 * scored exactly and returned with its text and metadata).
 */
import { ErrorCodes, TartanError, describeValue } from './errors.js';

/** The largest k any search accepts. */
export const MAX_K = 10_000;

/**
 * Returns `k` when it is an integer from 1 to `max` (at most {@link MAX_K}); otherwise throws
 * E_INVALID_ARGUMENT with the one message, `name` saying which k (e.g. a pipeline stage's).
 * @example checkK(100) // 100
 * @example checkK(0) // throws: k must be an integer from 1 to 10000, got 0
 */
export function checkK(k: unknown, name = 'k', max = MAX_K): number {
  const limit = Math.min(max, MAX_K);
  if (typeof k !== 'number' || !Number.isInteger(k) || k < 1 || k > limit) {
    throw new TartanError(ErrorCodes.INVALID_ARGUMENT, `${name} must be an integer from 1 to ${limit}, got ${describeValue(k)}`);
  }
  return k;
}

/**
 * The k typed on a command line (`-k 100`, `colbert:100`): a decimal number becomes a number,
 * anything else stays the text it was, so {@link checkK} names it exactly as typed.
 */
export function kFromText(text: string): number | string {
  return /^\s*[-+]?(\d+\.?\d*|\.\d+)(e[-+]?\d+)?\s*$/i.test(text) ? Number(text) : text;
}
