import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { withFileLock } from '../../../src/models/hub/lock.js';

const dir = mkdtempSync(join(tmpdir(), 'tartan-lock-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

test('holders of one lock never overlap, and the lock file is gone afterwards', async () => {
  const path = join(dir, 'a.lock');
  let inside = 0;
  let most = 0;
  const order: number[] = [];
  await Promise.all(
    [1, 2, 3].map((n) =>
      withFileLock(
        path,
        async () => {
          inside++;
          most = Math.max(most, inside);
          await sleep(30);
          order.push(n);
          inside--;
        },
        { pollMs: 5 },
      ),
    ),
  );
  assert.equal(most, 1);
  assert.equal(order.length, 3);
  assert.ok(!existsSync(path));
});

test('a lock left by a process that died on this host is taken over at once', async () => {
  const path = join(dir, 'dead.lock');
  // A pid that certainly belonged to a process that has exited.
  const deadPid = Number(execFileSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' }));
  writeFileSync(path, JSON.stringify({ pid: deadPid, host: hostname() }));
  const started = Date.now();
  const got = await withFileLock(path, async () => 'ran', { staleMs: 60_000 });
  assert.equal(got, 'ran');
  assert.ok(Date.now() - started < 5_000);
});

test('a lock not refreshed within staleMs is taken over; a fresh one is waited for', async () => {
  const path = join(dir, 'stale.lock');
  writeFileSync(path, JSON.stringify({ pid: 1, host: 'another-machine' }));
  const old = new Date(Date.now() - 10_000);
  utimesSync(path, old, old);
  assert.equal(await withFileLock(path, async () => 'stale taken', { staleMs: 1_000, pollMs: 5 }), 'stale taken');

  writeFileSync(path, JSON.stringify({ pid: 1, host: 'another-machine' }));
  let ran = false;
  const waiting = withFileLock(
    path,
    async () => {
      ran = true;
    },
    { staleMs: 60_000, pollMs: 5 },
  );
  await sleep(100);
  assert.equal(ran, false, 'a live foreign lock must be waited for');
  rmSync(path);
  await waiting;
  assert.equal(ran, true);
});
