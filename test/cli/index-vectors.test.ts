/**
 * `tartan index <dir> --vectors <file>`: token vectors encoded elsewhere go in as .npz/.npy or tartan's vectors file,
 * with ids, texts and metadata from a JSONL; a bad file (dim, NaN, counts, dtype, truncation) fails before anything
 * is written and leaves the index exactly as it was.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { join, relative } from 'node:path';
import { LexicalColbert } from '../../src/lexical/lexical-colbert.js';
import { saveVectors } from '../../src/core/vectors-file.js';
import type { TokenMatrix } from '../../src/core/tensors.js';
import { tempDir } from '../stores/file/helpers.js';
import { npyBytes, zipBytes } from '../core/numpy-files.js';
import { tartanSync, type CliResult } from './run-cli.js';
import { pgTest, uniqueName } from '../stores/postgres/pg-test-env.js';
import { dropPostgresCollection } from '../../src/stores/postgres/index.js';

const here = fileURLToPath(new URL('.', import.meta.url));
const env = { TARTAN_HOME: join(here, '.no-home') };
const tartan = (...args: string[]) => tartanSync(args, { env });
const errorOf = (r: CliResult) => (JSON.parse(r.stdout) as { error: { code: string; message: string; details?: Record<string, unknown> } }).error;
const infoOf = (dir: string) => JSON.parse(tartan('info', dir, '--json').stdout) as { documents: number; model: string; dim: number };
const hitsOf = (r: CliResult) => {
  assert.equal(r.status, 0, r.stderr + r.stdout);
  return (JSON.parse(r.stdout) as { hits: Array<{ id: string; text?: string; metadata?: Record<string, unknown> }> }).hits;
};

const DIM = 32;
const MODEL = `lexical:${DIM}`;
const texts = [
  'aspirin lowers fever and eases pain',
  'salt raises blood pressure in adults',
  'sleep helps memory and mood',
  'coffee keeps people awake at night',
  'walking daily strengthens the heart',
  'vitamin d comes from sunlight',
];
const ids = ['asp', 'salt', 'sleep', 'coffee', 'walk', 'vitd'];

/** The documents encoded by the lexical model, as the Python side would encode them with the index's model. */
async function encode(dim = DIM): Promise<TokenMatrix[]> {
  const model = new LexicalColbert({ dim });
  const out: TokenMatrix[] = [];
  for await (const m of model.passageEmbed(texts)) out.push({ data: Float32Array.from(m.data.subarray(0, m.rows * m.dim)), rows: m.rows, dim: m.dim });
  return out;
}

const npy = (m: TokenMatrix, descr = '<f4') => npyBytes(m.data, [m.rows, m.dim], descr);
const perDocument = (ms: TokenMatrix[], keys = ms.map((_, i) => `arr_${i}`), deflate = false) =>
  zipBytes(
    ms.map((m, i) => [`${keys[i]}.npy`, npy(m)]),
    { deflate },
  );
const docsJsonl = (n = texts.length, from = 0) =>
  ids
    .slice(from, from + n)
    .map((id, i) => JSON.stringify({ id, text: texts[from + i], metadata: { n: from + i } }))
    .join('\n') + '\n';

/** Every file under `dir` with a hash of its bytes: equal snapshots mean nothing was written. */
function snapshot(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (d: string) => {
    for (const name of readdirSync(d)) {
      const p = join(d, name);
      if (statSync(p).isDirectory()) walk(p);
      else out[relative(dir, p)] = createHash('sha256').update(readFileSync(p)).digest('hex');
    }
  };
  walk(dir);
  return out;
}

test('index --vectors: a .npz of one array per document with --docs builds an index that finds, shows and filters them', async (t) => {
  const dir = tempDir(t, 'tartan-vec-');
  writeFileSync(join(dir, 'vectors.npz'), perDocument(await encode(), undefined, true));
  writeFileSync(join(dir, 'docs.jsonl'), docsJsonl());
  const idx = join(dir, 'idx');
  const r = tartan('index', idx, '--vectors', join(dir, 'vectors.npz'), '--docs', join(dir, 'docs.jsonl'), '--model', MODEL, '--json');
  assert.equal(r.status, 0, r.stderr);
  const summary = JSON.parse(r.stdout) as { added: number; layout: string; model: string; info: { documents: number } };
  assert.deepEqual([summary.added, summary.layout, summary.model, summary.info.documents], [6, 'npz-arrays', MODEL, 6]);
  assert.match(r.stderr, /indexing: 6\/6 documents \(100%\)/, 'progress lines on a non-TTY stderr');
  assert.deepEqual([infoOf(idx).documents, infoOf(idx).model, infoOf(idx).dim], [6, MODEL, DIM]);

  const hits = hitsOf(tartan('search', idx, 'blood pressure and salt', '--json', '-k', '2'));
  assert.equal(hits[0].id, 'salt', 'the query, encoded by the recorded model, finds the document whose imported vectors match');
  assert.equal(hits[0].text, texts[1]);
  assert.deepEqual(hits[0].metadata, { n: 1 });
  const bm25 = hitsOf(tartan('search', idx, 'coffee awake', '--pipeline', 'bm25', '--json'));
  assert.equal(bm25[0].id, 'coffee', 'the texts from --docs feed BM25');
  const filtered = hitsOf(tartan('search', idx, 'sunlight', '--filter', '{"n":{"$gte":4}}', '--json'));
  assert.deepEqual(filtered.map((h) => h.id).sort(), ['vitd', 'walk']);
});

test('index --vectors: flat layouts (npz vectors + lengths, npy + --lengths), id-keyed arrays and a tartan vectors file', async (t) => {
  const dir = tempDir(t, 'tartan-vec-');
  const ms = await encode();
  const flat = new Float32Array(ms.flatMap((m) => Array.from(m.data)));
  const rows = ms.reduce((a, m) => a + m.rows, 0);
  writeFileSync(join(dir, 'docs.jsonl'), docsJsonl());
  writeFileSync(
    join(dir, 'flat.npz'),
    zipBytes([
      ['vectors.npy', npyBytes(flat, [rows, DIM])],
      [
        'lengths.npy',
        npyBytes(
          ms.map((m) => m.rows),
          [ms.length],
          '<i8',
        ),
      ],
    ]),
  );
  writeFileSync(join(dir, 'flat.npy'), npyBytes(flat, [rows, DIM], '<f8'));
  writeFileSync(
    join(dir, 'lengths.npy'),
    npyBytes(
      ms.map((m) => m.rows),
      [ms.length],
      '<i4',
    ),
  );
  writeFileSync(join(dir, 'keyed.npz'), perDocument(ms, ids));
  saveVectors(join(dir, 'enc.vec'), {
    model: MODEL,
    dim: DIM,
    docIds: ids,
    docs: { data: flat, offsets: Uint32Array.from([0, ...ms.map((_, i) => ms.slice(0, i + 1).reduce((a, m) => a + m.rows, 0))]), dim: DIM },
    queryIds: [],
    queries: { data: new Float32Array(0), offsets: new Uint32Array([0]), dim: DIM },
  });
  const runs: Array<[string, string[]]> = [
    ['npz-flat', ['--vectors', join(dir, 'flat.npz'), '--docs', join(dir, 'docs.jsonl'), '--model', MODEL]],
    ['npy-flat', ['--vectors', join(dir, 'flat.npy'), '--lengths', join(dir, 'lengths.npy'), '--docs', join(dir, 'docs.jsonl'), '--model', MODEL]],
    ['npz-keyed', ['--vectors', join(dir, 'keyed.npz'), '--model', MODEL]],
    ['tartan-vectors', ['--vectors', join(dir, 'enc.vec')]],
  ];
  for (const [layout, args] of runs) {
    const idx = join(dir, `idx-${layout}`);
    const r = tartan('index', idx, ...args, '--json', '--no-progress');
    assert.equal(r.status, 0, `${layout}: ${r.stderr}${r.stdout}`);
    assert.equal((JSON.parse(r.stdout) as { layout: string }).layout, layout);
    assert.equal(r.stderr, '', `${layout}: --no-progress writes nothing on stderr`);
    assert.equal(infoOf(idx).documents, 6, layout);
    assert.equal(hitsOf(tartan('search', idx, 'memory and mood while sleeping', '--json'))[0].id, 'sleep', layout);
  }
});

test('index --vectors: a bad file fails before anything is written; an existing index keeps every byte and its count', async (t) => {
  const dir = tempDir(t, 'tartan-vec-');
  const ms = await encode();
  writeFileSync(join(dir, 'first.npz'), perDocument(ms.slice(0, 3), ids.slice(0, 3)));
  const idx = join(dir, 'idx');
  assert.equal(tartan('index', idx, '--vectors', join(dir, 'first.npz'), '--model', MODEL, '--no-progress').status, 0);
  const before = snapshot(idx);
  const rest = ms.slice(3);
  const restIds = ids.slice(3);
  const write = (name: string, bytes: Uint8Array | string) => {
    writeFileSync(join(dir, name), bytes);
    return join(dir, name);
  };
  const wide = (await encode(DIM * 2)).slice(3);
  const nan = rest.map((m) => ({ ...m, data: Float32Array.from(m.data) }));
  nan[1].data[2 * DIM + 5] = NaN;
  const good = perDocument(rest, restIds);
  const cases: Array<[string, string[], string, RegExp]> = [
    [
      'wrong dim',
      ['--vectors', write('wide.npz', perDocument(wide, restIds))],
      'E_DIMENSION_MISMATCH',
      /document "coffee" has vectors of dim 64 but the index at .* \(model lexical:32\) takes dim 32/,
    ],
    ['NaN', ['--vectors', write('nan.npz', perDocument(nan, restIds))], 'E_NON_FINITE_VALUE', /document "walk" row 2 holds NaN/],
    [
      'counts',
      ['--vectors', write('rest.npz', perDocument(rest)), '--docs', write('two.jsonl', docsJsonl(2, 3))],
      'E_COUNT_MISMATCH',
      /vectors for 3 documents but .*two\.jsonl has 2/,
    ],
    [
      'an id twice in --docs',
      ['--vectors', join(dir, 'rest.npz'), '--docs', write('twice.jsonl', docsJsonl(2, 3) + JSON.stringify({ id: 'coffee' }) + '\n')],
      'E_DUPLICATE_ID',
      /twice\.jsonl:3: id "coffee" appears earlier, on line 1/,
    ],
    ['big-endian', ['--vectors', write('be.npz', zipBytes([['coffee.npy', npy(rest[0], '>f4')]]))], 'E_INPUT_FORMAT', /be\.npz:coffee .*big-endian/],
    ['truncated', ['--vectors', write('cut.npz', good.subarray(0, good.length - 40))], 'E_INPUT_FORMAT', /cut\.npz is not a readable \.npz .*truncated/],
    ['id already there', ['--vectors', write('dup.npz', perDocument([ms[0]], ['asp']))], 'E_DUPLICATE_ID', /already in the index.*nothing was added/s],
    ['another model', ['--vectors', write('ok.npz', good), '--model', 'lexical:64'], 'E_MODEL_MISMATCH', /built with model lexical:32, not lexical:64/],
  ];
  for (const [what, args, code, pattern] of cases) {
    const r = tartan('index', idx, ...args, '--json', '--no-progress');
    assert.equal(r.status, 1, `${what}: ${r.stdout}`);
    const error = errorOf(r);
    assert.equal(error.code, code, `${what}: ${error.message}`);
    assert.match(error.message, pattern, what);
    assert.match(error.message, /nothing was (indexed|added)/, `${what} says nothing was written`);
    assert.deepEqual(snapshot(idx), before, `${what}: the index changed`);
    assert.equal(infoOf(idx).documents, 3, what);
  }
  const ok = tartan('index', idx, '--vectors', join(dir, 'ok.npz'), '--no-progress');
  assert.equal(ok.status, 0, ok.stderr);
  assert.equal(infoOf(idx).documents, 6, 'the fixed file then adds its documents to the same index');
});

test('index --vectors: a failed new index leaves no folder (or the empty folder it found); the model is required', async (t) => {
  const dir = tempDir(t, 'tartan-vec-');
  const ms = await encode();
  ms[4] = { ...ms[4], data: Float32Array.from(ms[4].data) };
  ms[4].data[7] = Infinity;
  writeFileSync(join(dir, 'inf.npz'), perDocument(ms));
  writeFileSync(join(dir, 'docs.jsonl'), docsJsonl());
  const idx = join(dir, 'idx');
  const r = tartan('index', idx, '--vectors', join(dir, 'inf.npz'), '--docs', join(dir, 'docs.jsonl'), '--model', MODEL);
  assert.equal(r.status, 1);
  assert.match(r.stderr, /E_NON_FINITE_VALUE: document "walk" row 0 holds Infinity \(value 7\)/);
  assert.match(r.stderr, /nothing was indexed \(every input is checked before anything is written\)/);
  assert.ok(!existsSync(idx), 'a failed new index left a folder behind');
  mkdirSync(idx);
  assert.equal(tartan('index', idx, '--vectors', join(dir, 'inf.npz'), '--docs', join(dir, 'docs.jsonl'), '--model', MODEL).status, 1);
  assert.deepEqual(readdirSync(idx), [], 'the empty folder stays empty');

  const noModel = tartan('index', join(dir, 'idx2'), '--vectors', join(dir, 'inf.npz'), '--docs', join(dir, 'docs.jsonl'), '--json');
  assert.equal(errorOf(noModel).code, 'E_INVALID_ARGUMENT');
  assert.match(errorOf(noModel).message, /give --model <id\|path>: the model that encoded the vectors/);
  const noIds = tartan('index', join(dir, 'idx2'), '--vectors', join(dir, 'inf.npz'), '--model', MODEL, '--json');
  assert.match(errorOf(noIds).message, /no document ids .*give --docs/);
  assert.ok(!existsSync(join(dir, 'idx2')));
});

test('index --vectors: flags that do not go together are refused with what to do', (t) => {
  const dir = tempDir(t, 'tartan-vec-');
  const cases: Array<[string[], RegExp]> = [
    [['--vectors', 'v.npz', 'docs.jsonl'], /leave out the inputs \(docs\.jsonl\) and give their ids and texts with --docs/],
    [['--vectors', 'v.npz', '--replace'], /--replace does not apply to --vectors/],
    [['--docs', 'docs.jsonl', 'input.jsonl'], /--lengths and --docs go with --vectors/],
    [[], /give the input files or folders to index \(or --vectors <file>/],
  ];
  for (const [args, pattern] of cases) {
    const r = tartan('index', join(dir, 'idx'), ...args, '--json');
    assert.equal(errorOf(r).code, 'E_INVALID_ARGUMENT', args.join(' '));
    assert.match(errorOf(r).message, pattern);
  }
  const missing = tartan('index', join(dir, 'idx'), '--vectors', join(dir, 'nope.npz'), '--model', MODEL, '--json');
  assert.equal(errorOf(missing).code, 'E_FILE_NOT_FOUND');
  assert.ok(!existsSync(join(dir, 'idx')));
});

pgTest('index --vectors: a postgres:// collection takes the vectors; a bad file and a rerun add nothing to it', async (t, url) => {
  const dir = tempDir(t, 'tartan-vec-');
  const u = new URL(url);
  u.searchParams.set('collection', uniqueName('vecimport'));
  const location = u.toString();
  t.after(() => dropPostgresCollection(location));
  const ms = await encode();
  writeFileSync(join(dir, 'keyed.npz'), perDocument(ms, ids));
  const r = tartan('index', location, '--vectors', join(dir, 'keyed.npz'), '--model', MODEL, '--no-progress', '--json');
  assert.equal(r.status, 0, r.stderr + r.stdout);
  assert.deepEqual([infoOf(location).documents, infoOf(location).model], [6, MODEL]);
  assert.equal(hitsOf(tartan('search', location, 'coffee keeps you awake', '--json'))[0].id, 'coffee');

  const nan = ms.map((m) => ({ ...m, data: Float32Array.from(m.data) }));
  nan[5].data[0] = NaN;
  writeFileSync(
    join(dir, 'nan.npz'),
    perDocument(
      nan,
      ids.map((id) => `${id}-2`),
    ),
  );
  const bad = tartan('index', location, '--vectors', join(dir, 'nan.npz'), '--json');
  assert.equal(errorOf(bad).code, 'E_NON_FINITE_VALUE');
  assert.match(errorOf(bad).message, /document "vitd-2" row 0 holds NaN/);
  const again = tartan('index', location, '--vectors', join(dir, 'keyed.npz'), '--json');
  assert.equal(errorOf(again).code, 'E_DUPLICATE_ID', 'the collection model is used without --model; its ids are refused');
  assert.equal(infoOf(location).documents, 6);
});
