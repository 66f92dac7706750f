import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, readFileSync, truncateSync, writeFileSync, appendFileSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { PlaidStore } from '../../../src/stores/file/plaid-store.js';
import { Index } from '../../../src/retrieval/index-facade.js';
import { FlatStore } from '../../../src/stores/file/flat-store.js';
import { openFileStore } from '../../../src/stores/open.js';
import { checkIndex } from '../../../src/stores/file/check.js';
import { MANIFEST_NAME, readManifest, referencedFiles, sha256, writeManifest } from '../../../src/stores/file/manifest.js';
import { setVerifyAtOpenLimit } from '../../../src/stores/file/verify.js';
import { setReadCacheBudget } from '../../../src/stores/file/read-positioned.js';
import { isTartanError } from '../../../src/core/errors.js';
import { matrixAt, packMatrices } from '../../../src/core/tensors.js';
import { clusteredBatch, queryFrom, tempDir } from './helpers.js';

const dim = 16;
const batch = clusteredBatch(24, dim, { seed: 5, minRows: 4, maxRows: 12, topics: 8 });
const part = (from: number, to: number) =>
  packMatrices(
    Array.from({ length: to - from }, (_, i) => matrixAt(batch, from + i)),
    dim,
  );
const docs = (from: number, to: number) =>
  Array.from({ length: to - from }, (_, i) => ({ id: `d${from + i}`, text: `text of document ${from + i}`, ...(i % 2 ? { metadata: { n: from + i } } : {}) }));
const ids = Array.from({ length: 24 }, (_, i) => `d${i}`);
const query = queryFrom(batch, 3, 4, 9);

/** A small index with every kind of file: two segments (plaid: a codebook too) and a tombstones file. */
async function build(dir: string, mode: 'plaid' | 'flat'): Promise<void> {
  const store = mode === 'plaid' ? await PlaidStore.create(dir, { dim, centroids: 8 }) : await FlatStore.create(dir, { dim, flatDtype: 'i8' });
  await store.add(docs(0, 12), part(0, 12));
  await store.add(docs(12, 24), part(12, 24));
  await store.delete(['d5', 'd17']);
  await store.close();
}

/** Opens, searches and fetches every document (which reads every file); resolves with nothing only when all of it worked. */
async function use(dir: string): Promise<void> {
  const store = await openFileStore(dir);
  try {
    const hits = await store.search(query, { k: 5, nprobe: 8, ndocs: 100 });
    assert.equal(hits[0]?.id, 'd3', 'an intact index finds the query document');
    const got = await store.get(ids);
    assert.equal(got.length, 22);
    assert.ok(got.every((d) => d.text === `text of document ${d.id.slice(1)}`));
  } finally {
    await store.close();
  }
}

type Damage = { name: string; apply: (path: string) => void };
const damages: Damage[] = [
  { name: 'flip first byte', apply: (p) => flip(p, () => 0) },
  { name: 'flip middle byte', apply: (p) => flip(p, (n) => n >> 1) },
  { name: 'flip last byte', apply: (p) => flip(p, (n) => n - 1) },
  { name: 'truncate to 0', apply: (p) => truncateSync(p, 0) },
  { name: 'drop last byte', apply: (p) => truncateSync(p, readFileSync(p).length - 1) },
  { name: 'truncate to half', apply: (p) => truncateSync(p, readFileSync(p).length >> 1) },
  { name: 'append a byte', apply: (p) => appendFileSync(p, Buffer.from([0])) },
];

function flip(path: string, at: (n: number) => number): void {
  const b = readFileSync(path);
  b[at(b.length)] ^= 0x01;
  writeFileSync(path, b);
}

function namesFile(e: unknown, file: string): boolean {
  return isTartanError(e, 'E_INDEX_CORRUPT') && (e.details as { file?: string } | undefined)?.file === file && e.message.includes(file);
}

/** Damages each file of a fresh copy in turn; open/search/get must fail naming it, and check must name it. */
async function sweep(t: { after: (fn: () => void) => void }, mode: 'plaid' | 'flat', kinds: Damage[]): Promise<number> {
  const base = tempDir(t);
  await build(base, mode);
  await use(base);
  assert.ok((await checkIndex(base)).ok, 'the intact index checks healthy');
  const files = [...referencedFiles(readManifest(base))].sort();
  assert.ok(files.length >= (mode === 'plaid' ? 16 : 12), `every kind of file is present: ${files.join(', ')}`);
  let cases = 0;
  for (const file of files) {
    for (const d of kinds) {
      const dir = tempDir(t);
      cpSync(base, dir, { recursive: true });
      d.apply(join(dir, file));
      const why = `${mode} ${file}, ${d.name}`;
      await assert.rejects(
        use(dir),
        (e) => namesFile(e, file) || assert.fail(`${why}: got ${String(e)} ${JSON.stringify((e as { details?: unknown }).details)}`),
        why,
      );
      const report = await checkIndex(dir);
      assert.equal(report.ok, false, `${why}: check reports damage`);
      assert.ok(
        report.problems.some((p) => p.file === file && p.code === 'E_INDEX_CORRUPT'),
        `${why}: check names the file: ${JSON.stringify(report.problems)}`,
      );
      cases++;
    }
  }
  return cases;
}

test('corruption: a flipped, truncated or extended byte in any file of a plaid index is a coded error naming the file', async (t) => {
  const n = await sweep(t, 'plaid', damages);
  t.diagnostic(`${n} damaged copies`);
});

test('corruption: the same for a flat (int8) index', async (t) => {
  const n = await sweep(t, 'flat', damages);
  t.diagnostic(`${n} damaged copies`);
});

test('corruption: large files verified lazily still never yield results (checked on first read)', async (t) => {
  setVerifyAtOpenLimit(0);
  setReadCacheBudget(0);
  t.after(() => {
    setVerifyAtOpenLimit(64 * 2 ** 20);
    setReadCacheBudget(256 * 2 ** 20);
  });
  const kinds = [damages[1], damages[4]];
  await sweep(t, 'plaid', kinds);
  await sweep(t, 'flat', kinds);
  // The lazy path itself: damaged residuals open fine, then every search fails.
  const dir = tempDir(t);
  await build(dir, 'plaid');
  const residuals = readManifest(dir).segments[0].files.residuals.name;
  flip(join(dir, residuals), (n) => n >> 1);
  const store = await openFileStore(dir);
  for (let i = 0; i < 2; i++) await assert.rejects(store.search(query, { k: 5, nprobe: 8, ndocs: 100 }), (e) => namesFile(e, residuals));
  await store.close();
});

test('check: tables that disagree under valid checksums are found (inverted lists, tombstone count)', async (t) => {
  const dir = tempDir(t);
  await build(dir, 'plaid');
  const m = readManifest(dir);
  // Rewrite segment 1's inverted lists as all empty, with a matching checksum.
  const ivf = m.segments[0].files.ivf;
  const empty = Buffer.alloc((m.codebook!.centroids + 1) * 4);
  writeFileSync(join(dir, ivf.name), empty);
  m.segments[0].files.ivf = { name: ivf.name, bytes: empty.length, sha256: sha256(empty) };
  m.deleted = 3;
  writeManifest(dir, m);
  const report = await checkIndex(dir);
  assert.equal(report.ok, false);
  assert.ok(
    report.problems.some((p) => p.file === ivf.name && /inverted lists disagree/.test(p.message)),
    JSON.stringify(report.problems),
  );
  assert.ok(
    report.problems.some((p) => p.file === m.tombstones!.name && /3 deleted/.test(p.message)),
    JSON.stringify(report.problems),
  );
});

test('manifest: version 1 manifests (no checksum) still open; a version 2 manifest without its checksum does not', async (t) => {
  const dir = tempDir(t);
  await build(dir, 'flat');
  const { sha256: _s, ...m } = JSON.parse(readFileSync(join(dir, MANIFEST_NAME), 'utf8')) as Record<string, unknown>;
  writeFileSync(join(dir, MANIFEST_NAME), JSON.stringify({ ...m, version: 1 }, null, 1));
  await use(dir);
  assert.ok((await checkIndex(dir)).ok);
  writeFileSync(join(dir, MANIFEST_NAME), JSON.stringify({ ...m, version: 2 }, null, 1));
  await assert.rejects(openFileStore(dir), (e) => namesFile(e, MANIFEST_NAME));
});

test('tartan check: exit code 0 and a report when healthy, 1 with coded problems naming the file when damaged', async (t) => {
  const dir = tempDir(t);
  await build(dir, 'plaid');
  const cli = fileURLToPath(new URL('../../../src/cli/main.js', import.meta.url));
  const ok = spawnSync(process.execPath, [cli, 'check', dir], { encoding: 'utf8' });
  assert.equal(ok.status, 0, ok.stderr);
  assert.match(ok.stdout, /healthy/);
  assert.match(ok.stdout, /22 live documents \(2 deleted\)/);
  const codes = readManifest(dir).segments[1].files.codes.name;
  flip(join(dir, codes), () => 3);
  const bad = spawnSync(process.execPath, [cli, 'check', dir, '--json'], { encoding: 'utf8' });
  assert.equal(bad.status, 1, bad.stderr);
  const report = JSON.parse(bad.stdout) as { ok: boolean; problems: Array<{ code: string; file: string; reason: string }> };
  assert.equal(report.ok, false);
  assert.deepEqual(
    report.problems.map((p) => [p.code, p.file, p.reason]),
    [['E_INDEX_CORRUPT', codes, 'checksum']],
  );
  const human = spawnSync(process.execPath, [cli, 'check', dir], { encoding: 'utf8' });
  assert.equal(human.status, 1);
  assert.match(human.stdout, new RegExp(`E_INDEX_CORRUPT  ${codes.replace('.', '\\.')}: .*sha256`));
});

test('Index.check: the facade reports a healthy index, then the damaged file', async (t) => {
  const dir = tempDir(t);
  const index = await Index.create(dir, { model: 'lexical' });
  await index.add(['Aspirin reduces fever.', 'Green tea contains caffeine.', 'Rivers flow into the sea.'].map((text, i) => ({ id: `t${i}`, text })));
  const healthy = await index.check();
  assert.equal(healthy.ok, true, JSON.stringify(healthy.problems));
  assert.equal(healthy.documents, 3);
  const text = readManifest(dir).segments[0].files.text.name;
  flip(join(dir, text), () => 0);
  const damaged = await index.check();
  assert.deepEqual(
    damaged.problems.map((p) => [p.file, p.reason]),
    [[text, 'checksum']],
  );
  await index.close();
});
