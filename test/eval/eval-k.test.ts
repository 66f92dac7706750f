/**
 * `tartan eval` searches each pipeline to the largest metric cutoff: with
 * Recall@100 and MAP@100 the ColBERT run holds 100 documents per query (a run
 * capped at 64 gives recall 0.4 where 100 give 0.625 when all 160 are relevant).
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { tartanSync } from '../cli/run-cli.js';
import { loadBeir } from '../../src/eval/beir.js';
import { evaluateRetrievers } from '../../src/eval/evaluate.js';
import { collectionPipeline } from '../../src/eval/pipelines/presets.js';
import { silentProgress } from '../../src/eval/progress.js';
import { parseMetric, type Run } from '../../src/eval/run.js';
import { isTartanError } from '../../src/core/errors.js';

const DOCS = 160;
const WORDS = ['heart', 'gene', 'malaria', 'vaccine', 'fever', 'sleep', 'salt', 'tea', 'bone', 'virus', 'cell', 'blood'];
let dir: string;

before(() => {
  dir = mkdtempSync(join(tmpdir(), 'tartan-eval-k-'));
  const ds = join(dir, 'ds');
  mkdirSync(join(ds, 'qrels'), { recursive: true });
  const corpus = Array.from({ length: DOCS }, (_, i) => {
    const words = Array.from({ length: 10 }, (_, j) => WORDS[(i * 7 + j * 5 + ((i * j) % 5)) % WORDS.length]);
    return JSON.stringify({ _id: `d${i}`, title: `study ${i}`, text: `a study of ${words.join(' ')}` });
  });
  writeFileSync(join(ds, 'corpus.jsonl'), corpus.join('\n') + '\n');
  writeFileSync(
    join(ds, 'queries.jsonl'),
    ['{"_id":"q1","text":"a study of heart and blood"}', '{"_id":"q2","text":"a study of malaria virus"}'].join('\n') + '\n',
  );
  const judged = ['q1', 'q2'].flatMap((q) => Array.from({ length: DOCS }, (_, i) => `${q}\td${i}\t1`));
  writeFileSync(join(ds, 'qrels', 'test.tsv'), ['query-id\tcorpus-id\tscore', ...judged].join('\n') + '\n');
});
after(() => rmSync(dir, { recursive: true, force: true }));

test('the colbert pipeline (plaid) returns 100 documents per query for Recall@100 and MAP@100', async () => {
  const dataset = await loadBeir(join(dir, 'ds'));
  const runs = new Map<string, Run>();
  const retrievers = await Promise.all(
    ['colbert', 'bm25:5+colbert:100>colbert'].map((p) =>
      collectionPipeline(p).create({ dataset, workDir: join(dir, 'work'), progress: silentProgress, settings: { model: 'lexical', mode: 'plaid' } }),
    ),
  );
  try {
    const report = await evaluateRetrievers(dataset, retrievers, { onRun: (name, run) => runs.set(name, run) });
    for (const row of report.pipelines) {
      for (const [qid, hits] of runs.get(row.name)!) assert.equal(hits.length, 100, `${row.name} ${qid}`);
      assert.equal(row['recall@100'], 0.625, row.name);
      assert.equal(row['map@100'], 0.625, row.name);
    }
  } finally {
    for (const r of retrievers) await r.dispose?.();
  }
});

test('tartan eval --pipeline colbert --set mode=plaid reports Recall@100 over 100 results', () => {
  const out = join(dir, 'report.json');
  const r = tartanSync(['eval', '--dataset', join(dir, 'ds'), '--pipeline', 'colbert', '--set', 'mode=plaid', '--json', out, '--no-progress'], {
    env: { TARTAN_HOME: join(dir, 'home') },
  });
  assert.equal(r.status, 0, r.stderr);
  const report = JSON.parse(readFileSync(out, 'utf8')) as { pipelines: Array<Record<string, unknown>> };
  assert.equal(report.pipelines[0]['recall@100'], 0.625);
  assert.equal(report.pipelines[0]['map@100'], 0.625);
});

test('a metric cutoff follows the rule of k', () => {
  assert.deepEqual(parseMetric('recall@10000'), { name: 'recall', k: 10_000 });
  for (const [text, got] of [
    ['recall@0', '0'],
    ['map@10001', '10001'],
  ]) {
    assert.throws(
      () => parseMetric(text),
      (e: unknown) => isTartanError(e, 'E_INVALID_ARGUMENT') && e.message === `the cutoff of metric "${text}" must be an integer from 1 to 10000, got ${got}`,
    );
  }
});
