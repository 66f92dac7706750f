import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { PlaidStore } from '../../../src/stores/file/plaid-store.js';
import { openFileStore } from '../../../src/stores/open.js';
import type { FileStore } from '../../../src/stores/file/file-store.js';
import { checkIndex } from '../../../src/stores/file/check.js';
import { isTartanError } from '../../../src/core/errors.js';
import { WriteLock, setTakeoverHook } from '../../../src/stores/file/lock.js';
import { matrixAt, packMatrices } from '../../../src/core/tensors.js';
import { clusteredBatch, queryFrom, tempDir } from './helpers.js';

const dim = 16,
  CENTROIDS = 8,
  GROUP = 5,
  STEPS = 14;
const batch = clusteredBatch(GROUP * (STEPS + 1) + 10, dim, { seed: 31, minRows: 4, maxRows: 10, topics: 12 });
const groupIds = (g: number) => Array.from({ length: GROUP }, (_, i) => `g${g}-${i}`);
const groupVectors = (g: number) =>
  packMatrices(
    Array.from({ length: GROUP }, (_, i) => matrixAt(batch, g * GROUP + i)),
    dim,
  );
const fixture = (name: string) => fileURLToPath(new URL(`./fixtures/${name}`, import.meta.url));
const everything = { k: 10_000, nprobe: CENTROIDS, ndocs: 10_000 };

/**
 * The writer's script: step s adds group s in one add, then deletes group s-2 in one
 * delete, and compacts every fourth step. Returns the group sets a reader may see.
 */
function publishedStates(): Set<string> {
  const states = new Set<string>();
  const live = new Set([0]);
  const key = () => [...live].sort((a, b) => a - b).join(',');
  states.add(key());
  for (let s = 1; s <= STEPS; s++) {
    live.add(s);
    states.add(key());
    if (s >= 2) {
      live.delete(s - 2);
      states.add(key());
    }
  }
  return states;
}

async function runWriter(w: FileStore, pause: number): Promise<void> {
  for (let s = 1; s <= STEPS; s++) {
    await w.add(
      groupIds(s).map((id) => ({ id })),
      groupVectors(s),
    );
    if (s >= 2) assert.equal(await w.delete(groupIds(s - 2)), GROUP);
    if (s % 4 === 0) await w.compact();
    await new Promise((r) => setTimeout(r, pause));
  }
}

/** The group set of a result, or a description of why it is not made of whole groups. */
function groupsOf(ids: readonly string[]): string {
  const counts = new Map<number, number>();
  for (const id of ids) {
    const g = Number(/^g(\d+)-\d$/.exec(id)?.[1] ?? NaN);
    counts.set(g, (counts.get(g) ?? 0) + 1);
  }
  const partial = [...counts].filter(([g, n]) => Number.isNaN(g) || n !== GROUP);
  if (partial.length) return `partial: ${ids.join(' ')}`;
  return [...counts.keys()].sort((a, b) => a - b).join(',');
}

test('concurrency: readers in this process and in another see whole snapshots while a writer adds, deletes and compacts', { timeout: 120_000 }, async (t) => {
  const dir = tempDir(t);
  const writer = await PlaidStore.create(dir, { dim, centroids: CENTROIDS });
  await writer.add(
    groupIds(0).map((id) => ({ id })),
    groupVectors(0),
  );
  const states = publishedStates();
  const seen = new Set<string>();
  const expectState = (ids: readonly string[], who: string) => {
    const g = groupsOf(ids);
    assert.ok(states.has(g), `${who} saw a state no write published: ${g}`);
    seen.add(`${who}:${g}`);
  };
  // Reader in another process.
  const child = spawn(process.execPath, [fixture('search-worker.js'), dir, String(CENTROIDS)], { stdio: ['pipe', 'pipe', 'inherit'] });
  const lines: string[] = [];
  const ready = new Promise<void>((resolve) =>
    createInterface({ input: child.stdout! }).on('line', (l) => {
      lines.push(l);
      if (l.includes('ready')) resolve();
    }),
  );
  const closed = new Promise((r) => child.on('close', r));
  await ready;
  // Readers in this process: another store object, and the writer's own object.
  const reader = await openFileStore(dir);
  let writing = true;
  const readLoop = async (store: FileStore, who: string) => {
    let n = 0;
    while (writing) {
      expectState(
        (await store.search(queryFrom(batch, n % 10, 4, n), everything)).map((h) => h.id),
        `${who} search`,
      );
      expectState(store.documentIds().ids, `${who} ids`);
      n++;
      await new Promise((r) => setImmediate(r));
    }
    return n;
  };
  const loops = Promise.all([readLoop(reader, 'reader'), readLoop(writer, 'writer')]);
  await runWriter(writer, 15).finally(() => {
    writing = false;
  });
  const [readerSearches] = await loops;
  child.stdin!.end();
  await closed;
  for (const l of lines.slice(1)) {
    const v = JSON.parse(l) as { search?: string[]; ids?: string[]; error?: string; message?: string };
    assert.equal(v.error, undefined, `the reader process got an error: ${v.message}`);
    expectState(v.search ?? v.ids!, v.search ? 'process search' : 'process ids');
  }
  expectState(
    (await reader.search(queryFrom(batch, 0, 4, 1), everything)).map((h) => h.id),
    'reader final',
  );
  assert.equal(
    groupsOf((await reader.search(queryFrom(batch, 0, 4, 1), everything)).map((h) => h.id)),
    `${STEPS - 1},${STEPS}`,
    'the reader ends on the last state',
  );
  const distinct = (who: string) => [...seen].filter((s) => s.startsWith(who)).length;
  t.diagnostic(
    `reader searches: ${readerSearches}, process lines: ${lines.length - 1}, distinct states seen: reader ${distinct('reader search')}, process ${distinct('process search')}, writer ${distinct('writer search')}`,
  );
  assert.ok(distinct('reader search') >= 3 && distinct('process search') >= 2, 'the readers ran while the writes happened');
  await reader.close();
  await writer.close();
  assert.ok((await checkIndex(dir)).ok);
});

test('concurrency: writes queued on one store object run one after another (no lost update)', async (t) => {
  const dir = tempDir(t);
  const w = await PlaidStore.create(dir, { dim, centroids: CENTROIDS });
  await w.add(
    groupIds(0).map((id) => ({ id })),
    groupVectors(0),
  );
  // Not awaited one by one: each must start from what the previous one published.
  const removed = await Promise.all([
    w
      .add(
        groupIds(1).map((id) => ({ id })),
        groupVectors(1),
      )
      .then(() => -1),
    w.delete(['g0-1']),
    w
      .add(
        groupIds(2).map((id) => ({ id })),
        groupVectors(2),
      )
      .then(() => -1),
    w.compact().then(() => -1),
    w.delete(['g1-0', 'g2-4']),
    w
      .add(
        groupIds(3).map((id) => ({ id })),
        groupVectors(3),
      )
      .then(() => -1),
  ]);
  assert.deepEqual(removed, [-1, 1, -1, -1, 2, -1]);
  const expected = [0, 1, 2, 3]
    .flatMap(groupIds)
    .filter((id) => !['g0-1', 'g1-0', 'g2-4'].includes(id))
    .sort();
  assert.deepEqual(w.documentIds().ids.sort(), expected);
  await w.close();
  const again = await openFileStore(dir);
  assert.deepEqual(again.documentIds().ids.sort(), expected);
  await again.close();
  assert.ok((await checkIndex(dir)).ok);
});

/** Runs the lock worker; resolves with its output lines. */
function lockWorker(args: string[]): Promise<string[]> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [fixture('lock-worker.js'), ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '',
      err = '';
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
    });
    child.stderr!.on('data', (d: Buffer) => {
      err += d.toString();
    });
    child.on('close', (code) => (code === 0 ? resolve(out.trim().split('\n')) : reject(new Error(`lock worker failed (${code}): ${err}`))));
  });
}

test('concurrency: a second writer, in this process or another, is refused with INDEX_LOCKED until the first closes', async (t) => {
  const dir = tempDir(t);
  const w = await PlaidStore.create(dir, { dim, centroids: CENTROIDS });
  await w.add(
    groupIds(0).map((id) => ({ id })),
    groupVectors(0),
  );
  const second = await openFileStore(dir);
  await assert.rejects(
    second.add(
      groupIds(1).map((id) => ({ id })),
      groupVectors(1),
    ),
    (e) => isTartanError(e, 'E_INDEX_LOCKED') && /being written by process \d+/.test(e.message),
  );
  await assert.rejects(second.delete(['g0-0']), (e) => isTartanError(e, 'E_INDEX_LOCKED'));
  await assert.rejects(second.compact(), (e) => isTartanError(e, 'E_INDEX_LOCKED'));
  assert.deepEqual(await lockWorker(['add', dir, 'other']), ['E_INDEX_LOCKED']);
  assert.equal((await w.get(['other'])).length, 0, 'the refused write left nothing behind');
  await w.close();
  assert.deepEqual(await lockWorker(['add', dir, 'other']), ['ok']);
  assert.equal((await second.get(['other'])).length, 1, 'the second process wrote once the first closed');
  await second.close();
  // A closed store says so instead of failing on its closed files.
  await assert.rejects(second.get(['other']), (e) => isTartanError(e, 'E_INVALID_ARGUMENT') && /closed/.test(e.message));
  await assert.rejects(second.delete(['other']), (e) => isTartanError(e, 'E_INVALID_ARGUMENT'));
  assert.ok((await checkIndex(dir)).ok);
});

test('concurrency: processes racing to take over a stale lock: exactly one wins', async (t) => {
  const dir = tempDir(t);
  // A pid above Linux's pid_max: no such process, so the lock is stale.
  writeFileSync(join(dir, 'write.lock'), JSON.stringify({ pid: 2 ** 22 + 12345, token: 'dead' }));
  const racers = Array.from({ length: 4 }, () => spawn(process.execPath, [fixture('lock-worker.js'), 'race', dir], { stdio: ['pipe', 'pipe', 'inherit'] }));
  const outputs = racers.map((c) => {
    const lines: string[] = [];
    const ready = new Promise<void>((resolve) =>
      createInterface({ input: c.stdout! }).on('line', (l) => {
        lines.push(l);
        if (l === 'ready') resolve();
      }),
    );
    return { lines, ready, closed: new Promise((r) => c.on('close', r)) };
  });
  await Promise.all(outputs.map((o) => o.ready));
  for (const c of racers) c.stdin!.end('go\n');
  await Promise.all(outputs.map((o) => o.closed));
  const results = outputs.map((o) => o.lines[1]).sort();
  assert.deepEqual(results, ['E_INDEX_LOCKED', 'E_INDEX_LOCKED', 'E_INDEX_LOCKED', 'got']);
});

test('lock: a rival that takes over the same stale lock between our look and our takeover wins alone', (t) => {
  const dir = tempDir(t);
  writeFileSync(join(dir, 'write.lock'), JSON.stringify({ pid: 2 ** 22 + 12345, token: 'dead' }));
  let rival: WriteLock | undefined;
  // The rival runs its whole takeover inside ours, right after we judged the lock stale.
  setTakeoverHook(() => {
    setTakeoverHook(undefined);
    rival = WriteLock.acquire(dir);
  });
  t.after(() => setTakeoverHook(undefined));
  assert.throws(
    () => WriteLock.acquire(dir),
    (e) => isTartanError(e, 'E_INDEX_LOCKED'),
  );
  assert.ok(rival, 'the rival took the lock');
  rival.assertHeld();
  const held = JSON.parse(readFileSync(join(dir, 'write.lock'), 'utf8')) as { pid: number };
  assert.equal(held.pid, process.pid);
  rival.release();
  WriteLock.acquire(dir).release();
});
