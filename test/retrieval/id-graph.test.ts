import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { IdGraph } from '../../src/retrieval/id-graph.js';
import { rng, randomRows } from '../scoring/random-data.js';

const DIM = 48;

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
