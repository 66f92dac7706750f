/**
 * k on PostgreSQL: the token layout's HNSW candidates must not cap the hits
 * below k (the nearest tokens may fall in a few documents), and k follows the
 * one rule of src/core/result-count.ts.
 */
import assert from 'node:assert/strict';
import { dropPostgresCollection, openPostgresStoreTyped } from '../../../src/stores/postgres/index.js';
import { isTartanError } from '../../../src/core/errors.js';
import type { TokenMatrixBatch } from '../../../src/core/tensors.js';
import { jsMaxSim, pgTest, randomMatrix, rng, uniqueName } from './pg-test-env.js';

const DIM = 16;
const DOCS = 150;
const ROWS = 8;

/** Documents whose 8 tokens are near copies of one vector: the nearest 256 tokens of a query row lie in about 32 documents. */
function clumpedBatch(): TokenMatrixBatch {
  const next = rng(7);
  const base = randomMatrix(DOCS, DIM, next);
  const data = new Float32Array(DOCS * ROWS * DIM);
  for (let d = 0; d < DOCS; d++)
    for (let r = 0; r < ROWS; r++) for (let j = 0; j < DIM; j++) data[(d * ROWS + r) * DIM + j] = base.data[d * DIM + j] + 0.001 * (next() - 0.5);
  return { data, offsets: Uint32Array.from({ length: DOCS + 1 }, (_, i) => i * ROWS), dim: DIM };
}

pgTest('token layout: k = 100 returns the exact top 100 even when the nearest tokens lie in fewer documents', async (_t, url) => {
  const name = uniqueName('k_token');
  const store = await openPostgresStoreTyped(url, { collection: name, dim: DIM, layout: 'token', create: true });
  try {
    const vectors = clumpedBatch();
    await store.add(
      Array.from({ length: DOCS }, (_, i) => ({ id: `d${i}` })),
      vectors,
    );
    const q = randomMatrix(1, DIM, rng(3));
    const hits = await store.search(q, { k: 100 });
    assert.equal(hits.length, 100);
    const exact = Array.from({ length: DOCS }, (_, i) => ({ id: `d${i}`, score: jsMaxSim(q, vectors, i) })).sort((a, b) => b.score - a.score);
    // The exact top 100, up to float16 rounding at the cut.
    const floor = exact[99].score - 2e-3;
    for (const h of hits) assert.ok(exact.find((e) => e.id === h.id)!.score >= floor, `${h.id} is not among the best 100`);
    for (const bad of [0, 10_001, 2.5]) {
      await assert.rejects(
        store.search(q, { k: bad }),
        (e: unknown) => isTartanError(e, 'E_INVALID_ARGUMENT') && e.message === `k must be an integer from 1 to 10000, got ${bad}`,
      );
    }
  } finally {
    await store.close();
    await dropPostgresCollection(url, name);
  }
});
