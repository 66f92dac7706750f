import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { FlatStore } from '../../../src/stores/file/flat-store.js';
import { LOCK_NAME } from '../../../src/stores/file/lock.js';
import { isTartanError } from '../../../src/core/errors.js';
import { clusteredBatch, tempDir } from './helpers.js';

const dim = 16;

test('a write that fails releases the write lock at once, and the next write takes it again', async (t) => {
  const dir = join(tempDir(t), 'idx');
  const store = await FlatStore.create(dir, { dim });
  t.after(() => store.close());
  await store.add([{ id: 'a' }], clusteredBatch(1, dim));
  assert.ok(existsSync(join(dir, LOCK_NAME)), 'a writer holds the lock between its writes');
  await assert.rejects(store.add([{ id: 'a' }], clusteredBatch(1, dim, { seed: 2 })), (e) => isTartanError(e, 'E_DUPLICATE_ID'));
  assert.ok(!existsSync(join(dir, LOCK_NAME)), 'the failed add left write.lock behind');
  await store.add([{ id: 'b' }], clusteredBatch(1, dim, { seed: 3 }));
  assert.deepEqual(store.documentIds().ids, ['a', 'b']);
});

test('a process that ends without closing its store leaves no write.lock (released on exit)', (t) => {
  const dir = join(tempDir(t), 'idx');
  const here = fileURLToPath(new URL('.', import.meta.url));
  const fromSource = import.meta.url.endsWith('.ts');
  const worker = join(here, 'fixtures', `lock-exit-worker.${fromSource ? 'ts' : 'js'}`);
  const r = spawnSync(process.execPath, [...(fromSource ? ['--import', 'tsx'] : []), worker, dir], { encoding: 'utf8' });
  assert.equal(r.stdout.trim(), 'added', r.stderr);
  assert.ok(existsSync(join(dir, 'manifest.json')));
  assert.ok(!existsSync(join(dir, LOCK_NAME)), 'the exiting process left write.lock behind');
});
