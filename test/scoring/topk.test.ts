import { test } from 'node:test';
import assert from 'node:assert/strict';
import { topK } from '../../src/scoring/topk.js';
import { ErrorCodes, isTartanError } from '../../src/core/errors.js';
import { rng } from './random-data.js';

/** Full sort by (score desc, index asc): the slow, obviously-right answer. */
function bySorting(scores: Float32Array, k: number): number[] {
  return [...scores.keys()]
    .sort((a, b) => {
      const sa = Number.isNaN(scores[a]) ? -Infinity : scores[a];
      const sb = Number.isNaN(scores[b]) ? -Infinity : scores[b];
      return sb - sa || a - b;
    })
    .slice(0, k);
}

test('top-k equals a full sort on random scores for many k', () => {
  const rand = rng(11);
  for (const n of [1, 2, 7, 100, 1000]) {
    const scores = new Float32Array(n).map(() => rand() * 2 - 1);
    for (const k of [1, 2, 5, 10, n - 1, n]) {
      if (k < 0) continue;
      const r = topK(scores, k);
      assert.deepEqual([...r.indices], bySorting(scores, k), `n=${n} k=${k}`);
      assert.deepEqual(
        [...r.scores],
        bySorting(scores, k).map((i) => scores[i]),
      );
    }
  }
});

test('ties go to the lower index', () => {
  const scores = Float32Array.of(0.5, 0.9, 0.5, 0.9, 0.1, 0.9, 0.5);
  assert.deepEqual([...topK(scores, 2).indices], [1, 3]);
  assert.deepEqual([...topK(scores, 4).indices], [1, 3, 5, 0]);
  const rand = rng(12);
  const coarse = new Float32Array(500).map(() => Math.floor(rand() * 5));
  assert.deepEqual([...topK(coarse, 50).indices], bySorting(coarse, 50));
});

test('k = 0, k > n, empty input and NaN scores', () => {
  const scores = Float32Array.of(0.3, NaN, 0.7);
  assert.equal(topK(scores, 0).indices.length, 0);
  assert.deepEqual([...topK(scores, 10).indices], [2, 0, 1]);
  assert.equal(topK(new Float32Array(0), 3).indices.length, 0);
  assert.deepEqual([...topK([1, 3, 2], 2).indices], [1, 2]);
});

test('a negative or fractional k is a coded error', () => {
  for (const k of [-1, 1.5, NaN]) {
    assert.throws(
      () => topK(Float32Array.of(1), k),
      (e) => isTartanError(e, ErrorCodes.INVALID_ARGUMENT),
    );
  }
});

test('long inputs (the selection path) equal a full sort, with ties, NaN and infinities', () => {
  const rand = rng(13);
  for (const n of [1024, 5000, 20000]) {
    const coarse = new Float32Array(n).map(() => Math.floor(rand() * 40) / 4);
    for (let i = 0; i < n; i += 97) coarse[i] = [NaN, -Infinity, Infinity][i % 3];
    const fine = new Float32Array(n).map(() => rand() * 2 - 1);
    for (const scores of [coarse, fine]) {
      for (const k of [1, 10, 256, Math.floor(n / 4)]) {
        const r = topK(scores, k);
        assert.deepEqual([...r.indices], bySorting(scores, k), `n=${n} k=${k}`);
        assert.deepEqual(
          [...r.scores],
          bySorting(scores, k).map((i) => scores[i]),
        );
      }
    }
  }
});
