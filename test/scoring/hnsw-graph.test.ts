import { test } from 'node:test';
import assert from 'node:assert/strict';
import { HnswGraph, hnswUnavailable } from '../../src/scoring/hnsw-graph.js';
import { rng, randomRows } from '../scoring/random-data.js';

// usearch is an optional dependency that the checkout installs: its absence here is a failure, not a skip.
const DIM = 48;
const N = 3000;

function exactTop(data: Float32Array, query: Float32Array, k: number): number[] {
  const scores = Array.from({ length: data.length / DIM }, (_, i) => {
    let s = 0;
    for (let j = 0; j < DIM; j++) s += data[i * DIM + j] * query[j];
    return [i, s] as const;
  });
  return scores
    .sort((a, b) => b[1] - a[1])
    .slice(0, k)
    .map(([i]) => i);
}

test('usearch loads in this checkout', () => {
  assert.equal(hnswUnavailable(), undefined);
});

test('HnswGraph finds the exact top 10 by inner product (recall >= 0.95) and reports dot products', () => {
  const rand = rng(3);
  const data = randomRows(rand, N, DIM);
  const g = new HnswGraph(DIM);
  g.add(
    Uint32Array.from({ length: N }, (_, i) => i),
    data,
  );
  assert.equal(g.size, N);
  let hit = 0;
  for (let q = 0; q < 30; q++) {
    const query = randomRows(rand, 1, DIM);
    const { keys, scores } = g.search(query, 10);
    const truth = new Set(exactTop(data, query, 10));
    hit += [...keys].filter((k) => truth.has(k)).length;
    let dot = 0;
    for (let j = 0; j < DIM; j++) dot += data[keys[0] * DIM + j] * query[j];
    assert.ok(Math.abs(scores[0] - dot) < 1e-4, `score ${scores[0]} is the dot product ${dot}`);
    for (let i = 1; i < scores.length; i++) assert.ok(scores[i - 1] >= scores[i]);
  }
  assert.ok(hit / 300 >= 0.95, `recall ${hit / 300}`);
  assert.throws(() => g.search(new Float32Array(DIM + 1), 3), /values/);
  assert.throws(() => g.add(Uint32Array.of(1), new Float32Array(DIM - 1)), /values/);
});
