import assert from 'node:assert/strict';
import { dropPostgresCollection, openPostgresStoreTyped, PostgresPlaidStore } from '../../../src/stores/postgres/index.js';
import { matrixAt, type TokenMatrixBatch } from '../../../src/core/tensors.js';
import { jsMaxSim, pgTest, randomBatch, rng, uniqueName } from './pg-test-env.js';

const DIM = 32;

/** Documents made of noisy copies of a few shared topic vectors, so neighbours share tokens (as real ones do). */
function topicBatch(docs: number, seed: number): TokenMatrixBatch {
  const next = rng(seed);
  const topics = randomBatch([64], DIM, next);
  const rows = Array.from({ length: docs }, () => 4 + Math.floor(next() * 12));
  const noise = randomBatch(rows, DIM, next);
  const data = noise.data;
  for (let r = 0; r < data.length / DIM; r++) {
    const t = Math.floor(next() * 64);
    let norm = 0;
    for (let j = 0; j < DIM; j++) {
      data[r * DIM + j] = topics.data[t * DIM + j] + 0.4 * data[r * DIM + j];
      norm += data[r * DIM + j] ** 2;
    }
    for (let j = 0; j < DIM; j++) data[r * DIM + j] /= Math.sqrt(norm);
  }
  return noise;
}

function slice(b: TokenMatrixBatch, start: number, end: number): TokenMatrixBatch {
  const offsets = new Uint32Array(end - start + 1);
  for (let i = start; i <= end; i++) offsets[i - start] = b.offsets[i] - b.offsets[start];
  return { data: b.data.subarray(b.offsets[start] * DIM, b.offsets[end] * DIM), offsets, dim: DIM };
}

/** Adds documents a..b of `all` as d<a>..d<b-1>, in one add. */
function addRange(store: PostgresPlaidStore, all: TokenMatrixBatch, a: number, b: number): Promise<void> {
  return store.add(
    Array.from({ length: b - a }, (_, i) => ({ id: `d${a + i}` })),
    slice(all, a, b),
  );
}

async function openPlaid(url: string, name: string): Promise<PostgresPlaidStore> {
  const store = await openPostgresStoreTyped(url, { collection: name, dim: DIM, layout: 'plaid', create: true, poolSize: 3 });
  assert.ok(store instanceof PostgresPlaidStore);
  return store;
}

pgTest('plaid layout: top 10 agrees with exact MaxSim computed in JS, over several adds', async (_t, url) => {
  const name = uniqueName('pl_recall');
  const store = await openPlaid(url, name);
  try {
    const all = topicBatch(300, 5);
    for (const [a, b] of [
      [0, 200],
      [200, 260],
      [260, 300],
    ]) {
      await addRange(store, all, a, b);
    }
    const info = await store.info();
    assert.equal(info.documents, 300);
    assert.equal(info.segments, 3);
    assert.ok(Number(info.centroids) > 0);
    let recall = 0;
    for (let q = 0; q < 10; q++) {
      const query = matrixAt(all, q * 29);
      const exact = Array.from({ length: 300 }, (_, i) => ({ id: `d${i}`, s: jsMaxSim(query, all, i) }))
        .sort((x, y) => y.s - x.s)
        .slice(0, 10)
        .map((x) => x.id);
      const hits = await store.search(query, { k: 10 });
      assert.equal(hits[0].id, `d${q * 29}`);
      recall += hits.filter((h) => exact.includes(h.id)).length / 10;
    }
    assert.ok(recall / 10 >= 0.95, `recall@10 ${recall / 10}`);
  } finally {
    await store.close();
    await dropPostgresCollection(url, name);
  }
});

pgTest('plaid layout: adds and deletes are visible to another process at commit, not before', async (_t, url) => {
  const name = uniqueName('pl_vis');
  const writer = await openPlaid(url, name);
  const reader = await openPlaid(url, name);
  try {
    const all = topicBatch(60, 8);
    await addRange(writer, all, 0, 40);
    const probe = matrixAt(all, 45);
    assert.notEqual((await reader.search(probe, { k: 1 }))[0].id, 'd45');
    // A batch that fails (a duplicate id) leaves nothing, and the reader's copy stays valid.
    await assert.rejects(writer.add([{ id: 'd45' }, { id: 'd0' }], slice(all, 45, 47)), /E_DUPLICATE_ID|already exists/);
    assert.notEqual((await reader.search(probe, { k: 1 }))[0].id, 'd45');
    await addRange(writer, all, 40, 60);
    assert.equal((await reader.search(probe, { k: 1 }))[0].id, 'd45');
    assert.equal(await writer.delete(['d45', 'nope']), 1);
    const after = await reader.search(probe, { k: 60 });
    assert.ok(!after.some((h) => h.id === 'd45'));
    assert.equal(after.length, 59);
    // A filter on candidate ids scores exactly those.
    const some = await reader.search(probe, { k: 5, candidates: ['d1', 'd2', 'd45'] });
    assert.deepEqual(some.map((h) => h.id).sort(), ['d1', 'd2']);
  } finally {
    await writer.close();
    await reader.close();
    await dropPostgresCollection(url, name);
  }
});

pgTest('plaid layout: concurrent searches in one process while another writes all see committed states', async (_t, url) => {
  const name = uniqueName('pl_conc');
  const writer = await openPlaid(url, name);
  const reader = await openPlaid(url, name);
  try {
    const all = topicBatch(120, 9);
    await addRange(writer, all, 0, 40);
    const writes = (async () => {
      for (let b = 40; b < 120; b += 20) {
        await addRange(writer, all, b, b + 20);
      }
    })();
    const searches = Array.from({ length: 24 }, (_, i) => reader.search(matrixAt(all, i * 5), { k: 200 }));
    const [, ...results] = await Promise.all([writes, ...searches]);
    for (const hits of results) {
      // Committed states hold 40, 60, 80, 100 or 120 documents, whole batches only.
      assert.ok([40, 60, 80, 100, 120].includes(hits.length), `${hits.length} hits`);
      assert.equal(new Set(hits.map((h) => h.id)).size, hits.length);
    }
    assert.equal((await reader.search(matrixAt(all, 119), { k: 1 }))[0].id, 'd119');
  } finally {
    await writer.close();
    await reader.close();
    await dropPostgresCollection(url, name);
  }
});

pgTest(
  'plaid layout: ?layout=plaid in the URL creates one (as `tartan index postgres://...?layout=plaid` does); unknown layouts are refused',
  async (_t, url) => {
    const name = uniqueName('pl_url');
    const u = new URL(url);
    u.searchParams.set('collection', name);
    u.searchParams.set('layout', 'plaid');
    const store = await openPostgresStoreTyped(u.toString(), { dim: DIM, create: true });
    try {
      assert.ok(store instanceof PostgresPlaidStore);
      assert.equal((await store.info()).layout, 'plaid');
    } finally {
      await store.close();
      await dropPostgresCollection(url, name);
    }
    u.searchParams.set('layout', 'hnsw');
    await assert.rejects(openPostgresStoreTyped(u.toString(), { dim: DIM, create: true }), /E_INVALID_ARGUMENT|not a layout/);
    await assert.rejects(
      openPostgresStoreTyped(url, { collection: uniqueName('pl_nb'), dim: DIM, layout: 'plaid', plaid: { nbits: 3 }, create: true }),
      /nbits/,
    );
  },
);
