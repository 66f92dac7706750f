import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadBeir, streamCorpus } from '../../src/eval/beir.js';
import { ErrorCodes, isTartanError, type TartanError } from '../../src/core/errors.js';

interface Files {
  corpus?: string;
  queries?: string;
  qrels?: string;
}

function dataset(files: Files): string {
  const dir = mkdtempSync(join(tmpdir(), 'tartan-beir-'));
  mkdirSync(join(dir, 'qrels'));
  writeFileSync(join(dir, 'corpus.jsonl'), files.corpus ?? '{"_id": "d1", "title": "T1", "text": "one"}\n{"_id": "d2", "text": "two"}\n');
  writeFileSync(
    join(dir, 'queries.jsonl'),
    files.queries ?? '{"_id": "q1", "text": "first"}\n{"_id": "q2", "text": "second"}\n{"_id": "q3", "text": "unjudged"}\n',
  );
  writeFileSync(join(dir, 'qrels', 'test.tsv'), files.qrels ?? 'query-id\tcorpus-id\tscore\nq1\td1\t1\nq2\td2\t2\nq2\td1\t0\n');
  return dir;
}

async function rejectsWith(p: Promise<unknown>, code: string, ...fragments: string[]): Promise<void> {
  await assert.rejects(p, (e: unknown) => {
    assert.ok(isTartanError(e), String(e));
    assert.equal((e as TartanError).code, code);
    for (const f of fragments) assert.ok((e as TartanError).message.includes(f), `${(e as TartanError).message} lacks ${f}`);
    return true;
  });
}

test('loads corpus, judged queries and graded qrels', async () => {
  const dir = dataset({});
  try {
    const ds = await loadBeir(dir);
    assert.equal(ds.split, 'test');
    assert.deepEqual(ds.corpus, [
      { id: 'd1', title: 'T1', text: 'one' },
      { id: 'd2', title: '', text: 'two' },
    ]);
    assert.deepEqual(
      [...ds.queries],
      [
        ['q1', 'first'],
        ['q2', 'second'],
      ],
    );
    assert.deepEqual(
      [...ds.qrels.get('q2')!],
      [
        ['d2', 2],
        ['d1', 0],
      ],
    );
    const limited = await loadBeir(dir, { limitQueries: 1 });
    assert.deepEqual([...limited.queries.keys()], ['q1']);
    assert.deepEqual([...limited.qrels.keys()], ['q1']);
    const streamed: string[] = [];
    for await (const d of streamCorpus(dir)) streamed.push(d.id);
    assert.deepEqual(streamed, ['d1', 'd2']);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('bad JSON names the file and the line', async () => {
  const dir = dataset({ corpus: '{"_id": "d1", "text": "ok"}\n\n{"_id": "d2", "text": \n' });
  try {
    await rejectsWith(loadBeir(dir), ErrorCodes.DATASET_FORMAT, 'corpus.jsonl', 'line 3');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a missing field, a non-object line and duplicate ids are DATASET_FORMAT errors', async () => {
  const cases: Array<[Files, string[]]> = [
    [{ corpus: '{"title": "no id", "text": "x"}\n' }, ['corpus.jsonl', 'line 1', '_id']],
    [{ queries: '{"_id": "q1"}\n' }, ['queries.jsonl', 'line 1', 'text']],
    [{ corpus: '[1, 2]\n' }, ['corpus.jsonl', 'line 1', 'not a JSON object']],
    [{ corpus: '{"_id": "d1", "text": "a"}\n{"_id": "d1", "text": "b"}\n' }, ['d1', 'twice']],
  ];
  for (const [files, fragments] of cases) {
    const dir = dataset(files);
    try {
      await rejectsWith(loadBeir(dir), ErrorCodes.DATASET_FORMAT, ...fragments);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
});

test('qrels problems: no header, bad row, unknown split, query without text', async () => {
  const cases: Array<[Files, string[], string?]> = [
    [{ qrels: 'q1\td1\t1\n' }, ['test.tsv', 'line 1', 'header']],
    [{ qrels: 'query-id\tcorpus-id\tscore\nq1\td1\n' }, ['test.tsv', 'line 2']],
    [{ qrels: 'query-id\tcorpus-id\tscore\nq1\td1\thigh\n' }, ['test.tsv', 'line 2']],
    [{ qrels: 'query-id\tcorpus-id\tscore\nq7\td1\t1\n' }, ['q7', 'queries.jsonl']],
    [{}, ['dev.tsv', 'test'], 'dev'],
  ];
  for (const [files, fragments, split] of cases) {
    const dir = dataset(files);
    try {
      await rejectsWith(loadBeir(dir, { split }), ErrorCodes.DATASET_FORMAT, ...fragments);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
  await rejectsWith(loadBeir(join(tmpdir(), 'tartan-no-such-dataset')), ErrorCodes.DATASET_FORMAT, 'does not exist');
});
