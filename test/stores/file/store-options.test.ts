/**
 * The direct store API (PlaidStore / FlatStore, without the Index facade)
 * under bad options: every bad search option, query and creation setting is
 * refused with a coded error naming it, before anything is scored or written.
 *
 * A non-number nprobe used to reach the native PLAID probe, whose argument
 * conversion aborts Node (`FATAL ERROR: ... napi_throw`): a regression would
 * kill this test runner, so those cases run in child processes that must exit
 * normally after printing the coded error. The other cases run in-process.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PlaidStore } from '../../../src/stores/file/plaid-store.js';
import { Snapshot } from '../../../src/stores/file/snapshot.js';
import { FlatStore } from '../../../src/stores/file/flat-store.js';
import type { FileStore } from '../../../src/stores/file/file-store.js';
import { DEFAULT_SETTINGS } from '../../../src/stores/file/file-store.js';
import { MANIFEST_NAME, readManifest, serializeManifest, sha256, writeManifest } from '../../../src/stores/file/manifest.js';
import { openFileStore } from '../../../src/stores/open.js';
import { isTartanError } from '../../../src/core/errors.js';
import type { StoreSearchOptions } from '../../../src/stores/types.js';
import type { TokenMatrix } from '../../../src/core/tensors.js';
import { clusteredBatch, queryFrom, tempDir } from './helpers.js';

const dim = 16;
const batch = clusteredBatch(40, dim, { seed: 3, minRows: 4, maxRows: 10, topics: 8 });
const docs = Array.from({ length: 40 }, (_, i) => ({ id: `d${i}`, text: `text ${i}`, metadata: { n: i } }));
const query = queryFrom(batch, 7, 6, 21);

async function build(t: { after: (fn: () => void) => void }, mode: 'plaid' | 'flat'): Promise<{ dir: string; store: FileStore }> {
  const dir = tempDir(t, 'tartan-opts-');
  const store = mode === 'plaid' ? await PlaidStore.create(dir, { dim, centroids: 8 }) : await FlatStore.create(dir, { dim });
  await store.add(docs, batch);
  return { dir, store };
}

/** Rejects with a coded error (`code` when given) whose message matches `field`, and never another kind of error. */
async function refused(p: Promise<unknown>, field: RegExp, code?: string): Promise<void> {
  await assert.rejects(p, (e: unknown) => {
    assert.ok(isTartanError(e), `not a coded error: ${String((e as Error)?.stack ?? e)}`);
    if (code) assert.equal(e.code, code, e.message);
    assert.match(e.message, field);
    return true;
  });
}

const badSearch: Array<[string, StoreSearchOptions, RegExp]> = [
  ['nprobe 0', { nprobe: 0 }, /nprobe/],
  ['nprobe NaN', { nprobe: NaN }, /nprobe/],
  ['nprobe -1', { nprobe: -1 }, /nprobe/],
  ['nprobe 1e12', { nprobe: 1e12 }, /nprobe/],
  ['nprobe 2.5', { nprobe: 2.5 }, /nprobe/],
  ['nprobe Infinity', { nprobe: Infinity }, /nprobe/],
  // used to return [] without a word, or blame k
  ['ndocs 0', { ndocs: 0 }, /^ndocs/],
  ['ndocs "3"', { ndocs: '3' as unknown as number }, /^ndocs/],
  ['ndocs -1', { ndocs: -1 }, /^ndocs/],
  ['ndocs 2.5', { ndocs: 2.5 }, /^ndocs/],
  ['k "3"', { k: '3' as unknown as number }, /^k /],
  ['k -1', { k: -1 }, /^k /],
  // falsy filters used to be ignored (every document returned)
  ['filter 0', { filter: 0 as never }, /filter/],
  ['filter ""', { filter: '' as never }, /filter/],
  ['filter false', { filter: false as never }, /filter/],
  ['filter "x"', { filter: 'x' as never }, /filter/],
  // a string of candidates used to be split into one-character ids
  ['candidates "d1"', { candidates: 'd1' as unknown as string[] }, /candidates/],
  ['candidates [1]', { candidates: [1] as unknown as string[] }, /candidates/],
  ['weights [1, 2]', { weights: [1, 2] as unknown as Float32Array }, /weights/],
];

for (const mode of ['plaid', 'flat'] as const) {
  test(`${mode} store: bad search options are refused with a coded error naming the option`, async (t) => {
    const { store } = await build(t, mode);
    try {
      assert.equal((await store.search(query, { k: 3 }))[0]?.id, 'd7', 'the intact store finds the query document');
      for (const [name, options, field] of badSearch) {
        await t.test(name, () => refused(store.search(query, options), field));
      }
      await refused(store.search(query, 'k=3' as unknown as StoreSearchOptions), /search options must be an object/);
      // null options mean none, as an absent argument does
      assert.equal((await store.search(query, null as unknown as StoreSearchOptions))[0]?.id, 'd7');
    } finally {
      await store.close();
    }
  });

  test(`${mode} store: a query that is not a finite TokenMatrix is refused with a code (a null query was a TypeError)`, async (t) => {
    const { store } = await build(t, mode);
    try {
      const bad: Array<[string, unknown]> = [
        ['null', null],
        ['undefined', undefined],
        ['a string', 'fever'],
        ['{}', {}],
        ['plain array data', { data: Array.from(query.data), rows: query.rows, dim }],
        ['rows past the data', { data: query.data, rows: query.rows + 1, dim }],
        ['fractional rows', { data: query.data, rows: 1.5, dim }],
        // String() of these throws: the messages must not use it
        ['rows an object without a usable toString', { data: query.data, rows: { toString: '' }, dim }],
        ['dim an object without a usable toString', { data: query.data, rows: query.rows, dim: { toString: '' } }],
        ['a NaN value', { data: Float32Array.from(query.data, (v, i) => (i === 5 ? NaN : v)), rows: query.rows, dim }],
      ];
      for (const [name, q] of bad) {
        await assert.rejects(store.search(q as TokenMatrix, { k: 3 }), (e: unknown) => isTartanError(e), name);
      }
      assert.deepEqual(await store.search({ data: new Float32Array(0), rows: 0, dim }, { k: 3 }), [], 'an empty query finds nothing');
    } finally {
      await store.close();
    }
  });
}

test('plaid store: an nprobe above the centroid count searches all centroids (no rows x nprobe probe table)', async (t) => {
  const { store } = await build(t, 'plaid');
  try {
    // 300 rows x 2^24 probes would be a typed array past the maximum length (or gigabytes below it).
    const long = queryFrom(batch, 7, 300, 22);
    const all = await store.search(long, { k: 5, nprobe: 8, ndocs: 40 });
    const most = await store.search(long, { k: 5, nprobe: 1 << 24, ndocs: 40 });
    assert.deepEqual(
      most.map((h) => [h.id, h.score]),
      all.map((h) => [h.id, h.score]),
    );
    assert.equal(all[0].id, 'd7');
  } finally {
    await store.close();
  }
});

test('store creation: bad settings are refused before anything is written; an explicit undefined takes the default', async (t) => {
  const bad: Array<[string, 'plaid' | 'flat', Record<string, unknown>, RegExp]> = [
    ['chunkTokens NaN', 'plaid', { chunkTokens: NaN }, /chunkTokens/],
    ['chunkTokens -1', 'flat', { chunkTokens: -1 }, /chunkTokens/],
    ['chunkOverlap >= chunkTokens', 'plaid', { chunkTokens: 4, chunkOverlap: 4 }, /chunkOverlap/],
    ['chunkOverlap 1.5', 'flat', { chunkTokens: 8, chunkOverlap: 1.5 }, /chunkOverlap/],
    ['centroids -1', 'plaid', { centroids: -1 }, /centroids/],
    ['centroids 1.5', 'plaid', { centroids: 1.5 }, /centroids/],
    ['centroids "8"', 'plaid', { centroids: '8' }, /centroids/],
    ['nprobe 0', 'plaid', { nprobe: 0 }, /nprobe/],
    ['nprobe "3"', 'plaid', { nprobe: '3' }, /nprobe/],
    ['nprobe [null]', 'flat', { nprobe: [null] }, /nprobe/],
    ['ndocs 0', 'plaid', { ndocs: 0 }, /ndocs/],
    ['ndocs 2.5', 'flat', { ndocs: 2.5 }, /ndocs/],
    ['poolFactor 0', 'plaid', { poolFactor: 0 }, /poolFactor/],
    ['nbits 3', 'plaid', { nbits: 3 }, /nbits/],
    ['flatDtype f32', 'flat', { flatDtype: 'f32' }, /flatDtype/],
    ['model 5', 'flat', { model: 5 }, /model/],
    ['dim 0', 'plaid', { dim: 0 }, /dim/],
    ['dim 2^20', 'flat', { dim: 2 ** 20 }, /dim/],
    ['dim "16"', 'plaid', { dim: '16' }, /dim/],
    ['dim an object without a usable toString', 'flat', { dim: { toString: '' } }, /dim/],
  ];
  for (const [name, mode, settings, field] of bad) {
    const dir = join(tempDir(t, 'tartan-create-'), 'idx');
    const create = mode === 'plaid' ? PlaidStore.create.bind(PlaidStore) : FlatStore.create.bind(FlatStore);
    await refused(create(dir, { dim, ...settings } as never), field, 'E_INVALID_ARGUMENT').catch((e: Error) => {
      throw new Error(`${name}: ${e.message}`);
    });
    assert.equal(existsSync(join(dir, MANIFEST_NAME)), false, `${name}: no manifest written`);
  }
  // (the stores spread the options with their mode, so null arrives as no dim)
  await refused(PlaidStore.create(join(tempDir(t), 'x'), null as never), /dim/, 'E_INVALID_ARGUMENT');

  // A forwarded optional flag (explicit undefined) used to be written as a missing setting.
  const dir = tempDir(t, 'tartan-create-');
  const store = await PlaidStore.create(dir, { dim, nprobe: undefined, ndocs: undefined, chunkTokens: undefined, centroids: undefined } as never);
  await store.close();
  const s = readManifest(dir).settings;
  assert.deepEqual(
    { nprobe: s.nprobe, ndocs: s.ndocs, chunkTokens: s.chunkTokens, centroids: s.centroids },
    { nprobe: DEFAULT_SETTINGS.nprobe, ndocs: DEFAULT_SETTINGS.ndocs, chunkTokens: DEFAULT_SETTINGS.chunkTokens, centroids: DEFAULT_SETTINGS.centroids },
  );
});

test('snapshot: a manifest handed over directly (not through readManifest) still cannot name a file outside the folder', async (t) => {
  const { dir, store } = await build(t, 'flat');
  await store.close();
  const m = readManifest(dir);
  const docs = m.segments[0].files.docs;
  // A byte-identical copy outside the folder: only the name check stops the read.
  const outside = join(dir, '..', `${docs.name}-outside`);
  cpSync(join(dir, docs.name), outside);
  t.after(() => rmSync(outside, { force: true }));
  for (const name of [`../${docs.name}-outside`, outside]) {
    const lying = structuredClone(m);
    lying.segments[0].files.docs = { ...docs, name };
    assert.throws(
      () => new Snapshot(dir, lying),
      (e: unknown) => isTartanError(e) && e.code === 'E_INDEX_CORRUPT' && /outside the index folder/.test(e.message),
      name,
    );
  }
});

test('snapshot: signed tables that lie (a code past the centroids, a document id that is not a string) are refused at open', async (t) => {
  const { dir, store } = await build(t, 'plaid');
  await store.close();
  const good = readFileSync(join(dir, MANIFEST_NAME), 'utf8');
  /** Rewrites file `role` of segment 0 and re-signs the manifest, so only the table checks can catch the lie. */
  const lie = (role: 'codes' | 'docs', change: (b: Buffer) => Buffer) => {
    writeFileSync(join(dir, MANIFEST_NAME), good);
    const m = readManifest(dir);
    const f = m.segments[0].files[role];
    const bytes = change(readFileSync(join(dir, f.name)));
    const name = `${f.name}.lie`;
    writeFileSync(join(dir, name), bytes);
    m.segments[0].files[role] = { name, bytes: bytes.length, sha256: sha256(bytes) };
    writeManifest(dir, m);
    return name;
  };
  // codes are uint16 here (8 centroids): code 8 would index past the centroid scores
  const codes = lie('codes', (b) => {
    const c = Buffer.from(b);
    c.writeUInt16LE(8, 2);
    return c;
  });
  await assert.rejects(
    openFileStore(dir),
    (e: unknown) => isTartanError(e) && e.code === 'E_INDEX_CORRUPT' && (e.details as { file?: string }).file === codes && /code 8/.test(e.message),
  );
  const docs = lie('docs', (b) => Buffer.from(b.toString('utf8').replace('"id":"d1"', '"id":1')));
  await assert.rejects(
    openFileStore(dir),
    (e: unknown) => isTartanError(e) && e.code === 'E_INDEX_CORRUPT' && (e.details as { file?: string }).file === docs && /no id string/.test(e.message),
  );
});

/** The child: opens the index at argv[1], searches with the options JSON in argv[2], prints the outcome as one JSON line. */
const ext = import.meta.url.endsWith('.ts') ? 'ts' : 'js';
const openStoreUrl = new URL(`../../../src/stores/open.${ext}`, import.meta.url).href;
const child = `
const { openFileStore } = await import(${JSON.stringify(openStoreUrl)});
const [dir, options] = [process.argv[1], JSON.parse(process.argv[2])];
try {
  const store = await openFileStore(dir);
  try {
    const q = { data: new Float32Array(3 * store.dim).fill(1 / Math.sqrt(store.dim)), rows: 3, dim: store.dim };
    const hits = await store.search(q, options);
    console.log(JSON.stringify({ outcome: 'ok', hits: hits.length }));
  } finally { await store.close(); }
} catch (e) {
  console.log(JSON.stringify(typeof e?.code === 'string' ? { outcome: 'coded', code: e.code, message: e.message } : { outcome: 'uncoded', error: String(e) }));
}
`;

function inChild(dir: string, options: unknown): { outcome: string; code?: string; message?: string } {
  const r = spawnSync(process.execPath, [...(ext === 'ts' ? ['--import', 'tsx'] : []), '--input-type=module', '-e', child, dir, JSON.stringify(options)], {
    encoding: 'utf8',
    timeout: 120_000,
  });
  // An abort shows as a signal (SIGABRT) or a non-zero status with FATAL ERROR on stderr.
  assert.equal(r.signal, null, `child killed by ${r.signal}: ${r.stderr}`);
  assert.equal(r.status, 0, `child exited ${r.status}: ${/FATAL ERROR: [^\n]*/.exec(r.stderr)?.[0] ?? r.stderr}`);
  return JSON.parse(r.stdout.trim().split('\n').at(-1)!);
}

test(
  'direct store search: a non-number nprobe (which aborted Node in the native probe) is a coded error, in option or manifest',
  { timeout: 300_000 },
  async (t) => {
    const { dir: plaid, store: p } = await build(t, 'plaid');
    await p.close();
    const { dir: flat, store: f } = await build(t, 'flat');
    await f.close();
    const cases: Array<[string, string, unknown, string, RegExp]> = [
      ['plaid, nprobe "3"', plaid, { k: 3, nprobe: '3' }, 'E_INVALID_ARGUMENT', /nprobe/],
      ['plaid, nprobe [null]', plaid, { k: 3, nprobe: [null] }, 'E_INVALID_ARGUMENT', /nprobe/],
      ['plaid, nprobe {}', plaid, { k: 3, nprobe: {} }, 'E_INVALID_ARGUMENT', /nprobe/],
      ['flat, nprobe "3"', flat, { k: 3, nprobe: '3' }, 'E_INVALID_ARGUMENT', /nprobe/],
    ];
    // The same values as the index's default, from a re-signed manifest and from an unsigned version 1 one.
    const good = JSON.parse(readFileSync(join(plaid, MANIFEST_NAME), 'utf8')) as Record<string, unknown> & { settings: Record<string, unknown> };
    for (const [name, value, signed] of [
      ['[null]', [null], true],
      ['"3"', '3', false],
    ] as const) {
      const dir = join(tempDir(t, 'tartan-opts-'), 'idx');
      cpSync(plaid, dir, { recursive: true });
      const m: Record<string, unknown> = { ...good, settings: { ...good.settings, nprobe: value } };
      delete m.sha256;
      writeFileSync(join(dir, MANIFEST_NAME), signed ? serializeManifest(m as never) : JSON.stringify({ ...m, version: 1 }));
      cases.push([`manifest settings.nprobe ${name}`, dir, { k: 3 }, 'E_INDEX_CORRUPT', /settings\.nprobe/]);
    }
    for (const [name, dir, options, code, field] of cases) {
      const out = inChild(dir, options);
      assert.equal(out.outcome, 'coded', `${name}: ${JSON.stringify(out)}`);
      assert.equal(out.code, code, `${name}: ${out.message}`);
      assert.match(out.message!, field, name);
    }
    // The child itself works: a good search there finds hits.
    assert.deepEqual(inChild(plaid, { k: 3 }), { outcome: 'ok', hits: 3 });
  },
);
