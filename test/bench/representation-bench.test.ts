import { test } from 'node:test';
import assert from 'node:assert/strict';
import { packMatrices } from '../../src/core/tensors.js';
import { seededRandom } from '../../src/core/random.js';
import { benchRepresentation } from '../../bench/representation-bench.js';
import { randomQuery as unitMatrix } from '../scoring/random-data.js';

const rand = seededRandom(5);
const DIM = 24;
const docs = Array.from({ length: 50 }, (_, i) => unitMatrix(rand, 3 + (i % 11), DIM));
const queries = Array.from({ length: 6 }, () => unitMatrix(rand, 5, DIM));
const collection = {
  model: 'synthetic',
  dim: DIM,
  docIds: docs.map((_, i) => `d${i}`),
  docs: packMatrices(docs, DIM),
  queryIds: queries.map((_, i) => `q${i}`),
  queries: packMatrices(queries, DIM),
};

test('bench search --representation muvera: headline is the reranked variant; a rerank of every document has recall 1', () => {
  const r = benchRepresentation(collection, 'muvera:k_sim=2,dim_proj=8,r_reps=3', { rerank: docs.length });
  assert.equal(r.recall_at_10, 1);
  assert.equal(r.variants.length, 2);
  assert.equal(r.variants[0].variant, r.variant);
  assert.equal(r.bytes_per_document, 3 * 4 * 8 * 4);
  assert.ok(r.rerank_bytes_per_document > 0 && r.variants[1].rerank_bytes_per_document === 0);
  assert.ok(r.variants[1].recall_at_10 >= 0 && r.variants[1].recall_at_10 <= 1);
  assert.equal(r.documents, 50);
  assert.equal(r.queries, 6);
  for (const v of r.variants) assert.ok(v.score_correlation > 0 && v.score_correlation <= 1, `${v.variant}: r ${v.score_correlation}`);
});

test('bench search --representation poly:M reports M codes per document and both scorings', () => {
  const r = benchRepresentation(collection, 'poly:8');
  assert.deepEqual(
    r.variants.map((v) => v.variant),
    ['poly:8 (maxsim)', 'poly:8 (attention)'],
  );
  assert.equal(r.bytes_per_document, 8 * DIM * 4);
  for (const v of r.variants) assert.ok(v.recall_at_10 > 0 && v.recall_at_10 <= 1, `${v.variant} ${v.recall_at_10}`);
});

test('pearson: 1 for a linear relation, -1 reversed, 0 against a constant', async () => {
  const { pearson } = await import('../../bench/representation-bench.js');
  assert.ok(Math.abs(pearson([1, 2, 3, 4], [3, 5, 7, 9]) - 1) < 1e-12);
  assert.ok(Math.abs(pearson([1, 2, 3], [3, 2, 1]) + 1) < 1e-12);
  assert.equal(pearson([1, 2, 3], [5, 5, 5]), 0);
});
