/**
 * `tartan search --explain --json` prints the explanation the index computes
 * from the vectors it scored: per hit its total is the hit's score, and the
 * numbers are those of Index.search / Collection.search with `explain`.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { tartanSync } from './run-cli.js';
import { makeSyntheticModel } from '../../src/models/synthetic/index.js';
import { Collection } from '../../src/retrieval/collection.js';
import { SHARED, sharedSuite } from '../shared-fixtures.js';

const { test, before, after } = sharedSuite(SHARED.tokenizer);

interface Match {
  queryIndex: number;
  docIndex: number;
  similarity: number;
  contribution: number;
  share: number;
}
interface Hit {
  id: string;
  score: number;
  normalizedScore?: number;
  stage?: string;
  explanation?: { raw: number; normalized: number; matches: Match[] };
}

let dir = '';
const env = () => ({ TARTAN_HOME: join(dir, 'home'), TARTAN_ONNX_THREADS: '1' });
const search = (...args: string[]) => {
  const r = tartanSync(['search', ...args, '--explain', '--json'], { env: env() });
  assert.equal(r.status, 0, r.stderr);
  return (JSON.parse(r.stdout) as { hits: Hit[] }).hits;
};

const records = [
  { id: 'asp', text: 'Aspirin reduces fever and relieves pain in adults.' },
  { id: 'bp', text: 'Regular exercise lowers blood pressure in adults.' },
  { id: 'salt', text: 'High salt intake raises blood pressure over the years.' },
  { id: 'vac', text: 'Vaccines train the immune system to fight viruses.' },
  { id: 'tea', text: 'Green tea contains caffeine and keeps people awake at night.' },
];

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'tartan-cli-explain-'));
  await makeSyntheticModel(join(dir, 'colbert'), { arch: 'tiny', kind: 'colbert', dim: 128, seed: 3 });
  writeFileSync(join(dir, 'docs.jsonl'), records.map((r) => JSON.stringify(r)).join('\n') + '\n');
  for (const mode of ['plaid', 'flat']) {
    const built = tartanSync(['index', join(dir, mode), join(dir, 'docs.jsonl'), '--model', join(dir, 'colbert'), '--mode', mode, '--json', '--no-progress'], {
      env: env(),
    });
    assert.equal(built.status, 0, built.stderr);
  }
});
after(() => rmSync(dir, { recursive: true, force: true }));

test("search --explain --json: each total is the hit score, and the numbers are the API's", async () => {
  for (const mode of ['plaid', 'flat']) {
    const idx = join(dir, mode);
    const printed = search(idx, 'blood pressure in adults', '-k', '3');
    assert.equal(printed.length, 3, mode);
    const collection = await Collection.open(idx);
    try {
      const api = await collection.index.search('blood pressure in adults', { k: 3, explain: true });
      assert.deepEqual(
        printed.map((h) => h.id),
        api.map((h) => h.id),
        mode,
      );
      printed.forEach((h, i) => {
        const e = h.explanation!;
        assert.ok(Math.abs(e.raw - h.score) <= 2e-6 * Math.abs(h.score), `${mode} ${h.id}: explained ${e.raw}, scored ${h.score}`);
        assert.ok(Math.abs(e.normalized - h.normalizedScore!) <= 2e-6 * Math.abs(h.score));
        assert.ok(Math.abs(e.matches.reduce((s, m) => s + m.contribution, 0) - e.raw) < 1e-9);
        const a = api[i].explanation!;
        assert.equal(h.score, api[i].score);
        assert.equal(e.raw, a.raw);
        assert.deepEqual(
          e.matches.map((m) => [m.docIndex, m.similarity, m.contribution]),
          a.matches.map((m) => [m.docIndex, m.similarity, m.contribution]),
        );
      });
    } finally {
      await collection.close();
    }
  }
});

test('search --pipeline bm25>colbert --explain: ColBERT-scored hits carry explanations adding up to their scores', () => {
  const hits = search(join(dir, 'flat'), 'blood pressure', '--pipeline', 'bm25>colbert', '-k', '2');
  assert.equal(hits.length, 2);
  for (const h of hits) {
    assert.equal(h.stage, 'colbert');
    assert.ok(h.explanation && Math.abs(h.explanation.raw - h.score) <= 2e-6 * Math.abs(h.score), `${h.id}`);
  }
  const bm25 = tartanSync(['search', join(dir, 'flat'), 'blood pressure', '--pipeline', 'bm25', '--explain'], { env: env() });
  assert.equal(bm25.status, 0, bm25.stderr);
  assert.match(bm25.stderr, /nothing to explain/);
});
