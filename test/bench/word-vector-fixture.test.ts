/** Realistic token vectors from trained word vectors (the fidelity fixture) and the search benchmark over them. */
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { sharedDir } from '../../src/core/paths.js';
import { WordVectorEncoder, buildWordVectorFixture, loadWordVectors, wordsOf } from '../../bench/word-vector-fixture.js';
import { benchEncoded } from '../../bench/search-bench.js';
import { tempDir } from '../stores/file/helpers.js';
import { SHARED, sharedSuite } from '../shared-fixtures.js';

const { test } = sharedSuite(SHARED.wordVectors, SHARED.scifact);

const wordDir = join(sharedDir(), 'fixtures', 'word-vectors', 'glove-100d-scifact');
const scifact = join(sharedDir(), 'datasets', 'scifact');

const cos = (a: Float32Array, b: Float32Array) => a.reduce((s, v, i) => s + v * b[i], 0);

test('word-vector fixture: one unit row per word, contextual, deterministic, with real semantic structure', () => {
  const wv = loadWordVectors(wordDir);
  assert.equal(wv.dim, 100);
  const enc = new WordVectorEncoder(wv, { dim: 64, window: 2, context: 0.5, seed: 3 });
  const text = 'Tumour cells resist the new cancer drug.';
  const m = enc.encode(text, 300);
  assert.equal(m.rows, wordsOf(text).length);
  assert.equal(m.rows, 7);
  for (let r = 0; r < m.rows; r++) assert.ok(Math.abs(cos(m.data.subarray(r * 64, r * 64 + 64), m.data.subarray(r * 64, r * 64 + 64)) - 1) < 1e-5);
  assert.deepEqual(enc.encode(text, 300).data, m.data, 'the same text gives the same rows');
  assert.equal(enc.encode(text, 3).rows, 3, 'truncation');
  // Without context, related words are closer than unrelated ones (trained vectors, not random ones).
  const plain = new WordVectorEncoder(wv, { dim: 64, window: 0, context: 0, seed: 3 });
  const v = (w: string) => plain.encode(w, 1).data;
  assert.ok(cos(v('cancer'), v('tumor')) > cos(v('cancer'), v('bicycle')) + 0.2, `${cos(v('cancer'), v('tumor'))} vs ${cos(v('cancer'), v('bicycle'))}`);
  // Context mixes neighbours in: the same word in two sentences differs.
  const a = enc.encode('cancer drug', 10).data.subarray(0, 64),
    b = enc.encode('cancer patients', 10).data.subarray(0, 64);
  assert.ok(cos(a, b) < 0.999 && cos(a, b) > 0.5);
});

test('word-vector fixture: a BEIR folder becomes a vectors collection with test queries only', async (t) => {
  const dir = tempDir(t, 'tartan-wv-');
  mkdirSync(join(dir, 'qrels'));
  const corpus = readFileSync(join(scifact, 'corpus.jsonl'), 'utf8').split('\n').slice(0, 60).join('\n');
  writeFileSync(join(dir, 'corpus.jsonl'), corpus + '\n{"_id": "empty", "title": "", "text": "!!!"}\n');
  writeFileSync(join(dir, 'queries.jsonl'), '{"_id": "q1", "text": "aspirin and cancer"}\n{"_id": "q2", "text": "not judged"}\n');
  writeFileSync(join(dir, 'qrels', 'test.tsv'), 'query-id\tcorpus-id\tscore\nq1\t4983\t1\n');
  const c = await buildWordVectorFixture(dir, wordDir, { dim: 32 });
  assert.equal(c.docIds.length, 60, 'a document without words is dropped');
  assert.deepEqual(c.queryIds, ['q1']);
  assert.equal(c.queries.offsets[1], 3);
  assert.equal(c.docs.data.length, c.docs.offsets[60] * 32);
});

test('bench search over fixture vectors: recall against the floats, resident and disk bytes per token', async () => {
  const c = await buildWordVectorFixture(scifact, wordDir, { dim: 64, maxDocs: 400 });
  const r = await benchEncoded(c, { nprobeList: [64], ndocsList: [96], maxQueries: 40, settings: { nbits: 2 } });
  assert.equal(r.documents, 400);
  assert.ok(r.recall_at_10 >= 0.95, `recall@10 ${r.recall_at_10}`);
  // Resident: codes, scan tables, centroids; disk adds the float16 originals (64 x 2 bytes per token).
  assert.ok(r.resident_bytes_per_token > 16 && r.resident_bytes_per_token < r.disk_bytes_per_token, JSON.stringify(r.resident_parts));
  assert.ok(r.disk_bytes_per_token >= 128 + 16, `${r.disk_bytes_per_token}`);
  const sum = Object.values(r.resident_parts).reduce((a, b) => a + b, 0);
  assert.ok(Math.abs(sum - r.resident_bytes_per_token) < 0.1);
});
