import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { loadBeir } from '../../src/eval/beir.js';
import { evaluateRetrievers } from '../../src/eval/evaluate.js';
import { bm25Retriever, buildBm25 } from '../../src/eval/pipelines/bm25.js';
import { silentProgress } from '../../src/eval/progress.js';
import { sharedDir } from '../../src/core/paths.js';
import { SHARED, needsShared } from '../shared-fixtures.js';

const scifact = join(sharedDir(), 'datasets', 'scifact');

// Anserini's BEIR regression (flat index, BM25 k1=0.9 b=0.4, default English analyser)
// reports nDCG@10 = 0.679 and R@100 = 0.925 on SciFact test.
test('BM25 on SciFact matches Anserini (nDCG@10 within 1 point of 67.9)', { ...needsShared(SHARED.scifact), timeout: 120_000 }, async () => {
  const dataset = await loadBeir(scifact);
  assert.equal(dataset.corpus.length, 5183);
  assert.equal(dataset.queries.size, 300);
  const index = buildBm25({ dataset, progress: silentProgress, settings: {} });
  const report = await evaluateRetrievers(dataset, [bm25Retriever(index)]);
  const row = report.pipelines[0];
  const ndcg = row['ndcg@10'] as number;
  assert.ok(Math.abs(ndcg - 0.679) <= 0.01, `nDCG@10 ${ndcg}`);
  assert.ok(Math.abs((row['recall@100'] as number) - 0.925) <= 0.02, `R@100 ${row['recall@100']}`);
});
