/** `tartan eval --vectors`: the exact and colbert pipelines over a saved vectors file, matched to a BEIR folder by id. */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { tartanSync } from '../cli/run-cli.js';
import { loadBeir } from '../../src/eval/beir.js';
import { evaluateVectors, parseVectorPipelines, parseVectorSettings } from '../../src/eval/vectors-eval.js';
import { loadVectors, saveVectors } from '../../src/core/vectors-file.js';
import { seededRandom } from '../../src/core/random.js';
import { packMatrices, type TokenMatrix } from '../../src/core/tensors.js';
import { isTartanError } from '../../src/core/errors.js';

const DIM = 16,
  DOCS = 40,
  QUERIES = 8;
let dir: string;
let vectors: string;

function unitRows(rand: () => number, rows: number, around?: Float32Array): TokenMatrix {
  const data = new Float32Array(rows * DIM);
  for (let r = 0; r < rows; r++) {
    let n = 0;
    for (let d = 0; d < DIM; d++) {
      const v = around ? around[r * DIM + d] + 0.05 * (rand() * 2 - 1) : rand() * 2 - 1;
      data[r * DIM + d] = v;
      n += v * v;
    }
    for (let d = 0; d < DIM; d++) data[r * DIM + d] /= Math.sqrt(n);
  }
  return { data, rows, dim: DIM };
}

/** Query i is a noisy copy of document 5i's rows, so that document is its exact top hit; q-extra is in the file but not judged. */
function writeVectors(path: string, queryIds: string[]): void {
  const rand = seededRandom(11);
  const docs = Array.from({ length: DOCS }, () => unitRows(rand, 4 + Math.floor(rand() * 7)));
  const queries = queryIds.map((_, i) => unitRows(rand, docs[(5 * i) % DOCS].rows, docs[(5 * i) % DOCS].data));
  saveVectors(path, {
    model: 'synthetic',
    dim: DIM,
    docIds: docs.map((_, i) => `doc${i}`),
    docs: packMatrices(docs, DIM),
    queryIds,
    queries: packMatrices(queries, DIM),
  });
}

before(() => {
  dir = mkdtempSync(join(tmpdir(), 'tartan-evalvec-'));
  mkdirSync(join(dir, 'beir', 'qrels'), { recursive: true });
  const beir = join(dir, 'beir');
  writeFileSync(
    join(beir, 'corpus.jsonl'),
    Array.from({ length: DOCS }, (_, i) => JSON.stringify({ _id: `doc${i}`, title: '', text: `document ${i}` })).join('\n') + '\n',
  );
  // q8 and q9 are judged but have no vectors: they are left out of the evaluation.
  const judged = Array.from({ length: QUERIES + 2 }, (_, i) => `q${i}`);
  writeFileSync(join(beir, 'queries.jsonl'), judged.map((id) => JSON.stringify({ _id: id, text: `query ${id}` })).join('\n') + '\n');
  writeFileSync(join(beir, 'qrels', 'test.tsv'), 'query-id\tcorpus-id\tscore\n' + judged.map((id, i) => `${id}\tdoc${(5 * i) % DOCS}\t1`).join('\n') + '\n');
  vectors = join(dir, 'synthetic.vectors');
  writeVectors(vectors, [...Array.from({ length: QUERIES }, (_, i) => `q${i}`), 'q-extra']);
});
after(() => rmSync(dir, { recursive: true, force: true }));

interface Report {
  queries: number;
  pipelines: Array<{ name: string; 'ndcg@10': number; latencyMs: Record<string, unknown>; indexMs?: number }>;
}

test('tartan eval --vectors runs exact and colbert by default on the queries judged and in the file', () => {
  const json = join(dir, 'report.json');
  const r = tartanSync(['eval', '--dataset', join(dir, 'beir'), '--vectors', vectors, '--json', json, '--no-progress']);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /^exact\s+1\.0000/m);
  assert.match(r.stdout, /^colbert\s+/m);
  assert.match(r.stderr, /evaluating 8 queries/);
  const report = JSON.parse(readFileSync(json, 'utf8')) as Report;
  assert.equal(report.queries, QUERIES);
  assert.deepEqual(
    report.pipelines.map((p) => p.name),
    ['exact', 'colbert'],
  );
  assert.equal(report.pipelines[0]['ndcg@10'], 1);
  const colbert = report.pipelines[1]['ndcg@10'];
  assert.ok(colbert >= 0 && colbert <= 1, `colbert nDCG@10 ${colbert}`);
  assert.ok('maxsim' in report.pipelines[0].latencyMs && 'total' in report.pipelines[1].latencyMs);
  assert.equal(typeof report.pipelines[1].indexMs, 'number');
});

test('tartan eval --vectors: settings, --work-dir and one pipeline', () => {
  const work = join(dir, 'work');
  const args = [
    'eval',
    '--dataset',
    join(dir, 'beir'),
    '--vectors',
    vectors,
    '--pipeline',
    'colbert',
    '--work-dir',
    work,
    '--set',
    'nbits=4',
    '--set',
    'nprobe=8',
    '--set',
    'ndocs=40',
    '--json',
    join(dir, 'w.json'),
  ];
  for (let run = 0; run < 2; run++) {
    const r = tartanSync(args);
    assert.equal(r.status, 0, r.stderr);
    const report = JSON.parse(readFileSync(join(dir, 'w.json'), 'utf8')) as Report;
    assert.deepEqual(
      report.pipelines.map((p) => p.name),
      ['colbert'],
    );
    assert.ok(report.pipelines[0]['ndcg@10'] >= 0.5, `run ${run}: colbert nDCG@10 ${report.pipelines[0]['ndcg@10']}`);
  }
  assert.deepEqual(readdirSync(work), ['synthetic.vectors-plaid-nbits4-cauto-pf1-rvf16'], 'the index is kept and reused');
});

test('tartan eval --vectors refuses other pipelines, unknown settings and models', () => {
  const base = ['eval', '--dataset', join(dir, 'beir'), '--vectors', vectors];
  const bad = tartanSync([...base, '--pipeline', 'exact,bm25']);
  assert.notEqual(bad.status, 0);
  assert.match(bad.stderr, /E_UNKNOWN_PIPELINE.*"bm25".*exact or colbert/);
  const setting = tartanSync([...base, '--set', 'k1=1.2']);
  assert.match(setting.stderr, /E_INVALID_ARGUMENT.*k1.*accepted: mode, rerank-vectors, nbits, centroids, pool-factor, nprobe, ndocs/);
  const model = tartanSync([...base, '--model', 'lexical']);
  assert.match(model.stderr, /E_INVALID_ARGUMENT.*--model does not apply with --vectors/);
});

test('tartan eval --vectors: a file whose query ids are not judged is a coded error', () => {
  const other = join(dir, 'other.vectors');
  writeVectors(other, ['a', 'b']);
  const r = tartanSync(['eval', '--dataset', join(dir, 'beir'), '--vectors', other]);
  assert.notEqual(r.status, 0);
  assert.match(r.stderr, /E_DATASET_FORMAT.*none of the 2 query ids/);
});

test('evaluateVectors: a flat index of the vectors ranks like exact search; temp folders are removed', async () => {
  const before = readdirSync(tmpdir()).filter((f) => f.startsWith('tartan-eval-vectors-')).length;
  const report = await evaluateVectors(await loadBeir(join(dir, 'beir')), loadVectors(vectors), { settings: { mode: 'flat' } });
  assert.deepEqual(
    report.pipelines.map((p) => [p.name, p['ndcg@10']]),
    [
      ['exact', 1],
      ['colbert', 1],
    ],
  );
  assert.equal(readdirSync(tmpdir()).filter((f) => f.startsWith('tartan-eval-vectors-')).length, before);
});

test('parseVectorSettings and parseVectorPipelines', () => {
  assert.deepEqual(parseVectorSettings({ nbits: '4', 'pool-factor': '2', centroids: '64', mode: 'plaid' }), {
    nbits: 4,
    poolFactor: 2,
    centroids: 64,
    mode: 'plaid',
  });
  for (const pairs of [{ nbits: '3' }, { nprobe: 'x' }, { mode: 'ivf' }, { 'pool-factor': '9' }, { poolFactor: '2' }] as Array<Record<string, string>>) {
    assert.throws(
      () => parseVectorSettings(pairs),
      (e) => isTartanError(e, 'E_INVALID_ARGUMENT'),
      JSON.stringify(pairs),
    );
  }
  assert.deepEqual(parseVectorPipelines(['colbert', 'exact', 'colbert']), ['colbert', 'exact']);
  assert.throws(
    () => parseVectorPipelines(['lexical']),
    (e) => isTartanError(e, 'E_UNKNOWN_PIPELINE'),
  );
});

test('tartan eval --vectors --representation: each variant is a row; MUVERA reranking every document ranks like exact', () => {
  const json = join(dir, 'representations.json');
  const r = tartanSync([
    'eval',
    '--dataset',
    join(dir, 'beir'),
    '--vectors',
    vectors,
    '--representation',
    'poly:4',
    '--representation',
    'muvera:k_sim=2,dim_proj=8,r_reps=4',
    '--rerank-candidates',
    String(DOCS),
    '--json',
    json,
    '--no-progress',
  ]);
  assert.equal(r.status, 0, r.stderr);
  const report = JSON.parse(readFileSync(json, 'utf8')) as Report;
  assert.deepEqual(
    report.pipelines.map((p) => p.name),
    [
      'exact',
      'poly:4 (maxsim)',
      'poly:4 (attention)',
      `muvera k_sim=2 dim_proj=8 r_reps=4 > exact MaxSim of ${DOCS}`,
      'muvera k_sim=2 dim_proj=8 r_reps=4',
      `muvera k_sim=2 dim_proj=8 r_reps=4 (HNSW) > exact MaxSim of ${DOCS}`,
    ],
  );
  // The rerank covers the whole collection, so the MUVERA rows with it are exact search.
  assert.equal(report.pipelines[3]['ndcg@10'], 1);
  assert.equal(report.pipelines[5]['ndcg@10'], 1);
  for (const p of report.pipelines) assert.ok(p['ndcg@10'] >= 0 && p['ndcg@10'] <= 1, `${p.name}: ${p['ndcg@10']}`);
});

test('tartan eval --representation needs --vectors; a bad representation is a coded error', () => {
  const none = tartanSync(['eval', '--dataset', join(dir, 'beir'), '--representation', 'poly:4']);
  assert.notEqual(none.status, 0);
  assert.match(none.stderr, /E_INVALID_ARGUMENT.*--representation evaluates the documents of a vectors file/);
  const bad = tartanSync(['eval', '--dataset', join(dir, 'beir'), '--vectors', vectors, '--representation', 'poly:99']);
  assert.notEqual(bad.status, 0);
  assert.match(bad.stderr, /E_INVALID_ARGUMENT.*poly:<M> needs M from 1 to 64/);
});
