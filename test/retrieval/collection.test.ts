import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Index } from '../../src/retrieval/index-facade.js';
import { Collection } from '../../src/retrieval/collection.js';
import { makeSyntheticModel } from '../../src/models/synthetic/index.js';
import { isTartanError } from '../../src/core/errors.js';
import { SHARED, sharedSuite } from '../shared-fixtures.js';

const { test, before, after } = sharedSuite(SHARED.tokenizer);

const DOCS = [
  'Aspirin reduces fever and relieves mild pain.',
  'Regular exercise lowers blood pressure in adults.',
  'High salt intake raises blood pressure.',
  'Vaccines train the immune system to recognise pathogens.',
  'Sleep deprivation impairs memory consolidation.',
].map((text, i) => ({ id: `d${i}`, text }));

let dir: string;
let denseDir: string;

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'tartan-collection-'));
  denseDir = join(dir, 'dense-model');
  await makeSyntheticModel(denseDir, { arch: 'tiny', kind: 'dense', seed: 3 });
});
after(() => rmSync(dir, { recursive: true, force: true }));

test('side indexes follow adds and deletes, and are reused on reopen', async () => {
  const loc = join(dir, 'a');
  await (await Index.create(loc, { model: 'lexical', mode: 'flat' })).close();
  let rebuilds = 0;
  const c = await Collection.open(loc, { denseModel: denseDir, onRebuild: () => rebuilds++ });
  await c.add(DOCS);
  const bm = await c.search('blood pressure', { pipeline: 'bm25', k: 2 });
  assert.deepEqual(new Set(bm.hits.map((h) => h.id)), new Set(['d1', 'd2']));
  const hybrid = await c.search('blood pressure', { pipeline: 'hybrid', k: 3 });
  assert.equal(hybrid.hits.length, 3);
  assert.ok('bm25' in hybrid.latencyMs && 'dense' in hybrid.latencyMs && 'colbert' in hybrid.latencyMs);
  assert.equal(await c.delete(['d2']), 1);
  assert.ok(!(await c.search('blood pressure', { pipeline: 'bm25', k: 5 })).hits.some((h) => h.id === 'd2'));
  const denseBefore = (await c.search('memory and sleep', { pipeline: 'dense', k: 4 })).hits;
  await c.close();

  const before = rebuilds;
  const again = await Collection.open(loc, { onRebuild: () => rebuilds++ });
  assert.equal(rebuilds, before, 'fresh side indexes must be loaded, not rebuilt');
  assert.deepEqual((await again.search('memory and sleep', { pipeline: 'dense', k: 4 })).hits, denseBefore);
  assert.ok(!(await again.search('blood pressure', { pipeline: 'bm25', k: 5 })).hits.some((h) => h.id === 'd2'));
  await again.close();
});

test('documents added behind its back make the side indexes stale; they are rebuilt from stored texts', async () => {
  const loc = join(dir, 'b');
  await (await Index.create(loc, { model: 'lexical', mode: 'flat' })).close();
  const c = await Collection.open(loc);
  await c.add(DOCS.slice(0, 3));
  await c.close();
  const idx = await Index.open(loc);
  await idx.add([{ id: 'late', text: 'Octopuses have three hearts.' }]);
  await idx.close();
  let rebuilt = 0;
  const again = await Collection.open(loc, { onRebuild: () => rebuilt++ });
  assert.ok(rebuilt > 0);
  assert.equal((await again.search('octopus hearts', { pipeline: 'bm25', k: 1 })).hits[0].id, 'late');
  await again.close();
});

test('a damaged side-index state file is treated as stale', async () => {
  const loc = join(dir, 'c');
  await (await Index.create(loc, { model: 'lexical', mode: 'flat' })).close();
  const c = await Collection.open(loc);
  await c.add(DOCS);
  await c.close();
  writeFileSync(join(loc, 'side-indexes.json'), '{not json');
  let rebuilt = 0;
  const again = await Collection.open(loc, { onRebuild: () => rebuilt++ });
  assert.ok(rebuilt > 0);
  assert.equal((await again.search('aspirin fever', { pipeline: 'bm25>colbert', k: 1 })).hits[0].id, 'd0');
  await assert.rejects(again.search('aspirin', { pipeline: 'dense' }), (e) => isTartanError(e, 'E_INVALID_ARGUMENT'));
  await again.close();
});

test('the lexical model scores index searches with IDF weights taken from the BM25 side index', async () => {
  const loc = join(dir, 'idf');
  await (await Index.create(loc, { model: 'lexical', mode: 'flat' })).close();
  const c = await Collection.open(loc);
  await c.add(DOCS);
  const query = 'blood pressure in adults';
  const weights = c.index.queryWeights(query)!;
  // "blood" and "pressure" are in two documents, "adults" in one: the rarer term weighs more.
  assert.equal(weights.length, 3);
  assert.ok(weights[2] > weights[0] && Math.abs(weights[0] - weights[1]) < 1e-6, `weights ${Array.from(weights)}`);
  const [hit] = await c.index.search(query, { k: 1 });
  assert.equal(hit.id, 'd1');
  const sum = weights.reduce((a, b) => a + b, 0);
  assert.ok(Math.abs(hit.normalizedScore * sum - hit.score) < 1e-4, 'normalised by the sum of the weights');
  await c.close();
  // Without the side index the model has no frequencies: every weight is 1, and the score is plain MaxSim.
  const bare = await Index.open(loc);
  assert.deepEqual(Array.from(bare.queryWeights(query)!), [1, 1, 1]);
  const [plain] = await bare.search(query, { k: 1 });
  assert.ok(Math.abs(plain.normalizedScore * 3 - plain.score) < 1e-4);
  assert.ok(Math.abs(plain.score - hit.score) > 1e-3, 'the weighted score differs from the plain one');
  await bare.close();
});
