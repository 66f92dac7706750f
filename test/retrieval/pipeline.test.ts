import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Index } from '../../src/retrieval/index-facade.js';
import { Bm25Side } from '../../src/retrieval/bm25-side.js';
import { DenseSide } from '../../src/retrieval/dense-side.js';
import { Pipeline } from '../../src/retrieval/pipeline.js';
import { parsePipeline, PIPELINE_PRESETS } from '../../src/retrieval/pipeline-spec.js';
import { reciprocalRankFusion } from '../../src/retrieval/fusion.js';
import { makeSyntheticModel } from '../../src/models/synthetic/index.js';
import { TextEmbedding } from '../../src/models/encoders/dense.js';
import { TextCrossEncoder } from '../../src/models/encoders/cross-encoder.js';
import { isTartanError } from '../../src/core/errors.js';
import { SHARED, sharedSuite } from '../shared-fixtures.js';

const { test, before, after } = sharedSuite(SHARED.tokenizer);

const DOCS = [
  'Aspirin reduces fever and relieves mild pain.',
  'Ibuprofen is an anti-inflammatory drug used for pain and fever.',
  'The mitochondria is the powerhouse of the cell.',
  'Vaccines train the immune system to recognise pathogens.',
  'Regular exercise lowers blood pressure in adults.',
  'High salt intake raises blood pressure.',
  'Antibiotics do not work against viral infections such as the flu.',
  'Sleep deprivation impairs memory consolidation.',
  'Fever is a common response of the immune system to infection.',
  'Statins lower cholesterol and the risk of heart disease.',
].map((text, i) => ({ id: `d${i}`, text, metadata: { n: i } }));

let dir: string;
let index: Index;
let bm25: Bm25Side;
let dense: DenseSide;
let cross: TextCrossEncoder;

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'tartan-pipeline-'));
  index = await Index.create(join(dir, 'idx'), { model: 'lexical', mode: 'flat' });
  await index.add(DOCS);
  bm25 = new Bm25Side();
  bm25.add(DOCS);
  await makeSyntheticModel(join(dir, 'dense'), { arch: 'tiny', kind: 'dense', seed: 1 });
  await makeSyntheticModel(join(dir, 'cross'), { arch: 'tiny', kind: 'cross-encoder', seed: 2 });
  const encoder = await TextEmbedding.load(join(dir, 'dense'));
  dense = new DenseSide(encoder, join(dir, 'dense'));
  await dense.add(DOCS);
  cross = await TextCrossEncoder.load(join(dir, 'cross'));
});

after(async () => {
  await index.close();
  await dense.dispose();
  await cross.dispose();
  rmSync(dir, { recursive: true, force: true });
});

test('presets parse; unknown stages are refused with the list of names', () => {
  for (const name of Object.keys(PIPELINE_PRESETS)) assert.equal(parsePipeline(name).name, name);
  assert.deepEqual(
    parsePipeline('hybrid').first.map((s) => s.name),
    ['bm25', 'dense', 'colbert'],
  );
  assert.deepEqual(parsePipeline('bm25:50>colbert:20>cross-encoder').rerank, [{ name: 'colbert', k: 20 }, { name: 'cross-encoder' }]);
  assert.throws(
    () => parsePipeline('bm25>dense'),
    (e) => isTartanError(e, 'E_UNKNOWN_PIPELINE') && /rerank stages are colbert, cross-encoder/.test(e.message),
  );
  assert.throws(
    () => parsePipeline('splade'),
    (e) => isTartanError(e, 'E_UNKNOWN_PIPELINE'),
  );
});

test('colbert alone equals the index search', async () => {
  const p = Pipeline.build('colbert', { colbert: index });
  const { hits, latencyMs } = await p.search('fever and pain', { k: 3 });
  const direct = await index.search('fever and pain', { k: 3 });
  assert.deepEqual(
    hits.map((h) => [h.id, h.score, h.normalizedScore]),
    direct.map((h) => [h.id, h.score, h.normalizedScore]),
  );
  assert.ok(latencyMs.colbert >= 0);
});

test('bm25>colbert reranks only BM25 candidates, by exact ColBERT score', async () => {
  const p = Pipeline.build('bm25:3>colbert', { colbert: index, sides: [bm25] });
  const { hits, latencyMs } = await p.search('blood pressure', { k: 2 });
  const candidates = bm25.index.search('blood pressure', 3).map((h) => h.id);
  assert.equal(hits.length, 2);
  for (const h of hits) assert.ok(candidates.includes(h.id), `${h.id} was not a BM25 candidate`);
  const exact = await index.search('blood pressure', { k: 2, candidates });
  assert.deepEqual(
    hits.map((h) => h.id),
    exact.map((h) => h.id),
  );
  assert.equal(hits[0].stage, 'colbert');
  assert.ok('bm25' in latencyMs && 'colbert-rerank' in latencyMs);
});

async function firstVector(vectors: AsyncIterable<Float32Array>): Promise<Float32Array> {
  const all: Float32Array[] = [];
  for await (const v of vectors) all.push(v);
  return all[0];
}

test('hybrid fuses BM25, dense and ColBERT by reciprocal rank', async () => {
  const p = Pipeline.build('hybrid', { colbert: index, sides: [bm25, dense] });
  const { hits } = await p.search('immune system fever', { k: 5 });
  const lists = [
    bm25.index.search('immune system fever', 100),
    dense.index.search(await firstVector(dense.encoder.queryEmbed(['immune system fever'])), 100),
    (await index.search('immune system fever', { k: 100 })).map((h) => ({ id: h.id, score: h.score })),
  ];
  const expected = reciprocalRankFusion(lists).slice(0, 5);
  assert.deepEqual(
    hits.map((h) => h.id),
    expected.map((h) => h.id),
  );
  assert.equal(hits[0].stage, 'fusion(rrf)');
});

test('colbert>cross-encoder orders by the cross-encoder logit', async () => {
  const p = Pipeline.build('colbert:4>cross-encoder', { colbert: index, crossEncoder: cross });
  const { hits } = await p.search('fever', { k: 4 });
  const cands = await index.search('fever', { k: 4 });
  const logits = await cross.score(
    'fever',
    cands.map((c) => c.text!),
  );
  const expected = cands.map((c, i) => ({ id: c.id, s: logits[i] })).sort((a, b) => b.s - a.s);
  assert.deepEqual(
    hits.map((h) => h.id),
    expected.map((e) => e.id),
  );
  for (let i = 0; i < hits.length; i++) assert.ok(Math.abs(hits[i].score - expected[i].s) < 1e-5);
});

test('filters reach the ColBERT stage; missing components and bad k are coded errors', async () => {
  const p = Pipeline.build('colbert', { colbert: index });
  const { hits } = await p.search('fever', { k: 10, filter: { n: { $gte: 5 } } });
  assert.ok(hits.length > 0);
  for (const h of hits) assert.ok((h.metadata?.n as number) >= 5);
  assert.throws(
    () => Pipeline.build('dense>colbert', { colbert: index }),
    (e) => isTartanError(e, 'E_INVALID_ARGUMENT') && /dense/.test(e.message),
  );
  await assert.rejects(p.search('fever', { k: 0 }), (e) => isTartanError(e, 'E_INVALID_ARGUMENT'));
  await assert.rejects(p.search('  '), (e) => isTartanError(e, 'E_EMPTY_TEXT'));
});
