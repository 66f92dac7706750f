import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { tartan } from '../cli/run-cli.js';
import { makeSyntheticModel } from '../../src/models/synthetic/index.js';
import { SHARED, sharedSuite } from '../shared-fixtures.js';

const { test, before, after } = sharedSuite(SHARED.tokenizer);

// TARTAN_HOME: int8 graphs are cached there, not in ~/.tartan.
const cli = (...args: string[]) => tartan(args, { env: { TARTAN_ONNX_THREADS: '1', TARTAN_HOME: join(root, 'home') } });

let root = '';
before(async () => {
  root = await mkdtemp(join(tmpdir(), 'tartan-cli-'));
  await makeSyntheticModel(join(root, 'colbert'), { arch: 'tiny', kind: 'colbert', dim: 16, seed: 1 });
  await makeSyntheticModel(join(root, 'ce'), { arch: 'tiny', kind: 'cross-encoder', seed: 1 });
});
after(async () => {
  await rm(root, { recursive: true, force: true });
});

test('embed --json: one {text, shape, vectors} per text; --query gives 32 rows', async () => {
  const docs = await cli('embed', '--model', join(root, 'colbert'), '--json', 'What is Qdrant?', 'Relational databases are not well-suited for search');
  assert.equal(docs.status, 0, docs.stderr);
  const out = JSON.parse(docs.stdout) as { text: string; shape: [number, number]; vectors: number[][] }[];
  assert.deepEqual(
    out.map((o) => o.shape),
    [
      [8, 16],
      [11, 16],
    ],
  );
  assert.equal(out[1].text, 'Relational databases are not well-suited for search');
  assert.equal(out[1].vectors.length, 11);
  assert.ok(out[1].vectors.every((v) => v.length === 16 && Math.abs(Math.hypot(...v) - 1) < 1e-4));
  const q = JSON.parse((await cli('embed', '--model', join(root, 'colbert'), '--query', '--json', 'What is Qdrant?')).stdout) as { shape: number[] }[];
  assert.deepEqual(q[0].shape, [32, 16]);
});

test('tokenize --json lists the tokens that get vectors, with offsets', async () => {
  const r = await cli('tokenize', '--model', join(root, 'colbert'), '--json', 'Qdrant, a database.');
  assert.equal(r.status, 0, r.stderr);
  const [t] = JSON.parse(r.stdout) as { count: number; tokens: { token: string; offset: [number, number] | null }[] }[];
  assert.deepEqual(
    t.tokens.map((x) => x.token),
    ['[CLS]', '[unused1]', 'q', '##dran', '##t', 'a', 'database', '[SEP]'],
  );
  assert.equal(t.count, 8);
  assert.deepEqual(t.tokens[6].offset, [10, 18]);
  assert.equal(t.tokens[0].offset, null);
});

test('rerank --json ranks every document by score, best first', async () => {
  const r = await cli('rerank', '--model', join(root, 'ce'), '--json', 'what is qdrant', 'a vector database', 'bread recipes', 'search engine');
  assert.equal(r.status, 0, r.stderr);
  const ranked = JSON.parse(r.stdout) as { rank: number; index: number; score: number; text: string }[];
  assert.deepEqual(
    ranked.map((x) => x.rank),
    [1, 2, 3],
  );
  assert.deepEqual(ranked.map((x) => x.index).sort(), [0, 1, 2]);
  for (let i = 1; i < ranked.length; i++) assert.ok(ranked[i - 1].score >= ranked[i].score);
});

test('errors are coded JSON with --json and a non-zero exit', async () => {
  const r = await cli('embed', '--model', join(root, 'nope'), '--json', 'text');
  assert.notEqual(r.status, 0);
  assert.equal((JSON.parse(r.stdout) as { error: { code: string } }).error.code, 'E_MODEL_FILES_MISSING');
  const list = await cli('models', 'list', '--json');
  const models = JSON.parse(list.stdout) as { id: string; default: boolean; supported: boolean }[];
  assert.ok(models.some((m) => m.id === 'colbert-ir/colbertv2.0' && m.supported));
  assert.equal(models.filter((m) => m.default).length, 3);
});

test('embed --precision int8 gives the same shapes with vectors near the fp32 ones; unknown precisions are refused', async () => {
  const text = 'Relational databases are not well-suited for search';
  const run = async (...extra: string[]) => {
    const r = await cli('embed', '--model', join(root, 'colbert'), '--json', ...extra, text);
    assert.equal(r.status, 0, r.stderr);
    return (JSON.parse(r.stdout) as { shape: number[]; vectors: number[][] }[])[0];
  };
  const f = await run();
  const q = await run('--precision', 'int8');
  assert.deepEqual(q.shape, f.shape);
  const cosines = f.vectors.map((v, r) => v.reduce((s, x, k) => s + x * q.vectors[r][k], 0));
  assert.ok(
    cosines.every((c) => c > 0.99 && c < 1.0001),
    cosines.join(' '),
  );
  assert.ok(
    cosines.some((c) => c < 0.999999),
    'int8 vectors are not the fp32 ones',
  );
  const bad = await cli('embed', '--model', join(root, 'colbert'), '--precision', 'fp16', 'text');
  assert.notEqual(bad.status, 0);
  assert.match(bad.stderr, /--precision must be one of fp32, int8/);
});

test('rerank --precision int8 runs the quantised cross-encoder: scores near the fp32 ones', async () => {
  const docs = ['a vector database', 'bread recipes', 'search engine'];
  const run = async (...extra: string[]) => {
    const r = await cli('rerank', '--model', join(root, 'ce'), '--json', ...extra, 'what is qdrant', ...docs);
    assert.equal(r.status, 0, r.stderr);
    return new Map((JSON.parse(r.stdout) as { index: number; score: number }[]).map((x) => [x.index, x.score]));
  };
  const f = await run();
  const q = await run('--precision', 'int8');
  for (const [i, s] of f) assert.ok(Math.abs(q.get(i)! - s) < 0.05 * Math.max(1, Math.abs(s)), `doc ${i}: ${q.get(i)} vs ${s}`);
  assert.ok(
    [...f].some(([i, s]) => q.get(i) !== s),
    'int8 scores are not the fp32 ones',
  );
});
