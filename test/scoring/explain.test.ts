import { test } from 'node:test';
import assert from 'node:assert/strict';
import { explainMaxSim, explainPassages } from '../../src/scoring/explain.js';
import { maxsimPair } from '../../src/scoring/maxsim.js';
import { ErrorCodes, isTartanError } from '../../src/core/errors.js';
import { randomQuery, rng } from './random-data.js';

// Query rows: "cat" = (1, 0, 0), "sat" = (0, 1, 0).
// Document rows: "the" = (0, 0, 1), "cat" = (0.8, 0.6, 0), "sat" = (0, 0.6, 0.8), "mat" = (0.6, 0.8, 0).
const query = { data: Float32Array.of(1, 0, 0, 0, 1, 0), rows: 2, dim: 3 };
const doc = { data: Float32Array.of(0, 0, 1, 0.8, 0.6, 0, 0, 0.6, 0.8, 0.6, 0.8, 0), rows: 4, dim: 3 };
const queryTokens = ['cat', 'sat'];
const docTokens = ['the', 'cat', 'sat', 'mat'];

test('each query token names its best document token, similarity and share (hand-computed)', () => {
  const e = explainMaxSim(query, doc, { queryTokens, docTokens });
  // cat -> cat (0.8); sat -> mat (0.8, first 0.8 wins over sat's 0.6). Raw 1.6, normalised 0.8.
  assert.equal(e.matches[0].docIndex, 1);
  assert.equal(e.matches[0].docToken, 'cat');
  assert.equal(e.matches[1].docIndex, 3);
  assert.equal(e.matches[1].docToken, 'mat');
  assert.ok(Math.abs(e.matches[0].similarity - 0.8) < 1e-6);
  assert.ok(Math.abs(e.raw - 1.6) < 1e-6);
  assert.ok(Math.abs(e.normalized - 0.8) < 1e-6);
  assert.ok(Math.abs(e.matches[0].share - 0.5) < 1e-6);
  const shares = e.matches.reduce((s, m) => s + m.share, 0);
  assert.ok(Math.abs(shares - 1) < 1e-9, `shares sum to ${shares}`);
  assert.equal(e.matrix, undefined);
});

test('weighted shares follow the weights; the matrix is given on request', () => {
  const e = explainMaxSim(query, doc, { variant: 'weighted', weights: Float32Array.of(3, 1), matrix: true });
  assert.ok(Math.abs(e.raw - (3 * 0.8 + 1 * 0.8)) < 1e-6);
  assert.ok(Math.abs(e.normalized - 0.8) < 1e-6);
  assert.ok(Math.abs(e.matches[0].share - 0.75) < 1e-6);
  assert.deepEqual({ rows: e.matrix?.rows, cols: e.matrix?.cols }, { rows: 2, cols: 4 });
  assert.deepEqual(
    [...e.matrix!.data].map((v) => Math.round(v * 10) / 10),
    [0, 0.8, 0, 0.6, 0, 0.6, 0.6, 0.8],
  );
});

test('explanation scores equal MaxSim on random data (sum and mean)', () => {
  const rand = rng(21);
  for (const variant of ['sum', 'mean'] as const) {
    const q = randomQuery(rand, 32, 128);
    const d = randomQuery(rand, 45, 128);
    const e = explainMaxSim(q, d, { variant });
    const s = maxsimPair(q, d, { variant, impl: 'ts' });
    assert.ok(Math.abs(e.raw - s.raw) < 1e-5, `${variant}: ${e.raw} vs ${s.raw}`);
    assert.ok(Math.abs(e.normalized - s.normalized) < 1e-5);
    assert.ok(Math.abs(e.matches.reduce((t, m) => t + m.share, 0) - 1) < 1e-9);
  }
});

test('an empty document explains as score 0 with no match; wrong token counts are coded errors', () => {
  const e = explainMaxSim(query, { data: new Float32Array(0), rows: 0, dim: 3 });
  assert.equal(e.raw, 0);
  assert.deepEqual(
    e.matches.map((m) => [m.docIndex, m.share]),
    [
      [-1, 0],
      [-1, 0],
    ],
  );
  assert.throws(
    () => explainMaxSim(query, doc, { docTokens: ['a'] }),
    (err) => isTartanError(err, ErrorCodes.DIMENSION_MISMATCH),
  );
  assert.throws(
    () => explainMaxSim(query, { ...doc, dim: 2 }),
    (err) => isTartanError(err, ErrorCodes.DIMENSION_MISMATCH),
  );
  const bad = { ...doc, data: doc.data.slice() };
  bad.data[4] = NaN;
  assert.throws(
    () => explainMaxSim(query, bad),
    (err) => isTartanError(err, ErrorCodes.NON_FINITE_VALUE),
  );
});

test('explainPassages explains the best passage (first on ties), with its labels', () => {
  const weak = { data: Float32Array.of(0, 0, 1), rows: 1, dim: 3 };
  const labels = (p: number) => (p === 1 ? docTokens : undefined);
  const e = explainPassages(query, [weak, doc, doc], { queryTokens, passageTokens: labels, matrix: true });
  assert.equal(e?.passage, 1, 'the second passage scores 1.6, the first 0; the third ties and loses');
  assert.ok(Math.abs(e!.raw - 1.6) < 1e-6);
  assert.deepEqual(e!.docTokens, docTokens);
  assert.deepEqual(
    e!.matches.map((m) => m.docToken),
    ['cat', 'mat'],
  );
  assert.equal(e!.matrix?.cols, 4);
  const weighted = explainPassages(query, [doc], { weights: Float32Array.of(3, 1) });
  assert.equal(weighted?.variant, 'weighted');
  assert.ok(Math.abs(weighted!.raw - 3.2) < 1e-6);
  assert.equal(explainPassages(query, []), undefined, 'a document without passages has nothing to explain');
  assert.throws(
    () => explainPassages(query, [doc], { queryTokens: ['cat'] }),
    (err) => isTartanError(err, ErrorCodes.DIMENSION_MISMATCH),
  );
});
