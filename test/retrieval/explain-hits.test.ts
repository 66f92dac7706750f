/**
 * Explanations of hits come from the vectors the store scored, so each one adds
 * up to its hit's score: PLAID (float16 rerank vectors, decompressed codes,
 * projection, chunked documents), flat (float16, int8) and PostgreSQL.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Index, type IndexCreateOptions } from '../../src/retrieval/index-facade.js';
import type { ExplainedHit } from '../../src/retrieval/explain-hits.js';
import { Collection } from '../../src/retrieval/collection.js';
import type { VectorDocumentInput } from '../../src/retrieval/vector-input.js';
import { dropPostgresCollection, openPostgresStore } from '../../src/stores/postgres/index.js';
import { isTartanError, ErrorCodes } from '../../src/core/errors.js';
import type { TokenMatrix } from '../../src/core/tensors.js';
import { clusteredBatch, queryFrom, tempDir } from '../stores/file/helpers.js';
import { pgTest, uniqueName } from '../stores/postgres/pg-test-env.js';

const DOCS = 80;

function fixture(dim: number): { docs: VectorDocumentInput[]; query: TokenMatrix } {
  const batch = clusteredBatch(DOCS, dim, { minRows: 10, maxRows: 40, seed: 11 });
  const docs = Array.from({ length: DOCS }, (_, i) => ({
    id: `d${i}`,
    vectors: { data: batch.data.subarray(batch.offsets[i] * dim, batch.offsets[i + 1] * dim), rows: batch.offsets[i + 1] - batch.offsets[i], dim },
  }));
  return { docs, query: queryFrom(batch, 7, 12, 5) };
}

/**
 * Relative closeness of an explanation's total to the score it explains: 1e-4 is the promise; 2e-6 is
 * what the same vectors give (float32 sums), tight enough that explaining with the original float32
 * vectors instead of the stored float16 ones (about 2e-5 apart here) fails.
 */
function close(a: number, b: number, tolerance = 2e-6): boolean {
  return Math.abs(a - b) <= tolerance * Math.max(Math.abs(a), Math.abs(b), 1e-6);
}

/** Every hit is explained, one match per query row, and the totals are the hit's scores. */
function assertAddsUp(hits: ExplainedHit[], rows: number, what: string): void {
  assert.ok(hits.length > 0, what);
  for (const h of hits) {
    const e = h.explanation;
    assert.ok(e, `${what}: ${h.id} has an explanation`);
    assert.equal(e.matches.length, rows, what);
    assert.ok(close(e.raw, h.score), `${what}: ${h.id} explanation ${e.raw} vs score ${h.score}`);
    assert.ok(close(e.normalized, h.normalizedScore), `${what}: ${h.id} normalised ${e.normalized} vs ${h.normalizedScore}`);
    const sum = e.matches.reduce((s, m) => s + m.contribution, 0);
    assert.ok(Math.abs(sum - e.raw) < 1e-9 * Math.max(1, Math.abs(e.raw)), `${what}: contributions add up to the total`);
    const m = e.matrix!;
    for (const x of e.matches) assert.equal(m.data[x.queryIndex * m.cols + x.docIndex], x.similarity, `${what}: the similarity is the matrix cell`);
  }
}

const FILE_CASES: Array<[string, Partial<IndexCreateOptions>]> = [
  ['plaid, float16 rerank vectors', { mode: 'plaid', rerankVectors: 'f16' }],
  ['plaid, decompressed codes', { mode: 'plaid', rerankVectors: 'none' }],
  ['plaid, projected to 32 dimensions', { mode: 'plaid', pcaDim: 32 }],
  ['plaid, chunked documents', { mode: 'plaid', chunkTokens: 8 }],
  ['flat, float16', { mode: 'flat', flatDtype: 'f16' }],
  ['flat, int8', { mode: 'flat', flatDtype: 'i8' }],
];

test('explanations add up to the hit scores of every file index kind, with and without query weights', async (t) => {
  for (const [what, options] of FILE_CASES) {
    const index = await Index.create(tempDir(t), { model: 'lexical', ...options });
    try {
      const { docs, query } = fixture(index.store.dim);
      await index.addVectors(docs);
      const hits = await index.searchVectors(query, { k: 8, explain: true });
      assert.equal(hits[0].id, 'd7', what);
      assertAddsUp(hits, query.rows, what);
      if (options.chunkTokens)
        assert.ok(
          hits.some((h) => (h.explanation?.passage ?? 0) > 0),
          `${what}: some best passage is not the first`,
        );
      const weights = Float32Array.from({ length: query.rows }, (_, i) => 0.5 + (i % 3));
      const weighted = await index.searchVectors(query, { k: 5, weights, explain: true });
      assertAddsUp(weighted, query.rows, `${what}, weighted`);
      assert.equal(weighted[0].explanation!.variant, 'weighted');
      assert.equal(weighted[0].explanation!.matches[1].weight, weights[1]);
    } finally {
      await index.close();
    }
  }
});

test('Index.search with explain labels rows with the tokens that got vectors; explain n explains the best n', async (t) => {
  const index = await Index.create(tempDir(t), { model: 'lexical' });
  const collection = await Collection.attach(index);
  try {
    await collection.add([
      { id: 'asp', text: 'Aspirin lowers fever and reduces inflammation.' },
      { id: 'ibu', text: 'Ibuprofen reduces fever and pain; like aspirin it is an NSAID.' },
      { id: 'sun', text: 'The weather was sunny and the harvest was good.' },
    ]);
    const hits = await index.search('aspirin fever', { k: 3, explain: true });
    assertAddsUp(hits, 2, 'lexical');
    const top = hits[0].explanation!;
    assert.equal(top.variant, 'weighted', 'the lexical model weights query tokens by IDF');
    assert.deepEqual(top.queryTokens, ['aspirin', 'fever']);
    for (const m of top.matches) assert.equal(m.docToken, m.queryToken);
    const two = await index.search('aspirin fever', { k: 3, explain: 2 });
    assert.deepEqual(
      two.map((h) => h.explanation !== undefined),
      [true, true, false],
    );
    assert.equal(two[1].explanation!.raw, hits[1].explanation!.raw);
    const plain = await index.search('aspirin fever', { k: 3 });
    assert.ok(plain.every((h) => !('explanation' in h)));
    await assert.rejects(index.search('aspirin', { explain: 'yes' as unknown as boolean }), (e) => isTartanError(e, ErrorCodes.INVALID_ARGUMENT));

    const { hits: piped } = await collection.search('aspirin fever', { pipeline: 'bm25>colbert', k: 2, explain: true });
    assert.ok(piped.every((h) => h.stage === 'colbert'));
    piped.forEach((h) => assert.ok(h.explanation && close(h.explanation.raw, h.score), `pipeline hit ${h.id}`));
    const { hits: lexicalOnly } = await collection.search('aspirin fever', { pipeline: 'bm25', k: 2, explain: true });
    assert.ok(
      lexicalOnly.every((h) => h.explanation === undefined),
      'no ColBERT stage scored BM25 hits: nothing to explain',
    );
  } finally {
    await collection.close();
  }
});

pgTest('explanations add up to the hit scores of a PostgreSQL index (token and document layouts)', async (t, url) => {
  for (const layout of ['token', 'document'] as const) {
    const name = uniqueName('explain');
    const u = new URL(url);
    u.searchParams.set('collection', name);
    const lexical = await Index.create(tempDir(t), { model: 'lexical' });
    const dim = lexical.store.dim;
    await lexical.close();
    // The layout is chosen when the collection is created; Index.open reads it back.
    await (await openPostgresStore(u.toString(), { dim, model: 'lexical', layout, create: true })).close();
    const index = await Index.open(u.toString());
    try {
      const { docs, query } = fixture(index.store.dim);
      await index.addVectors(docs);
      const hits = await index.searchVectors(query, { k: 6, explain: true });
      assert.equal(hits[0].id, 'd7', layout);
      assertAddsUp(hits, query.rows, `postgres ${layout}`);
      const weights = Float32Array.from({ length: query.rows }, (_, i) => 1 + (i % 2));
      assertAddsUp(await index.searchVectors(query, { k: 4, weights, explain: true }), query.rows, `postgres ${layout}, weighted`);
    } finally {
      await index.close();
      await dropPostgresCollection(url, name);
    }
  }
});
