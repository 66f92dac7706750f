/**
 * Fuzz run over the readers of text and JSON files: model folders
 * (config.json, config_sentence_transformers.json, modules.json, tokenizer
 * files, the projection layer), BEIR datasets, `tartan index` input files and
 * the hub cache's refs. Each damaged file must be read or refused with a
 * coded TartanError; successful reads must be sane (no NaN lengths, no paths
 * outside the folder they came from).
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, cpSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { readModelFolder } from '../../src/models/encoders/model-folder.js';
import { loadBeir } from '../../src/eval/beir.js';
import { countDocuments, expandInputs, readDocuments } from '../../src/cli/input-files.js';
import { RepoCache } from '../../src/models/hub/cache.js';
import { downloadRepoFiles } from '../../src/models/hub/hub.js';
import { sharedDir } from '../../src/core/paths.js';
import { FuzzStats, mutate, rng } from './mutate.js';
import { SHARED, needsShared } from '../shared-fixtures.js';

const CASES = Number(process.env.TARTAN_FUZZ_FILE_CASES ?? 150);
const BASE = Number(process.env.TARTAN_FUZZ_SEED ?? 1);
const stats = new FuzzStats();
let root: string;
before(() => {
  root = mkdtempSync(join(tmpdir(), 'tartan-fuzz-text-'));
});
after(() => {
  rmSync(root, { recursive: true, force: true });
  console.log(`fuzz cases: ${stats.total} (${stats.summary()})`);
});

/** Writes each mutated file in turn (restoring it after), running `check` on the folder. */
async function fuzzFiles(
  reader: string,
  dir: string,
  files: ReadonlyArray<{ path: string; weight?: number }>,
  cases: number,
  check: () => Promise<void>,
): Promise<void> {
  const originals = files.map((f) => readFileSync(join(dir, f.path)));
  const weights = files.map((f) => f.weight ?? 1);
  const total = weights.reduce((a, b) => a + b, 0);
  for (let i = 0; i < cases; i++) {
    const r = rng(BASE + i);
    let roll = r() * total,
      which = 0;
    while (roll >= weights[which]) roll -= weights[which++];
    const f = files[which];
    const { bytes, how } = mutate(originals[which], r, /\.json$/.test(f.path));
    writeFileSync(join(dir, f.path), bytes);
    try {
      await stats.run(reader, `${f.path} seed ${BASE + i} (${how})`, check);
    } finally {
      writeFileSync(join(dir, f.path), originals[which]);
    }
  }
}

test(
  'model folder: damaged config, tokenizer and projection files load sane settings or refuse with a code',
  { ...needsShared(SHARED.colbertSmall), timeout: 600_000 },
  async (_t) => {
    const fixture = join(sharedDir(), 'fixtures', 'models', 'answerai-colbert-small-v1');
    const dir = join(root, 'model');
    cpSync(fixture, dir, { recursive: true });
    for (const f of ['', '1_Dense']) for (const name of readdirSync(join(dir, f))) chmodSync(join(dir, f, name), 0o644);
    writeFileSync(join(dir, 'model.onnx'), 'not loaded by readModelFolder');
    writeFileSync(
      join(dir, 'modules.json'),
      JSON.stringify([
        { idx: 0, name: '0', path: '', type: 'sentence_transformers.models.Transformer' },
        { idx: 1, name: '1', path: '1_Dense', type: 'pylate.models.Dense.Dense' },
      ]),
    );
    const files = [
      { path: 'config.json' },
      { path: 'config_sentence_transformers.json', weight: 2 },
      { path: 'modules.json', weight: 2 },
      { path: 'tokenizer_config.json' },
      { path: 'special_tokens_map.json' },
      { path: '1_Dense/config.json' },
      { path: '1_Dense/model.safetensors' },
      { path: 'tokenizer.json', weight: 0.5 },
    ];
    await fuzzFiles('model folder', dir, files, CASES, async () => {
      const info = await readModelFolder(dir);
      assert.ok(Number.isInteger(info.maxLength) && info.maxLength > 0, `maxLength ${info.maxLength}`);
      const c = info.colbert;
      if (c) {
        for (const v of [c.queryLength, c.documentLength, c.queryMarkerId, c.documentMarkerId, c.maskTokenId])
          assert.ok(Number.isInteger(v) && v >= 0, `colbert setting ${v}`);
        assert.equal(typeof c.attendToExpansionTokens, 'boolean');
        assert.ok(Array.isArray(c.skiplistWords) && c.skiplistWords.every((w) => typeof w === 'string'));
      }
      for (const layer of info.projection) assert.equal(layer.weight.length, layer.inFeatures * layer.outFeatures);
      // the tokenizer that loaded must also encode
      const e = info.tokenizer.encode('What is late interaction?');
      assert.equal(e.ids.length, e.tokens.length);
    });
  },
);

test('BEIR loader: damaged corpus, queries and qrels load consistently or refuse with a code', async () => {
  const dir = join(root, 'beir');
  mkdirSync(join(dir, 'qrels'), { recursive: true });
  writeFileSync(
    join(dir, 'corpus.jsonl'),
    [
      { _id: 'd1', title: 'Aspirin', text: 'Aspirin lowers fever.' },
      { _id: 'd2', title: '', text: 'Green tea.' },
      { _id: 3, text: 'Numeric id.' },
    ]
      .map((d) => JSON.stringify(d))
      .join('\n') + '\n',
  );
  writeFileSync(
    join(dir, 'queries.jsonl'),
    [
      { _id: 'q1', text: 'what lowers fever' },
      { _id: 'q2', text: 'tea' },
    ]
      .map((d) => JSON.stringify(d))
      .join('\n') + '\n',
  );
  writeFileSync(join(dir, 'qrels', 'test.tsv'), 'query-id\tcorpus-id\tscore\nq1\td1\t1\nq2\td2\t2\n');
  await fuzzFiles('beir', dir, [{ path: 'corpus.jsonl' }, { path: 'queries.jsonl' }, { path: 'qrels/test.tsv' }], CASES, async () => {
    const ds = await loadBeir(dir, { split: 'test' });
    assert.equal(new Set(ds.corpus.map((d) => d.id)).size, ds.corpus.length);
    for (const d of ds.corpus) assert.ok(typeof d.id === 'string' && typeof d.title === 'string' && typeof d.text === 'string');
    for (const [q, judged] of ds.qrels) {
      assert.ok(ds.queries.has(q));
      for (const g of judged.values()) assert.ok(Number.isInteger(g));
    }
  });
  await stats.run('beir', 'missing folder', () => loadBeir(join(root, 'nope')));
});

test('index input files: damaged JSON-lines and text files give documents or a coded refusal', async () => {
  const dir = join(root, 'inputs');
  mkdirSync(join(dir, 'notes'), { recursive: true });
  writeFileSync(
    join(dir, 'docs.jsonl'),
    [
      { id: 'a', text: 'Aspirin lowers fever.', metadata: { year: 2001 } },
      { _id: 7, title: 'T', text: 'Tea.', lang: 'en' },
      { id: 'c', text: 'x', extra: null },
    ]
      .map((d) => JSON.stringify(d))
      .join('\n') + '\n',
  );
  writeFileSync(join(dir, 'notes', 'n.txt'), 'A plain note about vaccines.\n');
  writeFileSync(join(dir, 'notes', 'm.md'), '# Title\n\nMarkdown text.\n');
  await fuzzFiles('input files', dir, [{ path: 'docs.jsonl', weight: 3 }, { path: 'notes/n.txt' }, { path: 'notes/m.md' }], CASES, async () => {
    const files = expandInputs([dir]);
    assert.ok(countDocuments(files) >= 0);
    for await (const d of readDocuments(files)) {
      assert.ok(typeof d.id === 'string' && typeof d.text === 'string', JSON.stringify(d));
      assert.ok(!d.id.split(/[\\/]/).includes('..'), `id ${d.id} climbs out of the folder`);
      for (const v of Object.values(d.metadata ?? {}))
        assert.ok(v === null || ['string', 'number', 'boolean'].includes(typeof v), `metadata value ${JSON.stringify(v)}`);
      assert.equal(Object.getPrototypeOf(d.metadata ?? {}), Object.prototype, 'metadata keeps a plain prototype');
    }
  });
  await stats.run('input files', 'missing input', () => expandInputs([join(root, 'missing.jsonl')]));
});

test('hub cache refs: damaged refs resolve inside the cache or refuse with a code', async () => {
  const cacheDir = join(root, 'hub');
  const repo = 'org/model';
  const cache = new RepoCache(cacheDir, repo);
  const commit = 'a'.repeat(40);
  mkdirSync(cache.snapshotDir(commit), { recursive: true });
  writeFileSync(cache.snapshotFile(commit, 'config.json'), '{}');
  // a second snapshot folder outside the cache, which a traversing ref could point at
  mkdirSync(join(root, 'elsewhere'), { recursive: true });
  writeFileSync(join(root, 'elsewhere', 'config.json'), '{}');
  await cache.writeRef('main', commit);
  const refs = [commit, '../../../elsewhere', '../../elsewhere', '/etc', '..', '.', 'b'.repeat(40), 'local', ''];
  const refPath = relative(cacheDir, cache.refPath('main'));
  let i = 0;
  for (const seedRef of refs) {
    writeFileSync(join(cacheDir, refPath), `${seedRef}\n`);
    for (let k = 0; k < Math.ceil(CASES / refs.length); k++, i++) {
      const { bytes, how } = k === 0 ? { bytes: Buffer.from(`${seedRef}\n`), how: 'as written' } : mutate(Buffer.from(`${seedRef}\n`), rng(BASE + i));
      writeFileSync(join(cacheDir, refPath), bytes);
      await stats.run('hub refs', `ref ${JSON.stringify(seedRef)} seed ${BASE + i} (${how})`, async () => {
        const folder = await downloadRepoFiles(repo, ['config.json'], { cacheDir, offline: true, progressBar: false });
        const inside = relative(resolve(cache.root, 'snapshots'), resolve(folder));
        assert.ok(!inside.startsWith('..') && !inside.includes('/') && inside !== '', `resolved to ${folder}, outside the cache's snapshots`);
      });
    }
  }
});
