import { test } from 'node:test';
import assert from 'node:assert/strict';
import { int8Agreement } from '../../src/bench/encode-bench.js';
import type { TokenMatrix } from '../../src/tensors.js';

function matrix(rows: number[][]): TokenMatrix {
  return { data: Float32Array.from(rows.flat()), rows: rows.length, dim: rows[0].length };
}

test('int8 agreement: identical vectors agree exactly', () => {
  const docs = [matrix([[1, 0], [0, 1]]), matrix([[0.6, 0.8]])];
  const a = int8Agreement(docs, docs);
  assert.equal(a.passages, 2);
  assert.equal(a.tokens, 3);
  assert.ok(Math.abs(a.min_cosine - 1) < 1e-6 && Math.abs(a.mean_cosine - 1) < 1e-6);
  assert.equal(a.maxsim_max_abs_diff, 0);
});

test('int8 agreement: cosines per token and MaxSim differences of consecutive passages', () => {
  const fp32 = [matrix([[1, 0], [0, 1]]), matrix([[1, 0]])];
  const int8 = [matrix([[0.6, 0.8], [0, 1]]), matrix([[1, 0]])];
  const a = int8Agreement(fp32, int8);
  assert.equal(a.min_cosine, Math.fround(0.6));
  assert.ok(Math.abs(a.mean_cosine - (0.6 + 1 + 1) / 3) < 1e-6);
  // MaxSim(passage 0 as query, passage 1): fp32 1 + 0 = 1; int8 0.6 + 0 = 0.6.
  assert.ok(Math.abs(a.maxsim_max_abs_diff - 0.4) < 1e-6);
  assert.ok(Math.abs(a.maxsim_mean_abs_diff - 0.4) < 1e-6);
});
