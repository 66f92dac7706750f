/**
 * Grouping texts by token length so a padded batch wastes little compute: within a window
 * of inputs, sort by length, cut into batches, run them, and put the results back in input
 * order. The window bounds memory and latency when the input is a long stream.
 *
 * @example
 * ```ts
 * planBatches([5, 30, 6, 29], 2); // [[0, 2], [3, 1]]: short with short, long with long
 * ```
 */
import { ErrorCodes, TartanError, describeValue } from '../../core/errors.js';

/** Default texts per ONNX run. */
export const DEFAULT_BATCH_SIZE = 32;

/**
 * Splits indices `0..lengths.length-1` into batches of at most `batchSize`, each holding
 * inputs of similar length (sorted ascending; ties keep input order). Every index appears once.
 */
export function planBatches(lengths: readonly number[], batchSize: number): number[][] {
  if (!Number.isInteger(batchSize) || batchSize < 1)
    throw new TartanError(ErrorCodes.INVALID_ARGUMENT, `batchSize must be a positive integer, got ${describeValue(batchSize)}`);
  const order = lengths.map((_, i) => i).sort((a, b) => lengths[a] - lengths[b] || a - b);
  const batches: number[][] = [];
  for (let i = 0; i < order.length; i += batchSize) batches.push(order.slice(i, i + batchSize));
  return batches;
}

/**
 * Runs `runBatch` over length-grouped batches of `items` and returns the results in input order.
 * `runBatch` receives the items of one batch and must return one result per item, in the same order.
 */
export async function runByLength<T, R>(
  items: readonly T[],
  lengthOf: (item: T) => number,
  batchSize: number,
  runBatch: (batch: T[]) => Promise<R[]>,
): Promise<R[]> {
  const results = new Array<R>(items.length);
  for (const batch of planBatches(items.map(lengthOf), batchSize)) {
    const out = await runBatch(batch.map((i) => items[i]));
    if (out.length !== batch.length) throw new TartanError(ErrorCodes.MODEL_RUNTIME, `batch runner returned ${out.length} results for ${batch.length} inputs`);
    batch.forEach((index, k) => (results[index] = out[k]));
  }
  return results;
}

/** Collects an iterable or async iterable into windows of `size` items, for streaming inputs. */
export async function* windows<T>(items: Iterable<T> | AsyncIterable<T>, size: number): AsyncGenerator<T[]> {
  let current: T[] = [];
  for await (const item of items) {
    current.push(item);
    if (current.length >= size) {
      yield current;
      current = [];
    }
  }
  if (current.length > 0) yield current;
}

/** Pads rows of ids to one length into a flat row-major array (`rows x maxLen`). */
export function padRows(rows: ReadonlyArray<readonly number[]>, padValue: number): { flat: Int32Array; seqLen: number } {
  const seqLen = rows.reduce((m, r) => Math.max(m, r.length), 0);
  const flat = new Int32Array(rows.length * seqLen).fill(padValue);
  rows.forEach((r, i) => flat.set(r, i * seqLen));
  return { flat, seqLen };
}
