import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { tartanSync } from '../cli/run-cli.js';
import { loadBeir, type BeirDataset } from '../../src/eval/beir.js';
import { evaluateRetrievers, type Retriever } from '../../src/eval/evaluate.js';
import { getPipeline, listPipelines, loadPipelineModules, registerPipeline } from '../../src/eval/pipeline-registry.js';
import { silentProgress } from '../../src/eval/progress.js';
import { formatReport } from '../../src/eval/report.js';
import { ErrorCodes, isTartanError } from '../../src/core/errors.js';

function writeDataset(): string {
  const dir = mkdtempSync(join(tmpdir(), 'tartan-evalds-'));
  mkdirSync(join(dir, 'qrels'));
  const docs = [
    ['d1', 'Heart disease', 'Cardiac arrest and heart failure in adults.'],
    ['d2', 'Gene editing', 'CRISPR edits genes in human cells.'],
    ['d3', 'Malaria', 'Mosquitoes transmit malaria parasites.'],
    ['d4', 'Vaccines', 'Vaccination prevents measles outbreaks in children.'],
  ];
  writeFileSync(join(dir, 'corpus.jsonl'), docs.map(([id, title, text]) => JSON.stringify({ _id: id, title, text })).join('\n') + '\n');
  writeFileSync(
    join(dir, 'queries.jsonl'),
    [
      { _id: 'q1', text: 'heart failure' },
      { _id: 'q2', text: 'mosquito malaria' },
      { _id: 'q3', text: 'genes edited by CRISPR' },
    ]
      .map((q) => JSON.stringify(q))
      .join('\n') + '\n',
  );
  writeFileSync(join(dir, 'qrels', 'test.tsv'), 'query-id\tcorpus-id\tscore\nq1\td1\t1\nq2\td3\t1\nq3\td2\t2\n');
  return dir;
}

function fixed(name: string, answers: Record<string, string[]>, dataset: BeirDataset): Retriever {
  const byText = new Map([...dataset.queries].map(([qid, text]) => [text, qid]));
  let last = 0;
  return {
    name,
    search: async (text, k) => {
      last = text.length;
      return (answers[byText.get(text)!] ?? []).slice(0, k).map((id, i) => ({ id, score: 10 - i }));
    },
    stageLatencies: () => ({ first: last }),
  };
}

test('evaluateRetrievers reports metrics per pipeline and latency per stage', async () => {
  const dir = writeDataset();
  try {
    const ds = await loadBeir(dir);
    const perfect = fixed('perfect', { q1: ['d1'], q2: ['d3'], q3: ['d2'] }, ds);
    // q1 relevant at rank 2, q2 not found, q3 at rank 1
    const partial = fixed('partial', { q1: ['d4', 'd1'], q2: ['d1'], q3: ['d2', 'd1'] }, ds);
    const report = await evaluateRetrievers(ds, [perfect, partial]);
    assert.equal(report.queries, 3);
    assert.deepEqual(
      report.pipelines.map((p) => p.name),
      ['perfect', 'partial'],
    );
    assert.deepEqual(Object.keys(report.pipelines[0]).slice(0, 6), ['name', 'ndcg@10', 'recall@100', 'mrr@10', 'map@100', 'latencyMs']);
    assert.equal(report.pipelines[0]['ndcg@10'], 1);
    assert.equal(report.pipelines[1]['mrr@10'], Math.round(((1 / 2 + 0 + 1) / 3) * 1e4) / 1e4);
    assert.equal(report.pipelines[1]['recall@100'], Math.round((2 / 3) * 1e4) / 1e4);
    // the stage reports the query text length; p50 of 13, 16, 22 chars is 16
    assert.equal(report.pipelines[0].latencyMs.first.p50, 16);
    assert.ok(report.pipelines[0].latencyMs.total.mean >= 0);
    assert.match(formatReport(report), /perfect\s+1\.0000/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('built-in bm25 and lexical pipelines load from the registry and find the right documents', async () => {
  await loadPipelineModules();
  assert.ok(listPipelines().some((p) => p.name === 'bm25'));
  assert.throws(
    () => getPipeline('no-such'),
    (e) => isTartanError(e, ErrorCodes.UNKNOWN_PIPELINE) && e.message.includes('bm25'),
  );
  const dir = writeDataset();
  const work = mkdtempSync(join(tmpdir(), 'tartan-evalwork-'));
  try {
    const dataset = await loadBeir(dir);
    const context = { dataset, progress: silentProgress, settings: {}, workDir: work };
    const bm25 = await getPipeline('bm25').create(context);
    assert.ok(existsSync(join(work, `${dataset.name}-bm25`, 'bm25.bin')));
    const reloaded = await getPipeline('bm25').create(context);
    const lexical = await getPipeline('lexical').create(context);
    const report = await evaluateRetrievers(dataset, [bm25, reloaded, lexical]);
    for (const row of report.pipelines) assert.equal(row['mrr@10'], 1, row.name);
    assert.deepEqual(Object.keys(report.pipelines[2].latencyMs).sort(), ['encode', 'maxsim', 'topk', 'total']);
    registerPipeline({ name: 'custom', description: 'test preset', create: async () => bm25 });
    assert.equal(getPipeline('custom').description, 'test preset');
  } finally {
    rmSync(dir, { recursive: true, force: true });
    rmSync(work, { recursive: true, force: true });
  }
});

test('tartan eval prints one row per pipeline and writes JSON', () => {
  const dir = writeDataset();
  const json = join(dir, 'report.json');
  try {
    const args = ['eval', '--dataset', dir, '--pipeline', 'bm25,lexical', '--json', json];
    const r = tartanSync(args);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /^bm25\s+1\.0000/m);
    assert.match(r.stdout, /^lexical\s+/m);
    const report = JSON.parse(readFileSync(json, 'utf8')) as { queries: number; pipelines: Array<{ name: string }> };
    assert.equal(report.queries, 3);
    assert.deepEqual(
      report.pipelines.map((p) => p.name),
      ['bm25', 'lexical'],
    );
    const bad = tartanSync([...args.slice(0, -4), '--pipeline', 'nope']);
    assert.notEqual(bad.status, 0);
    assert.match(bad.stderr, /E_UNKNOWN_PIPELINE/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
