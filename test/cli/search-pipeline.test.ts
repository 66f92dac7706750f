import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { tartanSync } from './run-cli.js';
import { makeSyntheticModel } from '../../src/models/synthetic/index.js';
import { SHARED, sharedSuite } from '../shared-fixtures.js';

const { test, before, after } = sharedSuite(SHARED.tokenizer);

const tartan = (...args: string[]) => tartanSync(args, { env: { TARTAN_HOME: join(dir, 'home') } });

interface Hit {
  id: string;
  rank: number;
  score: number;
  normalizedScore?: number;
  stage: string;
}
interface Out {
  pipeline?: string;
  latencyMs: Record<string, number>;
  hits: Hit[];
  error?: { code: string; message: string };
}
const json = (r: { stdout: string }) => JSON.parse(r.stdout) as Out;

const records = [
  { id: 'asp', text: 'Aspirin reduces fever and relieves pain.' },
  { id: 'bp', text: 'Regular exercise lowers blood pressure in adults.' },
  { id: 'salt', text: 'High salt intake raises blood pressure.' },
  { id: 'vac', text: 'Vaccines train the immune system to fight viruses.' },
];

let dir: string;
let idx: string;
let denseModel: string;

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'tartan-cli-pipe-'));
  denseModel = join(dir, 'dense');
  await makeSyntheticModel(denseModel, { arch: 'tiny', kind: 'dense', seed: 5 });
  writeFileSync(join(dir, 'docs.jsonl'), records.map((r) => JSON.stringify(r)).join('\n') + '\n');
  idx = join(dir, 'idx');
  const built = tartan('index', idx, join(dir, 'docs.jsonl'), '--model', 'lexical', '--mode', 'flat', '--dense-model', denseModel, '--json', '--no-progress');
  assert.equal(built.status, 0, built.stderr);
});
after(() => rmSync(dir, { recursive: true, force: true }));

test('search --pipeline bm25 ranks by BM25 over the texts indexed with the index', () => {
  const r = tartan('search', idx, 'blood pressure', '--pipeline', 'bm25', '-k', '2', '--json');
  assert.equal(r.status, 0, r.stderr);
  const out = json(r);
  assert.equal(out.pipeline, 'bm25');
  assert.deepEqual(new Set(out.hits.map((h) => h.id)), new Set(['bp', 'salt']));
  assert.ok(out.hits.every((h) => h.stage === 'bm25'));
  assert.ok('bm25' in out.latencyMs);
});

test('search --pipeline bm25>colbert reranks with ColBERT, so scores carry a normalised score', () => {
  const out = json(tartan('search', idx, 'fever aspirin', '--pipeline', 'bm25>colbert', '-k', '1', '--json'));
  assert.equal(out.hits[0].id, 'asp');
  assert.equal(out.hits[0].stage, 'colbert');
  assert.equal(typeof out.hits[0].normalizedScore, 'number');
  assert.ok('bm25' in out.latencyMs && 'colbert-rerank' in out.latencyMs);
});

test('search --pipeline hybrid uses the dense vectors kept since `index --dense-model`', () => {
  const r = tartan('search', idx, 'blood pressure', '--pipeline', 'hybrid', '-k', '3', '--json');
  assert.equal(r.status, 0, r.stderr);
  const out = json(r);
  assert.equal(out.hits.length, 3);
  assert.ok('dense' in out.latencyMs && 'bm25' in out.latencyMs && 'colbert' in out.latencyMs);
});

test('search --pipeline: unknown presets and PLAID knobs with a pipeline are coded errors', () => {
  const unknown = tartan('search', idx, 'x', '--pipeline', 'bm25>nonsense', '--json');
  assert.notEqual(unknown.status, 0);
  assert.equal(json(unknown).error?.code, 'E_UNKNOWN_PIPELINE');
  const knobs = tartan('search', idx, 'x', '--pipeline', 'bm25', '--nprobe', '4', '--json');
  assert.notEqual(knobs.status, 0);
  assert.equal(json(knobs).error?.code, 'E_INVALID_ARGUMENT');
  const table = tartan('search', idx, 'fever', '--pipeline', 'bm25');
  assert.equal(table.status, 0, table.stderr);
  assert.match(table.stdout, /asp/);
  assert.match(table.stderr, /bm25 \d+\.\d ms/);
});
