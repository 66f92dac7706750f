/**
 * `bench search --index postgres://...`: the embedded index and both PostgreSQL
 * layouts on one tiny synthetic collection against the real server (skipped
 * with the reason when TARTAN_PG_URL is unset; see test/stores/postgres/pg-test-env.ts).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { compareBackends, formatComparison, runPrefix } from '../../bench/backend-comparison.js';
import { clusteredColbertVectors } from '../../bench/postgres-bench.js';
import { listPostgresCollections } from '../../src/stores/postgres/index.js';
import { packMatrices } from '../../src/core/tensors.js';
import type { EncodedCollection } from '../../src/core/vectors-file.js';
import { pgTest, uniqueName } from '../stores/postgres/pg-test-env.js';

function tinyCollection(): EncodedCollection {
  const { docs, queries } = clusteredColbertVectors({ docs: 60, meanTokens: 24, dim: 32, queries: 8, queryRows: 8, clusters: 64, seed: 3 });
  return {
    model: 'synthetic-test',
    dim: 32,
    docIds: Array.from({ length: 60 }, (_, i) => `d${i}`),
    docs,
    queryIds: queries.map((_, i) => `q${i}`),
    queries: packMatrices(queries, 32),
  };
}

test('runPrefix is a valid, short collection name', () => {
  const p = runPrefix();
  assert.match(p, /^[a-z][a-z0-9_]*$/);
  assert.ok(`${p}_document`.length <= 40);
});

pgTest('compareBackends: embedded, postgres-token, postgres-document and postgres-plaid rows on the same vectors', async (_t, url) => {
  const c = tinyCollection();
  const prefix = uniqueName('cmp');
  const r = await compareBackends(url, c, {
    maxQueries: 8,
    documentLayoutQueries: 4,
    collectionPrefix: prefix,
    settings: { nbits: 4, centroids: 32 },
    nprobe: 8,
    ndocs: 60,
  });
  assert.deepEqual(
    r.rows.map((x) => x.backend),
    ['embedded', 'postgres-token', 'postgres-document', 'postgres-plaid', 'postgres-plaid-uncached'],
  );
  assert.equal(r.documents, 60);
  assert.equal(r.tokens, c.docs.offsets[60]);
  assert.equal(r.exact.queries, 8);
  for (const row of r.rows) {
    assert.ok(row.recall_at_10 >= 0 && row.recall_at_10 <= 1, `${row.backend} recall ${row.recall_at_10}`);
    assert.ok(row.bytes_per_token > 0, `${row.backend} bytes/token ${row.bytes_per_token}`);
    assert.ok(row.p50_ms > 0 && row.p95_ms >= row.p50_ms, `${row.backend} latency ${row.p50_ms}/${row.p95_ms}`);
    assert.ok(row.qps > 0);
    assert.ok(row.ingest_docs_per_s !== null && row.ingest_docs_per_s > 0);
    assert.ok(row.build_seconds !== null && row.build_seconds > 0);
    assert.equal(row.documents, 60, `${row.backend} documents`);
    assert.equal(row.tokens, r.tokens, `${row.backend} tokens`);
  }
  const [embedded, token, document, plaid, uncached] = r.rows;
  // Every passage scored exactly on its own (4-bit) vectors: the index finds the exact top 10.
  assert.ok(embedded.recall_at_10 >= 0.8, `embedded recall ${embedded.recall_at_10}`);
  assert.equal(embedded.queries, 8);
  // One row per token, one row per document.
  assert.equal(token.vector_rows, r.tokens);
  assert.equal(document.vector_rows, 60);
  assert.equal(token.queries, 8);
  assert.equal(document.queries, 4);
  // The document layout is exact MaxSim over halfvec copies: the same top 10 but for rounding ties.
  assert.ok(document.recall_at_10 >= 0.9, `document-layout recall ${document.recall_at_10}`);
  assert.match(r.notes.join('\n'), /postgres-document: 4 of the 8 queries/);
  // The plaid layout: one segment row per add, the embedded index's recall, the float16 rerank rows counted apart.
  assert.equal(plaid.vector_rows, 1);
  assert.ok(plaid.recall_at_10 >= 0.8, `plaid recall ${plaid.recall_at_10}`);
  assert.ok(plaid.rerank_bytes_per_token !== null && plaid.rerank_bytes_per_token !== undefined && plaid.rerank_bytes_per_token >= 2 * c.dim);
  assert.equal(uncached.recall_at_10, plaid.recall_at_10);
  assert.match(uncached.search, /0 cached/);
  const table = formatComparison(r);
  for (const name of ['embedded', 'postgres-token', 'postgres-document', 'recall@10', 'bytes/token']) assert.ok(table.includes(name), name);
  // Collections are dropped after the run (no --keep).
  const left = (await listPostgresCollections(url)).map((x) => x.name).filter((n) => n.startsWith(prefix));
  assert.deepEqual(left, []);
});
