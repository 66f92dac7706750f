import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mapAt, mrrAt, ndcgAt, recallAt, trecOrder, type ScoredDocument } from '../../src/eval/metrics.js';
import { evaluateRun, parseMetric } from '../../src/eval/run.js';

const close = (a: number, b: number) => assert.ok(Math.abs(a - b) < 1e-6, `${a} != ${b}`);
const judged = (o: Record<string, number>) => new Map(Object.entries(o));
const run = (o: Record<string, number>): ScoredDocument[] => Object.entries(o).map(([id, score]) => ({ id, score }));

// qrels a:2 b:1 c:0 d:1; run x, a, b, c (scores descending)
const qrels1 = judged({ a: 2, b: 1, c: 0, d: 1 });
const run1 = trecOrder(run({ x: 0.9, a: 0.8, b: 0.7, c: 0.6 }));

test('graded nDCG@3 uses linear gain, log2(rank + 1) and an ideal from all judged relevant docs', () => {
  // DCG = 0/1 + 2/log2(3) + 1/log2(4) = 1.2618595 + 0.5; IDCG = 2/1 + 1/log2(3) + 1/log2(4) = 3.1309298
  close(ndcgAt(run1, qrels1, 3), (2 / Math.log2(3) + 0.5) / (2 + 1 / Math.log2(3) + 0.5));
  close(ndcgAt(run1, qrels1, 3), 0.5627273);
});

test('Recall@k, MRR@k and MAP@k on the same run', () => {
  close(recallAt(run1, qrels1, 3), 2 / 3);
  close(recallAt(run1, qrels1, 1), 0);
  close(mrrAt(run1, qrels1, 3), 0.5);
  close(mrrAt(run1, qrels1, 1), 0);
  // precision 1/2 at rank 2 and 2/3 at rank 3, over 3 relevant documents
  close(mapAt(run1, qrels1, 3), (1 / 2 + 2 / 3) / 3);
  close(mapAt(run1, qrels1, 2), 1 / 2 / 3);
});

test('ties are broken like trec_eval: score descending, then document id descending', () => {
  const ordered = trecOrder(run({ a: 1, z: 1, b: 1, top: 2 }));
  assert.deepEqual(
    ordered.map((d) => d.id),
    ['top', 'z', 'b', 'a'],
  );
  close(mrrAt(trecOrder(run({ a: 1, b: 1, z: 1 })), judged({ a: 1 }), 10), 1 / 3);
  // scores equal in float32 tie as well (trec_eval stores float)
  assert.deepEqual(
    trecOrder(run({ a: 0.1, b: 0.1 + 1e-12 })).map((d) => d.id),
    ['b', 'a'],
  );
  assert.deepEqual(
    trecOrder(run({ a: 0.2, b: 0.1 })).map((d) => d.id),
    ['a', 'b'],
  );
});

test('k larger than the run', () => {
  const ordered = trecOrder(run({ a: 1 }));
  const q = judged({ a: 1, b: 1 });
  close(ndcgAt(ordered, q, 10), 1 / (1 + 1 / Math.log2(3)));
  close(recallAt(ordered, q, 100), 0.5);
  close(mapAt(ordered, q, 100), 0.5);
  close(mrrAt(ordered, q, 10), 1);
});

test('grades <= 0 are non-relevant; a query with no relevant documents scores 0', () => {
  const ordered = trecOrder(run({ a: 1, b: 0.5 }));
  const none = judged({ a: 0, b: -1 });
  for (const f of [ndcgAt, recallAt, mrrAt, mapAt]) assert.equal(f(ordered, none, 10), 0);
});

test('an empty run scores 0; a document listed twice counts once', () => {
  for (const f of [ndcgAt, recallAt, mrrAt, mapAt]) assert.equal(f([], judged({ a: 1 }), 10), 0);
  const twice = [
    { id: 'a', score: 2 },
    { id: 'a', score: 1 },
    { id: 'b', score: 0.5 },
  ];
  close(recallAt(trecOrder(twice), judged({ a: 1, b: 1 }), 2), 1);
});

test('evaluateRun: every qrels query counts (missing from the run = 0), run-only queries are ignored', () => {
  const qrels = new Map([
    ['q1', judged({ a: 1 })],
    ['q2', judged({ b: 1 })],
    ['q3', judged({ c: 0 })],
  ]);
  const r = new Map([
    ['q1', run({ a: 1, x: 0.5 })],
    ['q3', run({ c: 1 })],
    ['q9', run({ a: 1 })],
  ]);
  const ev = evaluateRun(r, qrels, [parseMetric('ndcg@10'), parseMetric('mrr@10')]);
  assert.equal(ev.queries, 3);
  assert.deepEqual([...ev.perQuery.keys()], ['q1', 'q2', 'q3']);
  close(ev.mean['ndcg@10'], 1 / 3);
  close(ev.mean['mrr@10'], 1 / 3);
  assert.equal(ev.perQuery.get('q2')?.['ndcg@10'], 0);
});

test('parseMetric accepts ndcg@K, recall@K, mrr@K, map@K only', () => {
  assert.deepEqual(parseMetric('NDCG@10'), { name: 'ndcg', k: 10 });
  assert.throws(() => parseMetric('p@10'));
  assert.throws(() => parseMetric('ndcg@0'));
});
