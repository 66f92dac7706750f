/**
 * Long commands report progress on a stderr that is not a terminal (a CI log, a pipe): plain
 * lines, no redrawn bar; stdout keeps only the result (valid JSON with --json).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { tartanSync } from './run-cli.js';

const DOCS = [
  ['d1', 'Heart disease', 'Cardiac arrest and heart failure in adults.'],
  ['d2', 'Gene editing', 'CRISPR edits genes in human cells.'],
  ['d3', 'Malaria', 'Mosquitoes transmit malaria parasites.'],
  ['d4', 'Vaccines', 'Vaccination prevents measles outbreaks in children.'],
];

test('tartan index with stderr piped prints progress lines there and valid JSON on stdout', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tartan-progress-'));
  try {
    const input = join(dir, 'docs.jsonl');
    writeFileSync(input, DOCS.map(([id, title, text]) => JSON.stringify({ id, title, text })).join('\n') + '\n');
    const r = tartanSync(['index', join(dir, 'ix'), input, '--model', 'lexical', '--json']);
    assert.equal(r.status, 0, r.stderr);
    assert.equal((JSON.parse(r.stdout) as { added: number }).added, 4);
    assert.match(r.stderr, /^indexing: 4\/4 documents \(100%\), \d+\.\d s, [\d.]+ docs\/s$/m);
    assert.ok(!/[\r\u2588]/.test(r.stderr) && !r.stderr.includes('\u001b'), r.stderr); // no bar drawing in a log

    const quiet = tartanSync(['index', join(dir, 'ix2'), input, '--model', 'lexical', '--json', '--no-progress']);
    assert.equal(quiet.status, 0, quiet.stderr);
    assert.doesNotMatch(quiet.stderr, /indexing/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("tartan eval with stderr piped prints each step's progress, and notes under its table (not in stdout JSON)", () => {
  const dir = mkdtempSync(join(tmpdir(), 'tartan-progress-eval-'));
  try {
    mkdirSync(join(dir, 'qrels'));
    writeFileSync(join(dir, 'corpus.jsonl'), DOCS.map(([_id, title, text]) => JSON.stringify({ _id, title, text })).join('\n') + '\n');
    writeFileSync(join(dir, 'queries.jsonl'), '{"_id": "q1", "text": "heart failure"}\n{"_id": "q2", "text": "mosquito malaria"}\n');
    writeFileSync(join(dir, 'qrels', 'test.tsv'), 'query-id\tcorpus-id\tscore\nq1\td1\t1\nq2\td3\t1\n');
    const json = join(dir, 'report.json');
    const r = tartanSync(['eval', '--dataset', dir, '--pipeline', 'bm25,colbert,bm25>colbert', '--model', 'lexical', '--json', json]);
    assert.equal(r.status, 0, r.stderr);
    for (const step of [
      'indexing bm25: 4/4',
      'indexing lexical: 4/4',
      'querying bm25: 2/2',
      'querying colbert (lexical): 2/2',
      'querying bm25>colbert (lexical): 2/2',
    ])
      assert.ok(r.stderr.includes(`${step} (100%), `), `"${step}" in:\n${r.stderr}`);

    assert.match(r.stdout, /^bm25>colbert \(lexical\)\s.*\sshared\s/m);
    assert.match(r.stdout, /^- bm25: BM25 scored as Anserini does/m);
    assert.match(r.stdout, /^- colbert \(lexical\): the index's late-interaction model, exact MaxSim against every document \(flat index\)$/m);
    assert.match(r.stdout, /^- bm25>colbert \(lexical\): top 100 of BM25/m);
    assert.match(r.stdout, /^- lexical: the built-in model is lexical, not semantic/m);
    assert.match(r.stdout, /^- bm25>colbert \(lexical\): searches the same index as colbert \(lexical\)/m);
    const report = JSON.parse(readFileSync(json, 'utf8')) as { notes: string[]; pipelines: Array<{ index?: { origin: string } }> };
    assert.equal(report.notes.length, 5);
    assert.deepEqual(
      report.pipelines.map((p) => p.index?.origin),
      [undefined, 'built', 'shared'],
    );

    // reopened from --work-dir on the second run
    const work = join(dir, 'work');
    tartanSync(['eval', '--dataset', dir, '--pipeline', 'colbert', '--work-dir', work, '--no-progress']);
    const again = tartanSync(['eval', '--dataset', dir, '--pipeline', 'colbert', '--work-dir', work, '--no-progress']);
    assert.equal(again.status, 0, again.stderr);
    assert.match(again.stdout, /^colbert \(lexical\)\s.*\sreused\s/m);
    assert.match(again.stdout, /: index reused from .*work.*: build time not measured; delete that folder \(or pass another --work-dir\) to rebuild$/m);
    assert.equal(again.stderr, '');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
