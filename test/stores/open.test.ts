import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { dropStore, isPostgresLocation, openFileStore, openStore } from '../../src/stores/open.js';
import { isPostgresLocation as fromLocation } from '../../src/stores/location.js';
import { isPostgresUrl } from '../../src/stores/postgres/connection.js';
import { FlatStore } from '../../src/stores/file/flat-store.js';
import { PlaidStore } from '../../src/stores/file/plaid-store.js';
import { ErrorCodes, isTartanError } from '../../src/core/errors.js';
import { clusteredBatch, tempDir } from './file/helpers.js';

const dim = 16;
const docs = (n: number) => Array.from({ length: n }, (_, i) => ({ id: `d${i}`, text: `text ${i}` }));

async function flatIndex(dir: string, n = 5): Promise<void> {
  const store = await FlatStore.create(dir, { dim });
  await store.add(docs(n), clusteredBatch(n, dim, { seed: 3, minRows: 2, maxRows: 4 }));
  await store.close();
}

test('location mapping: postgres:// and postgresql:// URLs (any case) are PostgreSQL, anything else a folder', () => {
  for (const url of ['postgres://u@h/db', 'postgresql://u:p@h:5432/db?collection=c', 'POSTGRES://h/db', 'PostgreSQL://h/db']) {
    assert.equal(isPostgresLocation(url), true, url);
  }
  for (const dir of ['./postgres', 'postgres', 'postgres:/x', 'my-index', '/data/postgres://x', 'mysql://h/db', '']) {
    assert.equal(isPostgresLocation(dir), false, dir);
  }
});

test('location mapping has one definition: open.ts and the PostgreSQL module use location.ts', () => {
  assert.equal(isPostgresLocation, fromLocation);
  assert.equal(isPostgresUrl, fromLocation);
});

/** The repository root, found upwards from this file (it runs from test/ or from dist/test/). */
function repoRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'package.json')) || !existsSync(join(dir, 'src', 'stores', 'location.ts'))) {
    const up = dirname(dir);
    if (up === dir) throw new Error('repository root not found');
    dir = up;
  }
  return dir;
}

function sourceFiles(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...sourceFiles(p));
    else if (name.endsWith('.ts')) out.push(p);
  }
  return out;
}

test('no other source file tests for PostgreSQL URLs with its own pattern', () => {
  const root = repoRoot();
  const own = join(root, 'src', 'stores', 'location.ts');
  const offenders = [...sourceFiles(join(root, 'src')), ...sourceFiles(join(root, 'bench'))].filter(
    (f) => f !== own && /postgres\(ql\)\?/i.test(readFileSync(f, 'utf8')),
  );
  assert.deepEqual(offenders, []);
});

test('openStore: a folder opens as the store its manifest names', async (t) => {
  const flat = join(tempDir(t), 'flat');
  await flatIndex(flat);
  const a = await openStore(flat);
  assert.ok(a instanceof FlatStore);
  assert.equal((await a.info()).documents, 5);
  await a.close();
  const plaid = join(tempDir(t), 'plaid');
  const p = await PlaidStore.create(plaid, { dim, centroids: 4 });
  await p.add(docs(20), clusteredBatch(20, dim, { seed: 5 }));
  await p.close();
  const b = await openFileStore(plaid);
  assert.ok(b instanceof PlaidStore);
  await b.close();
});

test('openStore: a folder without a manifest is INDEX_NOT_FOUND', async (t) => {
  const dir = tempDir(t);
  await assert.rejects(openStore(dir), (e) => isTartanError(e, ErrorCodes.INDEX_NOT_FOUND));
});

test('openStore: a postgres:// URL goes to the PostgreSQL store (unreachable here: DB_UNREACHABLE, not a missing folder)', async () => {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  await assert.rejects(openStore(`postgres://nobody@127.0.0.1:${port}/none`), (e) => isTartanError(e, ErrorCodes.DB_UNREACHABLE));
});

test('dropStore: removes the index folder with its side data', async (t) => {
  const dir = join(tempDir(t), 'idx');
  await flatIndex(dir);
  mkdirSync(join(dir, 'bm25'));
  writeFileSync(join(dir, 'bm25', 'postings.bin'), 'x');
  mkdirSync(join(dir, 'dense'));
  writeFileSync(join(dir, 'dense', 'vectors.bin'), 'y');
  const { dropped, info } = await dropStore(dir);
  assert.equal(dropped, true);
  assert.equal(info.documents, 5);
  assert.equal(existsSync(dir), false);
  // Nothing is left beside it either (the folder is renamed aside before removal).
  assert.deepEqual(readdirSync(dirname(dir)), []);
});

test('dropStore: a folder that is not an index is refused and left untouched', async (t) => {
  const dir = tempDir(t);
  writeFileSync(join(dir, 'notes.txt'), 'mine');
  await assert.rejects(dropStore(dir), (e) => isTartanError(e, ErrorCodes.INDEX_NOT_FOUND));
  assert.equal(readFileSync(join(dir, 'notes.txt'), 'utf8'), 'mine');
  await assert.rejects(dropStore(join(dir, 'missing')), (e) => isTartanError(e, ErrorCodes.INDEX_NOT_FOUND));
});

test('dropStore: a declined confirmation keeps the index; the confirmation sees its info', async (t) => {
  const dir = join(tempDir(t), 'idx');
  await flatIndex(dir, 3);
  let asked = -1;
  const r = await dropStore(dir, {
    confirm: (info) => {
      asked = info.documents;
      return false;
    },
  });
  assert.equal(asked, 3);
  assert.equal(r.dropped, false);
  const store = await openStore(dir);
  assert.equal((await store.info()).documents, 3);
  await store.close();
});

test('dropStore: refused with INDEX_LOCKED while another writer holds the index', async (t) => {
  const dir = join(tempDir(t), 'idx');
  await flatIndex(dir, 3);
  const writer = await FlatStore.open(dir);
  // A delete of nothing still takes the write lock, which the writer keeps until closed.
  await writer.delete(['nope']);
  await assert.rejects(dropStore(dir), (e) => isTartanError(e, ErrorCodes.INDEX_LOCKED));
  assert.ok(existsSync(join(dir, 'manifest.json')));
  await writer.close();
  assert.equal((await dropStore(dir)).dropped, true);
  assert.equal(existsSync(dir), false);
});

test('FileStore.drop: the store is closed afterwards', async (t) => {
  const dir = join(tempDir(t), 'idx');
  await flatIndex(dir, 2);
  const store = await FlatStore.open(dir);
  await store.drop();
  assert.equal(existsSync(dir), false);
  await assert.rejects(store.get(['d0']), (e) => isTartanError(e, ErrorCodes.INVALID_ARGUMENT) && /closed/.test(e.message));
  await store.close();
});
