import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { canCheck, canCompact, canDrop, isFolderBacked } from '../../src/stores/capabilities.js';
import type { VectorStore } from '../../src/stores/types.js';
import { FlatStore } from '../../src/stores/file/flat-store.js';
import { PlaidStore } from '../../src/stores/file/plaid-store.js';
import { openStore } from '../../src/stores/open.js';
import { Index } from '../../src/retrieval/index-facade.js';
import { ErrorCodes, isTartanError } from '../../src/core/errors.js';
import { clusteredBatch, tempDir } from './file/helpers.js';
import { pgTest, uniqueName } from './postgres/pg-test-env.js';

const dim = 16;

/** The four guards' answers, in a fixed order, so a test states them all at once. */
function capabilities(store: VectorStore): { check: boolean; compact: boolean; folder: boolean; drop: boolean } {
  return { check: canCheck(store), compact: canCompact(store), folder: isFolderBacked(store), drop: canDrop(store) };
}

test('file stores have every capability, and the guarded methods work', async (t) => {
  const dir = join(tempDir(t), 'flat');
  const flat = await FlatStore.create(dir, { dim });
  await flat.add([{ id: 'a' }, { id: 'b' }], clusteredBatch(2, dim, { seed: 2, minRows: 2, maxRows: 3 }));
  const store: VectorStore = flat;
  assert.deepEqual(capabilities(store), { check: true, compact: true, folder: true, drop: true });
  if (!canCheck(store) || !canCompact(store) || !isFolderBacked(store)) throw new Error('unreachable');
  assert.equal((await store.check()).ok, true);
  await store.delete(['a']);
  await store.compact();
  assert.deepEqual(store.documentIds().ids, ['b']);
  assert.equal(store.dir, dir);
  await flat.close();

  const plaid = await PlaidStore.create(join(tempDir(t), 'plaid'), { dim, centroids: 4 });
  assert.deepEqual(capabilities(plaid), { check: true, compact: true, folder: true, drop: true });
  await plaid.close();
});

test('a store with only the VectorStore methods has no capability', () => {
  const bare: VectorStore = {
    dim,
    add: async () => undefined,
    delete: async () => 0,
    search: async () => [],
    get: async () => [],
    info: async () => ({ kind: 'memory', documents: 0, tokens: 0, dim, bytesPerToken: 0 }),
    close: async () => undefined,
  };
  assert.deepEqual(capabilities(bare), { check: false, compact: false, folder: false, drop: false });
  // A `dir` alone is not enough to count as folder-backed, nor a non-function `check`.
  assert.equal(isFolderBacked({ ...bare, dir: '/x' } as VectorStore), false);
  assert.equal(canCheck({ ...bare, check: true } as unknown as VectorStore), false);
});

pgTest('the PostgreSQL store can only be dropped; the facade refuses compact and check on it', async (_t, base) => {
  const url = `${base}${base.includes('?') ? '&' : '?'}collection=${uniqueName('caps')}`;
  const index = await Index.create(url, { model: `lexical:${dim}` });
  try {
    await index.add([{ id: 'x', text: 'aspirin lowers fever' }]);
    await assert.rejects(index.compact(), (e) => isTartanError(e, ErrorCodes.INVALID_ARGUMENT) && /VACUUM/.test(e.message));
    await assert.rejects(index.check(), (e) => isTartanError(e, ErrorCodes.INVALID_ARGUMENT) && /amcheck/.test(e.message));
  } finally {
    await index.close();
  }
  const store = await openStore(url);
  assert.deepEqual(capabilities(store), { check: false, compact: false, folder: false, drop: true });
  if (!canDrop(store)) throw new Error('the PostgreSQL store should be droppable');
  await store.drop();
  await assert.rejects(openStore(url), (e) => isTartanError(e, ErrorCodes.INDEX_NOT_FOUND));
});
