import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isTartanError } from '../../../src/core/errors.js';
import fc from 'fast-check';
import { padRows, planBatches, runByLength, windows } from '../../../src/models/encoders/batching.js';

test('planBatches groups similar lengths and covers every index once', () => {
  assert.deepEqual(planBatches([5, 30, 6, 29], 2), [
    [0, 2],
    [3, 1],
  ]);
  fc.assert(
    fc.property(fc.array(fc.nat(600), { maxLength: 80 }), fc.integer({ min: 1, max: 9 }), (lengths, size) => {
      const batches = planBatches(lengths, size);
      assert.deepEqual(
        batches.flat().sort((a, b) => a - b),
        lengths.map((_, i) => i),
      );
      assert.ok(batches.every((b) => b.length >= 1 && b.length <= size));
      const ordered = batches.flat().map((i) => lengths[i]);
      for (let i = 1; i < ordered.length; i++) assert.ok(ordered[i - 1] <= ordered[i]);
    }),
  );
  assert.throws(
    () => planBatches([1], 0),
    (e) => isTartanError(e, 'E_INVALID_ARGUMENT'),
  );
});

test('runByLength restores input order and runs sorted batches', async () => {
  const seen: number[][] = [];
  const items = ['ccc', 'a', 'bbbb', 'dd', 'e'];
  const out = await runByLength(
    items,
    (s) => s.length,
    2,
    async (batch) => {
      seen.push(batch.map((s) => s.length));
      return batch.map((s) => s.toUpperCase());
    },
  );
  assert.deepEqual(out, ['CCC', 'A', 'BBBB', 'DD', 'E']);
  assert.deepEqual(seen, [[1, 1], [2, 3], [4]]);
  await assert.rejects(
    runByLength(
      items,
      (s) => s.length,
      2,
      async () => [],
    ),
    (e) => isTartanError(e, 'E_MODEL_RUNTIME'),
  );
});

test('windows cuts sync and async streams; padRows pads to the longest row', async () => {
  const got: string[][] = [];
  for await (const w of windows(['a', 'b', 'c'], 2)) got.push(w);
  assert.deepEqual(got, [['a', 'b'], ['c']]);
  async function* gen() {
    yield 1;
    yield 2;
  }
  const asyncGot: number[][] = [];
  for await (const w of windows(gen(), 5)) asyncGot.push(w);
  assert.deepEqual(asyncGot, [[1, 2]]);
  const p = padRows([[1, 2, 3], [4]], 0);
  assert.equal(p.seqLen, 3);
  assert.deepEqual(Array.from(p.flat), [1, 2, 3, 4, 0, 0]);
});
