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
  assert.equal(r.variants.length, 3);
  assert.match(r.variants[2].variant, /\(HNSW\) > exact MaxSim of 50$/);
  assert.equal(r.variants[2].recall_at_10, 1, 'HNSW candidates of every document, reranked exactly');
  assert.equal(r.variants[0].variant, r.variant);
  assert.equal(r.bytes_per_document, 3 * 4 * 8 * 4);
  assert.ok(r.rerank_bytes_per_document > 0 && r.variants[1].rerank_bytes_per_document === 0);
  assert.ok(r.variants[2].build_seconds >= r.variants[0].build_seconds, 'the graph adds to the encoding time');
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

test('tartan bench search --synthetic-tokens with two representations: one report each, against one ground truth', async () => {
  const { tartanSync } = await import('../cli/run-cli.js');
  const args = ['bench', 'search', '--synthetic-tokens', '4000', '--dim', '32', '--max-queries', '4', '--representation', 'poly:2'];
  const r = tartanSync([...args, '--representation', 'muvera:k_sim=2,dim_proj=4,r_reps=2', '--rerank-candidates', '16', '--json']);
  assert.equal(r.status, 0, r.stderr);
  const reports = JSON.parse(r.stdout) as Array<{ representation: string; source: string; queries: number; dim: number; variants: unknown[] }>;
  assert.deepEqual(
    reports.map((x) => [x.representation, x.source, x.queries, x.dim, x.variants.length]),
    [
      ['poly:2', 'synthetic clustered tokens', 4, 32, 2],
      ['muvera:k_sim=2,dim_proj=4,r_reps=2', 'synthetic clustered tokens', 4, 32, 3],
    ],
  );
  assert.equal((r.stderr.match(/exact MaxSim ground truth/g) ?? []).length, 1);
  const mixed = tartanSync([...args, '--representation', 'colbert']);
  assert.notEqual(mixed.status, 0);
  assert.match(mixed.stderr, /measured on its own/);
});
