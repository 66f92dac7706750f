import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HnswGraph, hnswUnavailable } from '../../src/retrieval/hnsw-graph.js';
import { IdGraph } from '../../src/retrieval/id-graph.js';
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

test('IdGraph: replaced and deleted ids leave the results; a save loads back only for the same documents', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'tartan-hnsw-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const rand = rng(5);
  const ids = Array.from({ length: 200 }, (_, i) => `d${i}`);
  const data = randomRows(rand, ids.length, DIM);
  const g = IdGraph.build(DIM, ids, data);
  const target = data.slice(7 * DIM, 8 * DIM);
  assert.equal(g.search(target, 1)[0].id, 'd7');
  g.delete('d7');
  assert.ok(!g.search(target, 20).some((h) => h.id === 'd7'));
  // d9 now holds d7's vector: it is the best match, under its own id.
  g.set('d9', target);
  assert.equal(g.search(target, 1)[0].id, 'd9');
  assert.equal(g.size, 199);
  g.save(dir);
  g.save(dir);
  assert.equal(readdirSync(dir).filter((f) => f.endsWith('.usearch')).length, 1, 'older graph files are removed');
  const live = ids.filter((id) => id !== 'd7');
  const loaded = IdGraph.load(dir, DIM, live);
  assert.ok(loaded);
  assert.equal(loaded.size, 199);
  assert.equal(loaded.search(target, 1)[0].id, 'd9');
  assert.equal(IdGraph.load(dir, DIM, ids), undefined, 'another set of documents: rebuild');
  assert.equal(IdGraph.load(join(dir, 'missing'), DIM, live), undefined);
  IdGraph.removeFiles(dir);
  assert.ok(!existsSync(join(dir, 'hnsw.json')));
  assert.equal(readdirSync(dir).length, 0);
});
