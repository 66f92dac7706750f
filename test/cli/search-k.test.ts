/**
 * k as a user types it: `tartan search <dir> "<q>" -k 100` returns 100 hits
 * from plaid and flat indexes of 160 documents, also through pipelines whose
 * ColBERT stage passes on 100 (`colbert:100`); and one bad k gets the same
 * code and message from the CLI, the API (Index, Collection) and HTTP.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { tartanSync } from './run-cli.js';
import { makeSyntheticModel } from '../../src/models/synthetic/index.js';
import { Index } from '../../src/retrieval/index-facade.js';
import { Collection } from '../../src/retrieval/collection.js';
import { isTartanError } from '../../src/core/errors.js';
import { kFromText } from '../../src/core/result-count.js';
import { call, startServer } from '../server/start-server.js';
import { SHARED, sharedSuite } from '../shared-fixtures.js';

// The dense model built in `before` copies the shared tokenizer.
const { test, before, after } = sharedSuite(SHARED.tokenizer);

const DOCS = 160;
const WORDS = ['fever', 'aspirin', 'blood', 'pressure', 'salt', 'vaccine', 'virus', 'sleep', 'memory', 'tea', 'caffeine', 'bone', 'vitamin', 'heart'];

let dir: string;
const tartan = (...args: string[]) => tartanSync(args, { env: { TARTAN_HOME: join(dir, 'home') } });
const hitsOf = (r: { status: number; stdout: string; stderr: string }) => {
  assert.equal(r.status, 0, r.stderr || r.stdout);
  return (JSON.parse(r.stdout) as { hits: Array<{ id: string; rank: number }> }).hits;
};

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'tartan-cli-k-'));
  // Every document shares "study", so every one is a candidate for a query about it.
  const lines = Array.from({ length: DOCS }, (_, i) => {
    const words = Array.from({ length: 12 }, (_, j) => WORDS[(i * 5 + j * 3 + ((i * j) % 7)) % WORDS.length]);
    return JSON.stringify({ id: `d${i}`, text: `study ${i} of ${words.join(' ')}` });
  });
  writeFileSync(join(dir, 'docs.jsonl'), lines.join('\n') + '\n');
  await makeSyntheticModel(join(dir, 'dense'), { arch: 'tiny', kind: 'dense', seed: 5 });
  for (const mode of ['plaid', 'flat']) {
    const r = tartan(
      'index',
      join(dir, mode),
      join(dir, 'docs.jsonl'),
      '--model',
      'lexical',
      '--mode',
      mode,
      '--dense-model',
      join(dir, 'dense'),
      '--no-progress',
    );
    assert.equal(r.status, 0, r.stderr);
  }
});
after(() => rmSync(dir, { recursive: true, force: true }));

for (const mode of ['plaid', 'flat']) {
  test(`${mode}: search -k 100 returns 100 hits ranked 1..100`, () => {
    const hits = hitsOf(tartan('search', join(dir, mode), 'study of fever and aspirin', '-k', '100', '--json'));
    assert.equal(hits.length, 100);
    assert.deepEqual(
      hits.map((h) => h.rank),
      Array.from({ length: 100 }, (_, i) => i + 1),
    );
    assert.equal(new Set(hits.map((h) => h.id)).size, 100);
  });

  test(`${mode}: a colbert:100 stage passes on 100 (bm25 gives 5, so 100 hits need all of ColBERT's)`, () => {
    for (const pipeline of ['colbert:100', 'bm25:5+colbert:100>colbert', 'bm25:5+dense:5+colbert:100', 'hybrid']) {
      const hits = hitsOf(tartan('search', join(dir, mode), 'study of fever and aspirin', '-k', '100', '--pipeline', pipeline, '--json'));
      assert.equal(hits.length, 100, pipeline);
    }
  });
}

test('the Index and Collection APIs honour k = 100 on the plaid index', async () => {
  const index = await Index.open(join(dir, 'plaid'));
  const collection = await Collection.attach(index);
  try {
    assert.equal((await index.search('study of fever', { k: 100 })).length, 100);
    assert.equal((await index.search('study of fever', { k: 150 })).length, 150);
    const { hits } = await collection.search('study of fever', { pipeline: 'bm25:5+colbert:100>colbert', k: 100 });
    assert.equal(hits.length, 100);
  } finally {
    await collection.close();
  }
});

test('a bad k gets the same code and message from the CLI, the API and HTTP', async () => {
  const index = await Index.open(join(dir, 'flat'));
  const collection = await Collection.attach(index);
  const server = await startServer({ indexes: [`docs=${join(dir, 'flat')}`] });
  try {
    for (const typed of ['0', '-3', '2.5', '10001', 'abc']) {
      const expected = `k must be an integer from 1 to 10000, got ${typed === 'abc' ? '"abc"' : typed}`;
      const k = kFromText(typed) as number;
      for (const pipeline of [undefined, 'bm25>colbert']) {
        const cli = tartan('search', join(dir, 'flat'), 'fever', '-k', typed, ...(pipeline ? ['--pipeline', pipeline] : []), '--json');
        assert.equal(cli.status, 1, `CLI -k ${typed}`);
        assert.deepEqual(JSON.parse(cli.stdout).error, { code: 'E_INVALID_ARGUMENT', message: expected }, `CLI -k ${typed} ${pipeline ?? ''}`);
        const http = await call(`${server.url}/api/indexes/docs/search`, { method: 'POST', json: { query: 'fever', k, ...(pipeline ? { pipeline } : {}) } });
        assert.equal(http.status, 400);
        assert.deepEqual(http.body.error, { code: 'E_INVALID_ARGUMENT', message: expected }, `HTTP k ${typed} ${pipeline ?? ''}`);
      }
      const api = (e: unknown) => isTartanError(e, 'E_INVALID_ARGUMENT') && e.message === expected;
      await assert.rejects(index.search('fever', { k }), api, `Index.search k ${typed}`);
      await assert.rejects(collection.search('fever', { pipeline: 'bm25>colbert', k }), api, `Collection.search k ${typed}`);
    }
  } finally {
    await server.stop();
    await collection.close();
  }
});
