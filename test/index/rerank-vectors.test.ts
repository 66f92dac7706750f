/** The plaid index's final rerank over the original vectors kept as float16 (rerankVectors 'f16', the default). */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PlaidStore } from '../../src/index/plaid-store.js';
import { readManifest } from '../../src/index/manifest.js';
import { isTartanError } from '../../src/errors.js';
import { clusteredBatch, exactScores, queryFrom, tempDir, topIds } from './helpers.js';

const dim = 48;
const docs = (n: number) => Array.from({ length: n }, (_, i) => ({ id: `d${i}`, text: `doc ${i}` }));
// Coarse codes (1 bit, few centroids) and noisy clusters: decompressed vectors reorder near ties.
const batch = clusteredBatch(120, dim, { seed: 5, topics: 12, noise: 0.8 });
const settings = { dim, nbits: 1, centroids: 16 } as const;

/** Largest |index score - exact float32 score| over the hits, and whether the top 10 equals the exact top 10. */
async function fidelity(store: PlaidStore): Promise<{ maxError: number; sameTop: number }> {
  let maxError = 0, sameTop = 0;
  for (let q = 0; q < 6; q++) {
    const query = queryFrom(batch, q * 17, 12, 50 + q);
    const exact = exactScores(query, batch);
    const hits = await store.search(query, { k: 10, nprobe: 16, ndocs: 120 });
    for (const h of hits) maxError = Math.max(maxError, Math.abs(h.score - exact[Number(h.id.slice(1))]));
    if (JSON.stringify(hits.map((h) => h.id)) === JSON.stringify(topIds(exact, 10))) sameTop++;
  }
  return { maxError, sameTop };
}

test('rerank vectors: scores are exact MaxSim over the originals (float16), unlike the decompressed 1-bit codes', async (t) => {
  const full = await PlaidStore.create(tempDir(t), settings);
  await full.add(docs(120), batch);
  const lossy = await PlaidStore.create(tempDir(t), { ...settings, rerankVectors: 'none' });
  await lossy.add(docs(120), batch);
  const f = await fidelity(full), l = await fidelity(lossy);
  assert.ok(f.maxError < 0.01, `f16 rerank error ${f.maxError}`);
  assert.equal(f.sameTop, 6, 'every top 10 equals the exact top 10');
  assert.ok(l.maxError > 0.05, `the decompressed rerank differs (${l.maxError}), so the check above can fail`);
  assert.equal((await full.info()).rerankVectors, 'f16');
  await full.close(); await lossy.close();
});

test('rerank vectors: candidates (a first stage reranked) are scored from the originals', async (t) => {
  const store = await PlaidStore.create(tempDir(t), settings);
  await store.add(docs(120), batch);
  const query = queryFrom(batch, 33, 10, 4);
  const exact = exactScores(query, batch);
  const hits = await store.search(query, { k: 5, candidates: ['d1', 'd33', 'd70', 'd99'] });
  assert.deepEqual(hits.map((h) => h.id).sort(), ['d1', 'd33', 'd70', 'd99'].slice(0, 4).sort());
  for (const h of hits) assert.ok(Math.abs(h.score - exact[Number(h.id.slice(1))]) < 0.01, `${h.id}: ${h.score} vs ${exact[Number(h.id.slice(1))]}`);
  await store.close();
});

test('rerank vectors: kept by every segment and by compaction; scores unchanged after delete + compact', async (t) => {
  const dir = tempDir(t);
  const store = await PlaidStore.create(dir, settings);
  const first = { data: batch.data.subarray(0, batch.offsets[60] * dim), offsets: batch.offsets.slice(0, 61), dim };
  const rest = { data: batch.data.subarray(batch.offsets[60] * dim), offsets: batch.offsets.slice(60).map((o) => o - batch.offsets[60]), dim };
  await store.add(docs(60), first);
  await store.add(docs(120).slice(60), rest);
  assert.ok(readManifest(dir).segments.every((s) => s.files.vectors?.bytes === s.tokens * dim * 2));
  const query = queryFrom(batch, 90, 10, 8);
  const before = await store.search(query, { k: 5, nprobe: 16, ndocs: 120 });
  const victim = before[4].id;
  await store.delete([victim]);
  await store.compact();
  const m = readManifest(dir);
  assert.equal(m.segments.length, 1);
  assert.equal(m.segments[0].files.vectors?.bytes, m.segments[0].tokens * dim * 2);
  const after = await store.search(query, { k: 4, nprobe: 16, ndocs: 120 });
  assert.deepEqual(after.map((h) => [h.id, h.score]), before.slice(0, 4).map((h) => [h.id, h.score]));
  assert.ok((await store.check()).ok);
  await store.close();
});

test('rerank vectors: a bad setting is refused before anything is written', async (t) => {
  await assert.rejects(PlaidStore.create(tempDir(t), { dim, rerankVectors: 'f32' as 'f16' }), (e) => isTartanError(e, 'E_INVALID_ARGUMENT') && /rerankVectors/.test((e as Error).message));
});
