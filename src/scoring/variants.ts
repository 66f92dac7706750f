/**
 * MaxSim variants as per-query-row weights, and score normalisation.
 * Every kernel computes S = sum_q w[q] * max_d sim(q, d); the variant fixes w and
 * how S becomes the raw and the normalised score:
 * - sum (ColBERT): w = 1, raw = S, normalised = S / rows
 * - mean of max: w = 1, raw = normalised = S / rows
 * - weighted (e.g. IDF): w given, raw = S, normalised = S / sum(w)
 */
import { ErrorCodes, TartanError } from '../core/errors.js';
import type { MaxSimVariant } from './types.js';

/** The per-row weights a kernel multiplies the row maxima by, and the normalising divisor. */
export interface VariantPlan {
  readonly variant: MaxSimVariant;
  readonly weights: Float32Array;
  /** normalised = S / divisor. */
  readonly divisor: number;
}

/** Checks the variant options and builds the kernel weights. */
export function planVariant(variant: MaxSimVariant | undefined, weights: Float32Array | undefined, queryRows: number): VariantPlan {
  // null counts as "no weights"; any other non-array value is an error, not silently ignored.
  const given = weights !== undefined && weights !== null;
  const v = variant ?? (given ? 'weighted' : 'sum');
  if (v !== 'sum' && v !== 'mean' && v !== 'weighted') {
    throw new TartanError(ErrorCodes.INVALID_ARGUMENT, `unknown MaxSim variant '${String(v)}'; use 'sum', 'mean' or 'weighted'`);
  }
  if (v !== 'weighted') {
    if (given) throw new TartanError(ErrorCodes.INVALID_ARGUMENT, `weights were given with variant '${v}'; pass variant: 'weighted' to use them, or drop them`);
    return { variant: v, weights: new Float32Array(queryRows).fill(1), divisor: queryRows };
  }
  if (!(weights instanceof Float32Array) || weights.length !== queryRows) {
    throw new TartanError(
      ErrorCodes.DIMENSION_MISMATCH,
      `variant 'weighted' needs a Float32Array with one weight per query row (${queryRows}), got ${weights instanceof Float32Array ? weights.length : given ? typeof weights : 'none'}`,
    );
  }
  let sum = 0;
  for (let i = 0; i < weights.length; i++) {
    const w = weights[i];
    if (!Number.isFinite(w)) throw new TartanError(ErrorCodes.NON_FINITE_VALUE, `weight ${i} is ${w}; weights must be finite numbers`);
    if (w < 0) throw new TartanError(ErrorCodes.INVALID_ARGUMENT, `weight ${i} is negative (${w}); weights must be >= 0`);
    sum += w;
  }
  if (!(sum > 0)) throw new TartanError(ErrorCodes.INVALID_ARGUMENT, 'the weights sum to 0, so no score can be normalised; give at least one positive weight');
  return { variant: v, weights, divisor: sum };
}

/** Turns kernel sums S into raw and normalised scores for the plan (float32, in place of S). */
export function finishScores(sums: Float32Array, plan: VariantPlan): { raw: Float32Array; normalized: Float32Array } {
  const normalized = new Float32Array(sums.length);
  for (let i = 0; i < sums.length; i++) normalized[i] = sums[i] / plan.divisor;
  return { raw: plan.variant === 'mean' ? normalized.slice() : sums, normalized };
}
