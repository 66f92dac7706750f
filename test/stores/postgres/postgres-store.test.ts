import assert from 'node:assert/strict';
import { dropPostgresCollection, openPostgresStoreTyped } from '../../../src/stores/postgres/index.js';
import type { PostgresStore } from '../../../src/stores/postgres/postgres-store.js';
import { ErrorCodes, isTartanError } from '../../../src/core/errors.js';
import { matrixAt, type TokenMatrixBatch } from '../../../src/core/tensors.js';
import type { DocumentInput, MetadataFilter, MetadataValue } from '../../../src/stores/types.js';
import { jsMaxSim, pgTest, randomBatch, randomMatrix, rng, uniqueName } from './pg-test-env.js';

const DIM = 32;
const N = 40;
const LANGS = ['en', 'de', 'fr'];

interface Corpus {
  docs: DocumentInput[];
  vectors: TokenMatrixBatch;
}

function corpus(seed: number): Corpus {
  const next = rng(seed);
  const rows = Array.from({ length: N }, () => 3 + Math.floor(next() * 18));
  const docs = rows.map((_, i): DocumentInput => ({
    id: `doc-${i}`,
    text: `text of document ${i}`,
    metadata: { year: 1990 + i, lang: LANGS[i % 3], code: `c${String(i).padStart(2, '0')}`, ...(i % 5 === 0 ? { flag: true } : {}) },
  }));
  return { docs, vectors: randomBatch(rows, DIM, next) };
}

/** Tolerance of a MaxSim over `rows` query vectors when both sides are rounded to float16. */
const tolerance = (rows: number): number => rows * 2e-3;

async function withStore(layout: 'token' | 'document' | 'plaid', body: (s: PostgresStore, c: Corpus) => Promise<void>, url: string): Promise<void> {
  const name = uniqueName(`st_${layout}`);
  // Small statements so that a few dozen documents already span several INSERTs.
  const store = await openPostgresStoreTyped(url, {
    collection: name,
    dim: DIM,
    layout,
    create: true,
    hnsw: { m: 8, efConstruction: 32 },
    tokensPerStatement: 64,
  });
  try {
    const c = corpus(layout === 'token' ? 11 : layout === 'document' ? 12 : 13);
    await store.add(c.docs, c.vectors);
    await body(store, c);
  } finally {
    await store.close();
    await dropPostgresCollection(url, name);
  }
}

function matches(meta: Record<string, MetadataValue>, filter: MetadataFilter): boolean {
  return Object.entries(filter).every(([k, cond]) => {
    const v = meta[k];
    if (cond === null || typeof cond !== 'object') return v === cond;
    if ('$in' in cond) return v !== undefined && (cond.$in as MetadataValue[]).includes(v);
    const r = cond as Record<string, number | string>;
    if (typeof v !== typeof Object.values(r)[0]) return false;
    const x = v as number | string;
    return (
      (r.$gt === undefined || x > r.$gt) && (r.$gte === undefined || x >= r.$gte) && (r.$lt === undefined || x < r.$lt) && (r.$lte === undefined || x <= r.$lte)
    );
  });
}

for (const layout of ['token', 'document', 'plaid'] as const) {
  pgTest(`${layout} layout: SQL MaxSim equals MaxSim computed in JS (plain and weighted)`, async (_t, url) => {
    await withStore(
      layout,
      async (store, c) => {
        const q = randomMatrix(5, DIM, rng(99));
        const weights = new Float32Array([0.5, 1, 2, 0, 1.5]);
        for (const w of [undefined, weights]) {
          // `candidates` = every id forces exact scoring of all documents in either layout.
          const hits = await store.search(q, { k: N, weights: w, candidates: c.docs.map((d) => d.id) });
          assert.equal(hits.length, N);
          const expected = c.docs.map((d, i) => ({ id: d.id, score: jsMaxSim(q, c.vectors, i, w) }));
          for (const h of hits) {
            const e = expected.find((x) => x.id === h.id);
            assert.ok(e && Math.abs(e.score - h.score) < tolerance(5), `${h.id}: sql ${h.score} js ${e?.score}`);
            // 5 query rows, and the weights also sum to 5.
            assert.ok(Math.abs(h.normalizedScore - h.score / 5) < 1e-6); // float32 division in the plaid kernels
          }
          assert.deepEqual(
            hits.map((h) => h.rank),
            hits.map((_, i) => i + 1),
          );
          for (let i = 1; i < hits.length; i++) assert.ok(hits[i - 1].score >= hits[i].score);
        }
      },
      url,
    );
  });

  pgTest(`${layout} layout: a document's own vectors as the query find it first`, async (_t, url) => {
    await withStore(
      layout,
      async (store, c) => {
        for (const i of [0, 17, 39]) {
          const hits = await store.search(matrixAt(c.vectors, i), { k: 3 });
          assert.equal(hits[0].id, c.docs[i].id);
          assert.equal(hits[0].text, c.docs[i].text);
          assert.deepEqual(hits[0].metadata, c.docs[i].metadata);
          assert.ok(Math.abs(hits[0].score - jsMaxSim(matrixAt(c.vectors, i), c.vectors, i)) < tolerance(matrixAt(c.vectors, i).rows));
        }
      },
      url,
    );
  });

  pgTest(`${layout} layout: metadata filters (equality, $in, numeric and string ranges) select exactly the matching documents`, async (_t, url) => {
    await withStore(
      layout,
      async (store, c) => {
        const q = randomMatrix(4, DIM, rng(5));
        const filters: MetadataFilter[] = [
          { lang: 'de' },
          { flag: true },
          { lang: { $in: ['en', 'fr'] } },
          { year: { $gte: 2000, $lt: 2010 } },
          { code: { $gt: 'c30' } },
          { lang: 'en', year: { $lte: 2005 } },
          { lang: { $in: [] } },
          { year: { $gt: 'a' } },
          { missing: 1 },
        ];
        for (const filter of filters) {
          const hits = await store.search(q, { k: N, filter, nprobe: 200, ndocs: N });
          const want = c.docs
            .filter((d) => matches(d.metadata ?? {}, filter))
            .map((d) => d.id)
            .sort();
          assert.deepEqual(hits.map((h) => h.id).sort(), want, JSON.stringify(filter));
        }
        // A narrow filter still returns its k best when the approximate candidates miss them (exact fallback).
        const narrow = await store.search(q, { k: 2, filter: { year: { $in: [1991, 2020] } }, nprobe: 1, ndocs: 2 });
        assert.deepEqual(narrow.map((h) => h.id).sort(), ['doc-1', 'doc-30']);
      },
      url,
    );
  });

  pgTest(`${layout} layout: delete, get and info`, async (_t, url) => {
    await withStore(
      layout,
      async (store, c) => {
        const tokens = c.vectors.offsets[N];
        const info = await store.info();
        assert.equal(info.kind, 'postgres');
        assert.equal(info.documents, N);
        assert.equal(info.tokens, tokens);
        assert.equal(info.layout, layout);
        assert.ok(info.bytesPerToken > 2 * DIM, `${info.bytesPerToken} bytes/token`);
        assert.equal(await store.delete(['doc-3', 'doc-4', 'no-such-doc']), 2);
        assert.equal(await store.delete(['doc-3']), 0);
        assert.deepEqual(
          (await store.get(['doc-5', 'doc-3', 'doc-2'])).map((d) => d.id),
          ['doc-5', 'doc-2'],
        );
        const hits = await store.search(matrixAt(c.vectors, 3), { k: N, candidates: c.docs.map((d) => d.id) });
        assert.ok(!hits.some((h) => h.id === 'doc-3' || h.id === 'doc-4'));
        assert.equal(hits.length, N - 2);
        const after = await store.info();
        assert.equal(after.tokens, tokens - (c.vectors.offsets[5] - c.vectors.offsets[3]));
      },
      url,
    );
  });

  pgTest(`${layout} layout: a failing batch leaves nothing behind (one transaction); bad arguments are refused`, async (_t, url) => {
    await withStore(
      layout,
      async (store, c) => {
        const next = rng(3);
        // 40 documents x 5 rows = 200 tokens: four INSERT statements of <= 64 tokens; the last hits an existing id.
        const rows = Array.from({ length: 40 }, () => 5);
        const batch = randomBatch(rows, DIM, next);
        const docs = rows.map((_, i) => ({ id: i === 39 ? 'doc-0' : `new-${i}` }));
        await assert.rejects(store.add(docs, batch), (e) => isTartanError(e, ErrorCodes.DUPLICATE_ID));
        assert.deepEqual(await store.get(['new-0', 'new-1']), []);
        const info = await store.info();
        assert.equal(info.documents, N);
        assert.equal(info.tokens, c.vectors.offsets[N]);
        // A bad value in the last document: refused before commit, nothing stored.
        const bad = randomBatch([2, 2], DIM, next);
        bad.data[bad.data.length - 1] = Number.NaN;
        await assert.rejects(store.add([{ id: 'x1' }, { id: 'x2' }], bad), (e) => isTartanError(e, ErrorCodes.NON_FINITE_VALUE));
        assert.deepEqual(await store.get(['x1']), []);
        await assert.rejects(store.add([{ id: 'y' }, { id: 'y' }], randomBatch([1, 1], DIM, next)), (e) => isTartanError(e, ErrorCodes.DUPLICATE_ID));
        await assert.rejects(store.add([{ id: 'z' }], randomBatch([1, 1], DIM, next)), (e) => isTartanError(e, ErrorCodes.INVALID_ARGUMENT));
        for (const bad of [{ k: 0 }, { nprobe: -1 }, { ndocs: 1.5 }]) {
          await assert.rejects(store.search(randomMatrix(1, DIM, next), bad), (e) => isTartanError(e, ErrorCodes.INVALID_ARGUMENT), JSON.stringify(bad));
        }
      },
      url,
    );
  });
}

pgTest('a read URL serves searches while writes go to the primary', async (_t, url) => {
  const name = uniqueName('replica');
  const store = await openPostgresStoreTyped(url, { collection: name, dim: 8, create: true, readUrl: url, poolSize: 2 });
  try {
    const next = rng(21);
    const batch = randomBatch([4, 4], 8, next);
    await store.add([{ id: 'a' }, { id: 'b' }], batch);
    assert.equal((await store.search(matrixAt(batch, 1), { k: 1 }))[0].id, 'b');
  } finally {
    await store.close();
    await dropPostgresCollection(url, name);
  }
});
