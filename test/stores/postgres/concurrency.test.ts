import assert from 'node:assert/strict';
import { dropPostgresCollection, openPostgresStoreTyped, listPostgresCollections } from '../../../src/stores/postgres/index.js';
import { matrixAt } from '../../../src/core/tensors.js';
import { adminQuery, pgTest, randomBatch, randomMatrix, rng, uniqueName } from './pg-test-env.js';

const DIM = 16;

for (const layout of ['token', 'document'] as const) {
  pgTest(`${layout} layout: concurrent writers and readers on two pools see only whole batches`, async (_t, url) => {
    const name = uniqueName(`conc_${layout}`);
    // Two stores = two pools, as two processes would have.
    const [a, b] = await Promise.all([0, 1].map(() => openPostgresStoreTyped(url, { collection: name, dim: DIM, layout, create: true, poolSize: 4 })));
    try {
      const collections = await listPostgresCollections(url);
      assert.equal(collections.filter((c) => c.name === name).length, 1, 'created once despite two concurrent creators');
      const WRITERS = 4,
        BATCHES = 5,
        PER_BATCH = 4;
      let writing = true;
      const writers = Array.from({ length: WRITERS }, async (_, w) => {
        const store = w % 2 === 0 ? a : b;
        const next = rng(100 + w);
        for (let i = 0; i < BATCHES; i++) {
          const docs = Array.from({ length: PER_BATCH }, (_, j) => ({ id: `w${w}-b${i}-d${j}`, metadata: { writer: w, batch: i } }));
          await store.add(
            docs,
            randomBatch(
              docs.map(() => 3),
              DIM,
              next,
            ),
          );
        }
      });
      const readerErrors: unknown[] = [];
      let reads = 0;
      const readers = Array.from({ length: 2 }, async (_, r) => {
        const store = r === 0 ? a : b;
        const next = rng(200 + r);
        while (writing) {
          try {
            const hits = await store.search(randomMatrix(2, DIM, next), { k: 50 });
            // Batch atomicity: for any (writer, batch) seen, all of that batch's documents must be visible too.
            const seen = new Set(hits.map((h) => `${h.metadata?.writer}-${h.metadata?.batch}`));
            for (const key of seen) {
              const [w, i] = key.split('-');
              const got = await store.get(Array.from({ length: PER_BATCH }, (_, j) => `w${w}-b${i}-d${j}`));
              assert.equal(got.length, PER_BATCH, `batch ${key} partly visible`);
            }
            reads++;
          } catch (e) {
            readerErrors.push(e);
            break;
          }
        }
      });
      await Promise.all(writers);
      writing = false;
      await Promise.all(readers);
      assert.deepEqual(readerErrors, []);
      assert.ok(reads > 0, 'readers ran while writers wrote');
      const info = await a.info();
      assert.equal(info.documents, WRITERS * BATCHES * PER_BATCH);
      assert.equal(info.tokens, WRITERS * BATCHES * PER_BATCH * 3);
      // Concurrent deletes of overlapping sets: each document is counted by exactly one of them.
      const ids = Array.from({ length: PER_BATCH }, (_, j) => `w0-b0-d${j}`);
      const [da, db] = await Promise.all([a.delete(ids), b.delete(ids)]);
      assert.equal(da + db, PER_BATCH);
    } finally {
      await Promise.all([a.close(), b.close()]);
      await dropPostgresCollection(url, name);
    }
  });
}

pgTest('token layout: bulk load without the HNSW index, then build it; searches are right either way', async (_t, url) => {
  const name = uniqueName('bulk');
  const store = await openPostgresStoreTyped(url, { collection: name, dim: DIM, create: true });
  try {
    const indexExists = async (): Promise<boolean> =>
      (await adminQuery(url, 'SELECT to_regclass($1) IS NOT NULL AS ok', [`"tartan_${name}_tokens_hnsw"`])).rows[0].ok;
    assert.equal(await indexExists(), true);
    await store.dropVectorIndex();
    assert.equal(await indexExists(), false);
    const batch = randomBatch(
      Array.from({ length: 30 }, () => 6),
      DIM,
      rng(8),
    );
    await store.add(
      Array.from({ length: 30 }, (_, i) => ({ id: `d${i}` })),
      batch,
    );
    assert.equal((await store.search(matrixAt(batch, 12), { k: 1 }))[0].id, 'd12');
    await store.buildVectorIndex({ maintenanceWorkMem: '64MB' });
    assert.equal(await indexExists(), true);
    assert.equal((await store.search(matrixAt(batch, 21), { k: 1 }))[0].id, 'd21');
  } finally {
    await store.close();
    await dropPostgresCollection(url, name);
  }
});

pgTest('token layout: a batch at least as big as the collection rebuilds the HNSW index in its transaction; a small one does not', async (_t, url) => {
  const name = uniqueName('autobulk');
  const store = await openPostgresStoreTyped(url, { collection: name, dim: DIM, create: true, bulkLoadMinTokens: 100 });
  const indexOid = async (): Promise<number> =>
    Number((await adminQuery(url, 'SELECT to_regclass($1)::oid AS oid', [`"tartan_${name}_tokens_hnsw"`])).rows[0].oid);
  try {
    const next = rng(9);
    const before = await indexOid();
    const big = randomBatch(
      Array.from({ length: 30 }, () => 6),
      DIM,
      next,
    ); // 180 tokens >= 100 and >= 0 stored
    await store.add(
      Array.from({ length: 30 }, (_, i) => ({ id: `d${i}` })),
      big,
    );
    const afterBulk = await indexOid();
    assert.ok(afterBulk > 0 && afterBulk !== before, 'index rebuilt');
    const small = randomBatch([6, 6], DIM, next); // 12 tokens: row-by-row into the existing index
    await store.add([{ id: 's0' }, { id: 's1' }], small);
    assert.equal(await indexOid(), afterBulk);
    // A failing bulk batch rolls back the index drop as well.
    const failing = randomBatch(
      Array.from({ length: 40 }, () => 6),
      DIM,
      next,
    );
    await assert.rejects(
      store.add(
        Array.from({ length: 40 }, (_, i) => ({ id: i === 39 ? 'd0' : `f${i}` })),
        failing,
      ),
    );
    assert.equal(await indexOid(), afterBulk);
    assert.equal((await store.search(matrixAt(big, 7), { k: 1 }))[0].id, 'd7');
    assert.equal((await store.search(matrixAt(small, 1), { k: 1 }))[0].id, 's1');
  } finally {
    await store.close();
    await dropPostgresCollection(url, name);
  }
});
