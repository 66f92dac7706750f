import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { PlaidStore } from '../../../src/stores/file/plaid-store.js';
import { FlatStore } from '../../../src/stores/file/flat-store.js';
import { openFileStore } from '../../../src/stores/open.js';
import { checkIndex } from '../../../src/stores/file/check.js';
import { WriteLock } from '../../../src/stores/file/lock.js';
import { seededRandom } from '../../../src/plaid/kmeans.js';
import { isTartanError } from '../../../src/core/errors.js';
import { packMatrices } from '../../../src/core/tensors.js';
import { killId, killMatrix, KILL_DIM } from './fixtures/kill-data.js';
import { tempDir } from './helpers.js';

const worker = fileURLToPath(new URL('./fixtures/kill-worker.js', import.meta.url));
const CENTROIDS = 16;

type Target = 'add' | 'delete' | 'compact' | 'any';
interface Killed {
  lines: string[];
  pid: number;
  phase: string;
}

/**
 * Runs a worker and SIGKILLs it: `delay` ms after it begins an operation of
 * kind `target` (after it is ready for 'any'). Resolves once its output is closed.
 */
function runAndKill(dir: string, seed: number, firstId: number, target: Target, delay: number): Promise<Killed> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [worker, dir, String(seed), String(firstId)], { stdio: ['ignore', 'pipe', 'pipe'] });
    const lines: string[] = [];
    let stderr = '';
    let armed = false;
    const arm = () => {
      armed = true;
      setTimeout(() => child.kill('SIGKILL'), delay);
    };
    // A worker that never reaches its target (or hangs) fails the round instead of the whole suite.
    const guard = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`worker never began a ${target} (seed ${seed}); output: ${lines.slice(-5).join(' | ')} ${stderr}`));
    }, 20_000);
    createInterface({ input: child.stdout! }).on('line', (line) => {
      lines.push(line);
      if (armed) return;
      if (target === 'any' ? line.startsWith('ready') : line.startsWith(`begin ${target}`)) arm();
    });
    child.stderr!.on('data', (d: Buffer) => {
      stderr += d.toString();
    });
    child.on('close', (code, signal) => {
      clearTimeout(guard);
      if (signal !== 'SIGKILL') return reject(new Error(`worker exited by itself (code ${code}): ${stderr}`));
      const last = lines.at(-1) ?? '';
      resolve({ lines, pid: child.pid!, phase: last.startsWith('begin') ? `in ${last.split(' ')[1]}` : 'between operations' });
    });
  });
}

/** What the parent knows for sure: ids that must be live, ids that must be gone. */
interface Truth {
  live: Set<string>;
  dead: Set<string>;
}

/** After a kill: the index opens, checks healthy, and holds every acknowledged add and no acknowledged delete. */
async function verify(dir: string, killed: Killed, killedPids: ReadonlySet<number>, truth: Truth, rand: () => number): Promise<void> {
  const begun = { add: new Set<string>(), delete: new Set<string>() };
  const acked = { add: new Set<string>(), delete: new Set<string>() };
  for (const line of killed.lines) {
    const [kind, op, list] = line.split(' ');
    if ((kind === 'begin' || kind === 'ack') && (op === 'add' || op === 'delete'))
      for (const id of list.split(',')) (kind === 'begin' ? begun : acked)[op].add(id);
  }
  // A stale lock names a killed writer: this one, or an earlier one when this one died before taking it over
  // (under load a kill can land before the takeover); the next writer must take it over either way.
  if (existsSync(join(dir, 'write.lock'))) {
    const holder = (JSON.parse(readFileSync(join(dir, 'write.lock'), 'utf8')) as { pid: number }).pid;
    assert.ok(killedPids.has(holder), `the lock names pid ${holder}, which is no killed writer (${[...killedPids].join(', ')})`);
  }
  const report = await checkIndex(dir);
  assert.ok(report.ok, `check after a kill ${killed.phase}: ${JSON.stringify(report.problems)}`);
  const store = await openFileStore(dir);
  try {
    const present = new Set(store.documentIds().ids);
    const why = (id: string) => `${id} after a kill ${killed.phase} (last lines: ${killed.lines.slice(-3).join(' | ')})`;
    for (const id of [...truth.live, ...acked.add]) if (!begun.delete.has(id)) assert.ok(present.has(id), `acknowledged/known document lost: ${why(id)}`);
    for (const id of [...truth.dead, ...acked.delete]) assert.ok(!present.has(id), `deleted document is back: ${why(id)}`);
    for (const id of present) assert.ok(truth.live.has(id) || begun.add.has(id), `document that was never added: ${why(id)}`);
    const got = await store.get([...present]);
    assert.equal(got.length, present.size);
    assert.ok(
      got.every((d) => d.text === `text ${d.id}`),
      'texts belong to their documents',
    );
    // Searchable: the newest live documents and a random one find themselves; no deleted one is ever returned.
    const live = [...present];
    const probes = [...live.slice(-2), live[Math.floor(rand() * live.length)]].filter(Boolean);
    for (const id of probes) {
      const hits = await store.search(killMatrix(Number(id.slice(1))), { k: 3, nprobe: CENTROIDS, ndocs: 10_000 });
      assert.ok(
        hits.some((h) => h.id === id),
        `search finds ${why(id)}: ${hits.map((h) => h.id).join(',')}`,
      );
      assert.ok(
        hits.every((h) => present.has(h.id)),
        'search returns live documents only',
      );
    }
    for (const id of truth.live) if (!present.has(id)) truth.dead.add(id);
    for (const id of begun.add) if (!present.has(id)) truth.dead.add(id);
    truth.live = present;
  } finally {
    await store.close();
  }
}

/** Creates an index, kills `kills` workers at seeded random points, verifies after each; returns the phases hit. */
async function killLoop(dir: string, mode: 'plaid' | 'flat', kills: number, seed: number): Promise<Map<string, number>> {
  const rand = seededRandom(seed);
  const first = Array.from({ length: 20 }, (_, i) => i);
  const store = mode === 'plaid' ? await PlaidStore.create(dir, { dim: KILL_DIM, centroids: CENTROIDS }) : await FlatStore.create(dir, { dim: KILL_DIM });
  await store.add(
    first.map((n) => ({ id: killId(n), text: `text ${killId(n)}` })),
    packMatrices(first.map(killMatrix), KILL_DIM),
  );
  await store.close();
  const truth: Truth = { live: new Set(first.map(killId)), dead: new Set() };
  let nextId = first.length;
  const phases = new Map<string, number>();
  const killedPids = new Set<number>();
  const targets: Target[] = ['add', 'delete', 'compact', 'add', 'delete', 'any'];
  for (let i = 0; i < kills; i++) {
    const target = targets[i % targets.length];
    // Operations take a few to some tens of ms here; delays span before, inside and after them.
    const delay = Math.floor(rand() * (target === 'any' ? 300 : 40));
    const killed = await runAndKill(dir, Math.floor(rand() * 2 ** 31), nextId, target, delay);
    killedPids.add(killed.pid);
    await verify(dir, killed, killedPids, truth, rand);
    phases.set(killed.phase, (phases.get(killed.phase) ?? 0) + 1);
    for (const line of killed.lines)
      if (line.startsWith('begin add')) for (const id of line.split(' ')[2].split(',')) nextId = Math.max(nextId, Number(id.slice(1)) + 1);
  }
  // The last killed writer's lock does not block the next writer.
  const after = await openFileStore(dir);
  await after.add([{ id: killId(nextId), text: 'after' }], packMatrices([killMatrix(nextId)], KILL_DIM));
  assert.equal((await after.get([killId(nextId)])).length, 1);
  await after.close();
  assert.ok((await checkIndex(dir)).ok);
  return phases;
}

test('kill points: SIGKILLed writers (plaid) lose no acknowledged add or delete and leave a healthy index', { timeout: 240_000 }, async (t) => {
  const phases = await killLoop(tempDir(t), 'plaid', 40, 7);
  const total = [...phases.values()].reduce((a, b) => a + b, 0);
  t.diagnostic(`survived ${total} kill points: ${JSON.stringify(Object.fromEntries(phases))}`);
  assert.equal(total, 40);
  for (const op of ['add', 'delete', 'compact'])
    assert.ok((phases.get(`in ${op}`) ?? 0) >= 2, `kills landed inside ${op}: ${JSON.stringify(Object.fromEntries(phases))}`);
});

test('kill points: the same for a flat index', { timeout: 120_000 }, async (t) => {
  const phases = await killLoop(tempDir(t), 'flat', 10, 11);
  t.diagnostic(`survived ${[...phases.values()].reduce((a, b) => a + b, 0)} kill points: ${JSON.stringify(Object.fromEntries(phases))}`);
});

test(
  'lock: a lock whose pid now belongs to another process (pid reused) is taken over; a live holder is not',
  { skip: !existsSync('/proc/self/stat') && 'needs /proc' },
  async (t) => {
    const dir = tempDir(t);
    const sleeper = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 30000)'], { stdio: 'ignore' });
    t.after(() => sleeper.kill('SIGKILL'));
    await new Promise((r) => sleeper.once('spawn', r));
    const stat = readFileSync(`/proc/${sleeper.pid}/stat`, 'utf8');
    const start = stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
    writeFileSync(join(dir, 'write.lock'), JSON.stringify({ pid: sleeper.pid, start, token: 'live' }));
    assert.throws(
      () => WriteLock.acquire(dir),
      (e) => isTartanError(e, 'E_INDEX_LOCKED') && String(sleeper.pid) === String((e.details as { pid?: number }).pid),
    );
    writeFileSync(join(dir, 'write.lock'), JSON.stringify({ pid: sleeper.pid, start: `${start}0`, token: 'reused' }));
    const lock = WriteLock.acquire(dir);
    assert.notEqual(JSON.parse(readFileSync(join(dir, 'write.lock'), 'utf8')).token, 'reused');
    lock.release();
    assert.ok(!existsSync(join(dir, 'write.lock')));
  },
);
