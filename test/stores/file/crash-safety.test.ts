import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PlaidStore } from '../../../src/stores/file/plaid-store.js';
import { openFileStore } from '../../../src/stores/open.js';
import { setBeforeRenameHook } from '../../../src/core/atomic-file.js';
import { WriteLock } from '../../../src/stores/file/lock.js';
import { isTartanError } from '../../../src/core/errors.js';
import { matrixAt, packMatrices } from '../../../src/core/tensors.js';
import { clusteredBatch, queryFrom, tempDir } from './helpers.js';

const dim = 32;
const batch = clusteredBatch(60, dim, { seed: 21 });
const part = (from: number, to: number) =>
  packMatrices(
    Array.from({ length: to - from }, (_, i) => matrixAt(batch, from + i)),
    dim,
  );
const docs = (from: number, to: number) => Array.from({ length: to - from }, (_, i) => ({ id: `d${from + i}` }));

test('crash safety: the manifest is written last; a crash mid-add leaves the previous state readable', async (t) => {
  const dir = tempDir(t);
  const store = await PlaidStore.create(dir, { dim, centroids: 16 });
  await store.add(docs(0, 30), part(0, 30));
  const manifestBefore = readFileSync(join(dir, 'manifest.json'), 'utf8');
  const written: string[] = [];
  // Crash when the manifest is about to be renamed into place: every data file of the add is already written.
  setBeforeRenameHook((path) => {
    written.push(path.split('/').pop()!);
    if (path.endsWith('manifest.json')) throw new Error('simulated crash');
  });
  try {
    await assert.rejects(store.add(docs(30, 60), part(30, 60)), /simulated crash/);
  } finally {
    setBeforeRenameHook(undefined);
  }
  assert.equal(written.at(-1), 'manifest.json', `manifest is the last file written: ${written.join(', ')}`);
  assert.ok(
    written.some((n) => n.startsWith('seg-000002')),
    'segment files were written before it',
  );
  assert.equal(readFileSync(join(dir, 'manifest.json'), 'utf8'), manifestBefore, 'the old manifest is intact');
  assert.ok(!readdirSync(dir).some((n) => n.endsWith('.tmp')), 'no temp files left behind');
  await store.close();
  // A leftover temp file and orphan segment (as after a power cut) do not disturb readers.
  writeFileSync(join(dir, '.manifest.json.999.tmp'), '{"half":');
  const reader = await openFileStore(dir);
  assert.equal((await reader.info()).documents, 30);
  const hits = await reader.search(queryFrom(batch, 3, 8, 1), { k: 3, nprobe: 16, ndocs: 60 });
  assert.equal(hits[0].id, 'd3');
  await reader.close();
  // The next writer cleans up the orphans of the failed add and carries on.
  const writer = await openFileStore(dir);
  await writer.add(docs(30, 60), part(30, 60));
  assert.equal((await writer.info()).documents, 60);
  assert.ok(!readdirSync(dir).some((n) => n.endsWith('.tmp')));
  await writer.close();
});

test('crash safety: a data file that does not match the manifest is reported as corrupt', async (t) => {
  const dir = tempDir(t);
  const store = await PlaidStore.create(dir, { dim, centroids: 16 });
  await store.add(docs(0, 10), part(0, 10));
  await store.close();
  const codes = readdirSync(dir).find((n) => n.endsWith('.codes'))!;
  writeFileSync(join(dir, codes), Buffer.alloc(3));
  await assert.rejects(openFileStore(dir), (e) => isTartanError(e, 'E_INDEX_CORRUPT') && /rebuild/.test((e as Error).message));
});

test('lock: a second writer gets INDEX_LOCKED, readers are not blocked, a dead holder is taken over', async (t) => {
  const dir = tempDir(t);
  const a = await PlaidStore.create(dir, { dim, centroids: 16 });
  await a.add(docs(0, 20), part(0, 20));
  const b = await openFileStore(dir);
  await assert.rejects(b.add(docs(20, 21), part(20, 21)), (e) => isTartanError(e, 'E_INDEX_LOCKED'));
  await assert.rejects(b.delete(['d1']), (e) => isTartanError(e, 'E_INDEX_LOCKED'));
  assert.equal((await b.search(queryFrom(batch, 2, 4, 2), { k: 1, nprobe: 16 })).length, 1, 'reading works while locked');
  await a.close();
  await b.add(docs(20, 21), part(20, 21));
  await b.close();
  writeFileSync(join(dir, 'write.lock'), JSON.stringify({ pid: 2 ** 22 + 12345, token: 'x' }));
  const lock = WriteLock.acquire(dir);
  lock.release();
});

test('concurrency: searches during an add see the old or the new state, never a broken one', async (t) => {
  const dir = tempDir(t);
  const writer = await PlaidStore.create(dir, { dim, centroids: 16 });
  await writer.add(docs(0, 30), part(0, 30));
  const reader = await openFileStore(dir);
  const query = queryFrom(batch, 45, 8, 3);
  const adding = (async () => {
    for (let i = 30; i < 60; i += 5) await writer.add(docs(i, i + 5), part(i, i + 5));
  })();
  const seen = new Set<number>();
  let done = false;
  void adding.finally(() => {
    done = true;
  });
  while (!done) {
    const hits = await reader.search(query, { k: 60, nprobe: 16, ndocs: 100 });
    seen.add(hits.length);
    assert.ok(hits.every((h) => Number(h.id.slice(1)) < 60));
    await new Promise((r) => setImmediate(r));
  }
  await adding;
  const final = await reader.search(query, { k: 60, nprobe: 16, ndocs: 100 });
  assert.equal(final.length, 60, 'the reader picks up the new manifest');
  assert.equal(final[0].id, 'd45');
  await writer.close();
  await reader.close();
});
