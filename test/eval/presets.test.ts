import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { collectionPipeline, pipelines } from '../../src/eval/pipelines/presets.js';
import { silentProgress } from '../../src/eval/progress.js';
import type { BeirDataset } from '../../src/eval/beir.js';

const corpus = [
  { id: 'a', title: 'Fever', text: 'Aspirin reduces fever.' },
  { id: 'b', title: 'Pressure', text: 'Salt raises blood pressure.' },
  { id: 'c', title: 'Sleep', text: 'Sleep loss impairs memory.' },
];
const dataset = {
  name: 'toy',
  dir: '/toy',
  split: 'test',
  corpus,
  queries: new Map([['q1', 'blood pressure salt']]),
  qrels: new Map([['q1', new Map([['b', 1]])]]),
} as unknown as BeirDataset;

test('every retrieval preset except bm25 is an eval pipeline', () => {
  assert.deepEqual(
    pipelines.map((p) => p.name).sort(),
    ['bm25>colbert', 'colbert', 'colbert>cross-encoder', 'dense', 'dense>colbert', 'hybrid', 'muvera>colbert'].sort(),
  );
});

test('a spec pipeline indexes the corpus once in the work dir and finds the relevant document', async () => {
  const work = mkdtempSync(join(tmpdir(), 'tartan-presets-'));
  try {
    const ctx = { dataset, workDir: work, progress: silentProgress, settings: { model: 'lexical', mode: 'flat' } };
    const r1 = await collectionPipeline('bm25:2>colbert').create(ctx);
    const r2 = await collectionPipeline('colbert').create(ctx);
    assert.equal(r1.name, 'bm25:2>colbert (lexical)');
    assert.equal((await r1.search('blood pressure salt', 1))[0].id, 'b');
    assert.equal((await r2.search('blood pressure salt', 1))[0].id, 'b');
    assert.ok('colbert-rerank' in (r1.stageLatencies?.() ?? {}));
    assert.ok(existsSync(join(work, 'toy-lexical-flat', 'manifest.json')));
    await r1.dispose?.();
    await r2.dispose?.();
    // reopened from the work dir, not rebuilt
    const again = await collectionPipeline('colbert').create(ctx);
    assert.equal((await again.search('aspirin fever', 1))[0].id, 'a');
    await again.dispose?.();
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
});
