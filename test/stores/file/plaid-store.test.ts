import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { PlaidStore } from '../../../src/stores/file/plaid-store.js';
import { FlatStore } from '../../../src/stores/file/flat-store.js';
import { openFileStore } from '../../../src/stores/open.js';
import { setReadCacheBudget } from '../../../src/stores/file/read-positioned.js';
import { isTartanError } from '../../../src/core/errors.js';
import { matrixAt, packMatrices } from '../../../src/core/tensors.js';
import type { TokenMatrixBatch } from '../../../src/core/tensors.js';
import { clusteredBatch, exactScores, queryFrom, tempDir, topIds } from './helpers.js';

const dim = 64;
const docs = (n: number, offset = 0, meta?: (i: number) => Record<string, string | number>) =>
  Array.from({ length: n }, (_, i) => ({ id: `d${i + offset}`, text: `text of ${i + offset}`, ...(meta ? { metadata: meta(i + offset) } : {}) }));
const slice = (b: TokenMatrixBatch, from: number, to: number) =>
  packMatrices(
    Array.from({ length: to - from }, (_, i) => matrixAt(b, from + i)),
    b.dim,
  );

test('plaid store: recall@10 against exact MaxSim on clustered data', async (t) => {
  const dir = tempDir(t);
  const batch = clusteredBatch(300, dim, { seed: 11, topics: 48 });
  const store = await PlaidStore.create(dir, { dim, nbits: 4, centroids: 64 });
  await store.add(docs(300), batch);
  let hit = 0,
    total = 0;
  for (let q = 0; q < 12; q++) {
    const query = queryFrom(batch, (q * 29) % 300, 16, 100 + q);
    const expected = topIds(exactScores(query, batch), 10);
    const got = (await store.search(query, { k: 10, nprobe: 8, ndocs: 128 })).map((h) => h.id);
    hit += got.filter((id) => expected.includes(id)).length;
    total += 10;
  }
  const recall = hit / total;
  assert.ok(recall >= 0.9, `recall@10 ${recall}`);
  const info = await store.info();
  assert.equal(info.documents, 300);
  assert.equal(info.tokens, batch.offsets[300]);
  assert.equal(info.centroids, 64);
  await store.close();
});

test('plaid store: hits carry id, rank, raw and normalised score, text and metadata; scores match exact on the returned docs', async (t) => {
  const dir = tempDir(t);
  const batch = clusteredBatch(80, dim, { seed: 2 });
  const store = await PlaidStore.create(dir, { dim, nbits: 8, centroids: 32 });
  await store.add(
    docs(80, 0, (i) => ({ year: 2000 + i })),
    batch,
  );
  const query = queryFrom(batch, 5, 8, 9);
  const hits = await store.search(query, { k: 5, nprobe: 32, ndocs: 80 });
  assert.equal(hits.length, 5);
  const exact = exactScores(query, batch);
  hits.forEach((h, i) => {
    assert.equal(h.rank, i + 1);
    const n = Number(h.id.slice(1));
    assert.equal(h.text, `text of ${n}`);
    assert.deepEqual(h.metadata, { year: 2000 + n });
    assert.ok(Math.abs(h.score - exact[n]) < 0.05 * query.rows, `8-bit score ${h.score} vs exact ${exact[n]}`);
    assert.ok(Math.abs(h.normalizedScore - h.score / query.rows) < 1e-5);
  });
  await store.close();
});

test('plaid store: filters apply before scoring (equality, $in, range)', async (t) => {
  const dir = tempDir(t);
  const batch = clusteredBatch(120, dim, { seed: 4 });
  const store = await PlaidStore.create(dir, { dim, centroids: 64 });
  await store.add(
    docs(120, 0, (i) => ({ lang: i % 3 === 0 ? 'en' : 'de', year: 1990 + (i % 30) })),
    batch,
  );
  const query = queryFrom(batch, 3, 8, 1);
  const en = await store.search(query, { k: 50, filter: { lang: 'en' }, nprobe: 64, ndocs: 200 });
  assert.equal(en.length, 40);
  assert.ok(en.every((h) => h.metadata?.lang === 'en'));
  const range = await store.search(query, { k: 200, filter: { year: { $gte: 2000, $lt: 2005 } }, nprobe: 64, ndocs: 200 });
  assert.equal(range.length, 20);
  assert.ok(range.every((h) => (h.metadata!.year as number) >= 2000 && (h.metadata!.year as number) < 2005));
  const inSet = await store.search(query, { k: 10, filter: { year: { $in: [1990, 1991] } }, nprobe: 64, ndocs: 200 });
  assert.deepEqual(new Set(inSet.map((h) => h.metadata!.year)), new Set([1990, 1991]));
  await assert.rejects(store.search(query, { filter: { year: { $near: 3 } } as never }), (e) => isTartanError(e, 'E_INVALID_FILTER'));
  await store.close();
});

test('plaid store: add to existing centroids, delete (tombstones), compact, reopen', async (t) => {
  const dir = tempDir(t);
  const batch = clusteredBatch(200, dim, { seed: 6 });
  const store = await PlaidStore.create(dir, { dim, nbits: 2, centroids: 64 });
  await store.add(docs(100), slice(batch, 0, 100));
  await store.add(docs(100, 100), slice(batch, 100, 200));
  assert.equal((await store.info()).segments, 2);
  await assert.rejects(store.add(docs(1, 5), slice(batch, 5, 6)), (e) => isTartanError(e, 'E_DUPLICATE_ID'));
  const target = 150;
  const query = queryFrom(batch, target, 16, 3);
  const before = await store.search(query, { k: 3, nprobe: 16, ndocs: 200 });
  assert.equal(before[0].id, `d${target}`, 'a document added after training is found');
  assert.equal(await store.delete([`d${target}`, 'nope']), 1);
  const after = await store.search(query, { k: 3, nprobe: 16, ndocs: 200 });
  assert.ok(!after.some((h) => h.id === `d${target}`), 'deleted document is gone');
  assert.equal((await store.info()).documents, 199);
  await store.compact();
  const info = await store.info();
  assert.equal(info.segments, 1);
  assert.equal(info.deleted, 0);
  assert.equal(info.documents, 199);
  const compacted = await store.search(query, { k: 3, nprobe: 16, ndocs: 200 });
  assert.deepEqual(
    compacted.map((h) => [h.id, h.score]),
    after.map((h) => [h.id, h.score]),
    'compaction keeps scores byte-exact',
  );
  await store.close();
  const names = readdirSync(dir);
  assert.ok(!names.some((n) => n.startsWith('seg-000001') || n.startsWith('tombstones')), `old generation files removed: ${names.join(',')}`);
  const reopened = await openFileStore(dir);
  assert.deepEqual(
    (await reopened.search(query, { k: 3, nprobe: 16, ndocs: 200 })).map((h) => h.id),
    after.map((h) => h.id),
  );
  assert.deepEqual(
    (await reopened.get(['d1', `d${target}`])).map((d) => d.id),
    ['d1'],
  );
  await reopened.close();
  // The same answers when nothing is cached in the heap (positioned reads only, as for large indexes).
  setReadCacheBudget(0);
  try {
    const uncached = await openFileStore(dir);
    assert.deepEqual(
      (await uncached.search(query, { k: 3, nprobe: 16, ndocs: 200 })).map((h) => [h.id, h.score]),
      after.map((h) => [h.id, h.score]),
    );
    assert.equal((await uncached.get(['d1']))[0].text, 'text of 1');
    await uncached.close();
  } finally {
    setReadCacheBudget(256 * 2 ** 20);
  }
});

test('plaid store: chunked long documents score as their best chunk; pooling shrinks tokens', async (t) => {
  const batch = clusteredBatch(40, dim, { seed: 8, minRows: 60, maxRows: 90 });
  const chunkedDir = tempDir(t);
  const chunked = await PlaidStore.create(chunkedDir, { dim, nbits: 8, centroids: 32, chunkTokens: 32, chunkOverlap: 8 });
  await chunked.add(docs(40), batch);
  const info = await chunked.info();
  assert.ok(info.tokens > batch.offsets[40], 'overlapping chunks store more tokens');
  const query = queryFrom(batch, 7, 4, 5);
  const hits = await chunked.search(query, { k: 40, nprobe: 32, ndocs: 1000 });
  assert.equal(new Set(hits.map((h) => h.id)).size, hits.length, 'one hit per document');
  await chunked.close();
  const pooledDir = tempDir(t);
  const pooled = await PlaidStore.create(pooledDir, { dim, centroids: 32, poolFactor: 2 });
  await pooled.add(docs(40), batch);
  const pinfo = await pooled.info();
  assert.ok(pinfo.tokens <= Math.ceil(batch.offsets[40] / 2) + 40, `pooled tokens ${pinfo.tokens}`);
  await pooled.close();
});

test('flat store: exact search in f16 and i8 matches the float32 ranking', async (t) => {
  const batch = clusteredBatch(150, dim, { seed: 12 });
  const query = queryFrom(batch, 42, 16, 7);
  const exact = exactScores(query, batch);
  const expected = topIds(exact, 10);
  for (const flatDtype of ['f16', 'i8'] as const) {
    const dir = tempDir(t);
    const store = await FlatStore.create(dir, { dim, flatDtype });
    await store.add(docs(150), batch);
    const hits = await store.search(query, { k: 10 });
    const overlap = hits.filter((h) => expected.includes(h.id)).length;
    assert.ok(overlap >= (flatDtype === 'f16' ? 10 : 9), `${flatDtype} overlap ${overlap}`);
    assert.ok(Math.abs(hits[0].score - exact[Number(hits[0].id.slice(1))]) < (flatDtype === 'f16' ? 0.01 : 0.1));
    const info = await store.info();
    assert.equal(info.kind, 'flat');
    assert.ok(info.bytesPerToken >= (flatDtype === 'f16' ? 2 * dim : dim));
    await store.close();
  }
});

test('stores: bad input is refused with coded errors', async (t) => {
  const dir = tempDir(t);
  await assert.rejects(PlaidStore.create(dir, { dim, nbits: 3 }), (e) => isTartanError(e, 'E_INVALID_ARGUMENT'));
  const store = await PlaidStore.create(dir, { dim });
  await assert.rejects(PlaidStore.create(dir, { dim }), (e) => isTartanError(e, 'E_INDEX_EXISTS'));
  const wrong = clusteredBatch(2, 32);
  await assert.rejects(store.add(docs(2), wrong), (e) => isTartanError(e, 'E_DIMENSION_MISMATCH'));
  const bad = clusteredBatch(2, dim);
  bad.data[3] = Number.NaN;
  await assert.rejects(store.add(docs(2), bad), (e) => isTartanError(e, 'E_NON_FINITE_VALUE'));
  assert.deepEqual(await store.search({ data: new Float32Array(dim), rows: 1, dim }), [], 'an empty index answers nothing');
  await store.close();
  await assert.rejects(openFileStore(tempDir(t)), (e) => isTartanError(e, 'E_INDEX_NOT_FOUND'));
});

test('plaid store: k larger than ndocs is honoured (the final stage keeps at least k passages)', async (t) => {
  const batch = clusteredBatch(200, dim, { seed: 4 });
  const store = await PlaidStore.create(tempDir(t), { dim, nbits: 2, centroids: 32, ndocs: 16 });
  await store.add(docs(200), batch);
  const query = queryFrom(batch, 3, 8, 1);
  const hits = await store.search(query, { k: 150 });
  assert.equal(hits.length, 150);
  assert.deepEqual(
    hits.map((h) => h.rank),
    Array.from({ length: 150 }, (_, i) => i + 1),
  );
  for (let i = 1; i < hits.length; i++) assert.ok(hits[i - 1].score >= hits[i].score);
  await store.close();
});
