import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { EvaluationReport } from '../../src/eval/evaluate.js';
import { evaluationNotes, formatReport, reportJson } from '../../src/eval/report.js';

const row = (name: string, indexMs: number, index?: EvaluationReport['pipelines'][number]['index']) => ({
  name,
  'ndcg@10': 0.65,
  latencyMs: { total: { p50: 1, mean: 2 } },
  indexMs,
  ...(index ? { index } : {}),
});

test("the main job's notes say what each row is, that lexical is not semantic, and which index time is no build time", () => {
  const notes = evaluationNotes(
    [
      { row: 'bm25', pipeline: 'bm25' },
      { row: 'colbert (lexical)', pipeline: 'colbert', index: { dir: '/tmp/x/scifact-lexical-default', kind: 'flat', origin: 'built' } },
      { row: 'bm25>colbert (lexical)', pipeline: 'bm25>colbert', index: { dir: '/tmp/x/scifact-lexical-default', kind: 'flat', origin: 'shared' } },
    ],
    'lexical',
  );
  assert.match(notes[0], /^bm25: BM25 scored as Anserini does/);
  assert.match(notes[1], /^colbert \(lexical\): the index's late-interaction model, exact MaxSim against every document \(flat index\)$/);
  assert.match(notes[2], /^bm25>colbert \(lexical\): top 100 of BM25 \(Anserini-exact scoring\), reranked by exact MaxSim/);
  assert.match(notes[3], /lexical, not semantic/);
  assert.equal(notes[4], 'bm25>colbert (lexical): searches the same index as colbert (lexical), whose index time covers it');
  assert.equal(notes.length, 5);
});

test('a PLAID index, a real model and an index reopened from --work-dir', () => {
  const notes = evaluationNotes(
    [{ row: 'colbert (m)', pipeline: 'colbert', index: { dir: 'work/scifact-m-default', kind: 'plaid', origin: 'reopened' } }],
    'answerdotai/answerai-colbert-small-v1',
  );
  assert.deepEqual(notes, [
    "colbert (m): the index's late-interaction model, PLAID: centroid candidates, then exact MaxSim",
    'colbert (m): index reused from work/scifact-m-default: build time not measured; delete that folder (or pass another --work-dir) to rebuild',
  ]);
  assert.deepEqual(evaluationNotes([{ row: 'custom', pipeline: 'my-own' }], 'lexical'), []);
});

test('the table prints the notes under it and says reused or shared instead of an index time; JSON carries them as an array', () => {
  const report: EvaluationReport = {
    dataset: 'toy',
    split: 'test',
    queries: 3,
    pipelines: [
      row('colbert (lexical)', 1, { dir: 'w/a', origin: 'reopened' }),
      row('bm25>colbert (lexical)', 0, { dir: 'w/a', origin: 'shared' }),
      row('bm25', 1700),
    ],
    notes: ['bm25: one', 'two'],
  };
  const text = formatReport(report);
  assert.match(text, /^colbert \(lexical\)\s+0\.6500\s+1\.00\s+2\.00\s+reused\s+-$/m);
  assert.match(text, /^bm25>colbert \(lexical\)\s+0\.6500\s+1\.00\s+2\.00\s+shared\s+-$/m);
  assert.match(text, /^bm25\s+0\.6500\s+1\.00\s+2\.00\s+1\.7\s+-$/m);
  assert.match(text, /\n\n- bm25: one\n- two$/);
  assert.deepEqual(JSON.parse(reportJson(report)).notes, ['bm25: one', 'two']);
  assert.doesNotMatch(formatReport({ ...report, notes: undefined }), /\n- /);
});
