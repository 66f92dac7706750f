import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { tartan } from '../cli/run-cli.js';
import { makeSyntheticModel } from '../../src/models/synthetic/index.js';
import { SHARED, sharedSuite } from '../shared-fixtures.js';

const { test, before, after } = sharedSuite(SHARED.tokenizer);

const cli = (...args: string[]) => tartan(args, { env: { TARTAN_ONNX_THREADS: '1' } });

let root = '';
before(async () => {
  root = await mkdtemp(join(tmpdir(), 'tartan-explain-'));
  await makeSyntheticModel(join(root, 'colbert'), { arch: 'tiny', kind: 'colbert', dim: 128, seed: 3 });
});
after(async () => {
  await rm(root, { recursive: true, force: true });
});

interface ExplainJson {
  score: { raw: number; normalized: number };
  queryTokens: string[];
  docTokens: string[];
  matches: { queryIndex: number; queryToken: string; docIndex: number; docToken: string; similarity: number; share: number }[];
  matrix: number[][];
}

test('explain --json: one match per query token, consistent with the matrix, shares summing to 1', async () => {
  const r = await cli('explain', '--model', join(root, 'colbert'), '--json', 'what is qdrant?', 'Qdrant is a vector database, written in Rust.');
  assert.equal(r.status, 0, r.stderr);
  const out = JSON.parse(r.stdout) as ExplainJson;
  assert.equal(out.queryTokens.length, 32);
  assert.deepEqual(out.queryTokens.slice(0, 3), ['[CLS]', '[unused0]', 'what']);
  // Punctuation gets no document vector: ',' and '.' are absent.
  assert.ok(!out.docTokens.includes(',') && !out.docTokens.includes('.'));
  assert.equal(out.matrix.length, 32);
  assert.ok(out.matrix.every((row) => row.length === out.docTokens.length));
  let raw = 0;
  for (const m of out.matches) {
    const row = out.matrix[m.queryIndex];
    assert.equal(m.docIndex, row.indexOf(Math.max(...row)));
    assert.equal(m.docToken, out.docTokens[m.docIndex]);
    assert.equal(m.similarity, row[m.docIndex]);
    raw += m.similarity;
  }
  assert.ok(Math.abs(raw - out.score.raw) < 1e-4);
  assert.ok(Math.abs(out.score.normalized - out.score.raw / 32) < 1e-6);
  assert.ok(Math.abs(out.matches.reduce((s, m) => s + m.share, 0) - 1) < 1e-6);
});

test('explain prints a readable table; a bad --variant is a coded error', async () => {
  const r = await cli('explain', '--model', join(root, 'colbert'), 'what is qdrant?', 'Qdrant is a vector database.');
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /query token\s+doc #\s+best doc token\s+similarity\s+share/);
  assert.match(r.stdout, /normalised 0\.\d{4}/);
  const bad = await cli('explain', '--model', join(root, 'colbert'), '--variant', 'median', 'a', 'b');
  assert.notEqual(bad.status, 0);
  assert.match(bad.stderr, /E_INVALID_ARGUMENT/);
});
