/**
 * One key convention: every --json output of the CLI (not the benchmarks, whose snake_case
 * figures docs/benchmarks.md names) uses camelCase keys, like the API's objects.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { tartanSync } from './run-cli.js';
import { snakeKeys } from './snake-keys.js';

test('snakeKeys finds an underscore key at any depth and nothing in camelCase', () => {
  assert.deepEqual(snakeKeys({ a: [{ b: { latency_ms: 1 } }], index_ms: 2, ok: 'x_y' }), ['$.a[0].b.latency_ms', '$.index_ms']);
  assert.deepEqual(snakeKeys({ latencyMs: { 'colbert-rerank': 1 }, hits: [{ normalizedScore: 1 }] }), []);
});

test('no key of any CLI --json output contains an underscore', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tartan-json-keys-'));
  try {
    const ix = join(dir, 'ix');
    const docs = join(dir, 'docs.jsonl');
    writeFileSync(
      docs,
      [
        { id: 'a', title: 'Fever', text: 'Aspirin reduces fever and relieves mild pain.', metadata: { year: 2001 } },
        { id: 'b', title: 'Pressure', text: 'Salt raises blood pressure in adults.', metadata: { year: 2015 } },
        { id: 'c', title: 'Sleep', text: 'Sleep loss impairs memory.', metadata: { year: 2019 } },
      ]
        .map((d) => JSON.stringify(d))
        .join('\n') + '\n',
    );
    const beir = join(dir, 'beir');
    mkdirSync(join(beir, 'qrels'), { recursive: true });
    writeFileSync(join(beir, 'corpus.jsonl'), '{"_id": "a", "text": "aspirin fever"}\n{"_id": "b", "text": "salt blood pressure"}\n');
    writeFileSync(join(beir, 'queries.jsonl'), '{"_id": "q1", "text": "blood pressure"}\n');
    writeFileSync(join(beir, 'qrels', 'test.tsv'), 'query-id\tcorpus-id\tscore\nq1\tb\t1\n');
    const report = join(dir, 'report.json');

    const commands: string[][] = [
      ['index', ix, docs, '--model', 'lexical', '--json'],
      ['info', ix, '--json'],
      ['check', ix, '--json'],
      ['search', ix, 'blood pressure', '--json', '--explain'],
      ['search', ix, 'blood pressure', '--json', '--explain', '--pipeline', 'bm25>colbert'],
      ['explain', 'blood pressure', 'salt raises blood pressure', '--model', 'lexical', '--json'],
      ['embed', '--model', 'lexical', '--json', 'blood pressure'],
      ['tokenize', '--model', 'lexical', '--json', 'blood pressure'],
      ['rerank', '--model', 'lexical', '--json', 'blood', 'salt and blood', 'sleep'],
      ['models', 'list', '--json'],
      ['doctor', '--json'],
      ['delete', ix, 'a', '--json'],
      ['compact', ix, '--json'],
      ['search', join(dir, 'missing'), 'x', '--json'], // an error, as JSON
      ['drop', ix, '--yes', '--json'],
    ];
    for (const args of commands) {
      const r = tartanSync(args);
      const value: unknown = JSON.parse(r.stdout);
      assert.deepEqual(snakeKeys(value), [], `tartan ${args.join(' ')}`);
    }
    const search = JSON.parse(tartanSync(['search', ix, 'x', '--json']).stdout) as { error?: { code: string } };
    assert.equal(search.error?.code, 'E_INDEX_NOT_FOUND'); // the dropped index: the error path was walked too

    const r = tartanSync(['eval', '--dataset', beir, '--pipeline', 'bm25,colbert,bm25>colbert', '--model', 'lexical', '--json', report, '--no-progress']);
    assert.equal(r.status, 0, r.stderr);
    const evaluation = JSON.parse(readFileSync(report, 'utf8')) as { pipelines: Array<{ latencyMs: unknown }> };
    assert.ok(evaluation.pipelines.every((p) => p.latencyMs !== undefined));
    assert.deepEqual(snakeKeys(evaluation), []);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
