/**
 * Single-writer lock: a `write.lock` file holding the writer's pid, process
 * start time, host and a random token. A second writer (another process, or
 * another store object in this one) gets INDEX_LOCKED. A lock left by a dead
 * process (or by a pid since reused by another program) is taken over.
 *
 * The lock file is written complete under a private name and hard-linked into
 * place, so no one ever reads a half-written lock. A stale lock is removed only
 * by the process that holds `write.lock.takeover` (created exclusively) and
 * only if it is still the very file judged stale, so of the processes taking
 * over the same stale lock exactly one wins.
 *
 * Locks still held when the process exits normally (an error ended a command
 * before its store was closed) are released by an exit hook, so an ordinary
 * failure never leaves a `write.lock` behind; only a killed process does, and
 * the next writer takes that one over.
 */
import { linkSync, readFileSync, unlinkSync, writeFileSync, openSync, writeSync, closeSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { ErrorCodes, TartanError } from '../../core/errors.js';

export const LOCK_NAME = 'write.lock';
/** Prefix of the private files used while taking the lock (a crash can leave one; writers remove old ones). */
export const LOCK_TEMP_PREFIX = `.${LOCK_NAME}.`;

interface Holder {
  pid?: number;
  start?: string;
  host?: string;
  token?: string;
}

/** Linux process start time (clock ticks since boot) and whether it is a zombie; undefined elsewhere or when gone. */
function procStat(pid: number): { start: string; zombie: boolean } | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the parenthesised command name: state is field 3, starttime field 22.
    const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return { start: rest[19], zombie: rest[0] === 'Z' || rest[0] === 'X' };
  } catch {
    return undefined;
  }
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
  return true;
}

/** True while the lock's writer may still be running. */
function holderAlive(h: Holder): boolean {
  if (typeof h.pid !== 'number') return false;
  // A writer on another machine (shared folder) cannot be checked: assume it runs.
  if (h.host !== undefined && h.host !== hostname()) return true;
  if (!processAlive(h.pid)) return false;
  const st = procStat(h.pid);
  if (st?.zombie) return false;
  // Same pid, different start time: the writer died and the pid was reused.
  if (st && h.start !== undefined && st.start !== h.start) return false;
  return true;
}

function readOrUndefined(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
}

function parseHolder(raw: string): Holder {
  try {
    return JSON.parse(raw) as Holder;
  } catch {
    return {};
  }
}

/** Puts `src` in place as `dest` unless `dest` exists (false then). */
function placeExclusive(src: string, dest: string, body: string): boolean {
  try {
    linkSync(src, dest);
    return true;
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') return false;
    if (code !== 'EPERM' && code !== 'ENOTSUP' && code !== 'EOPNOTSUPP' && code !== 'ENOSYS') throw e;
  }
  // File systems without hard links: exclusive create (a crash mid-write leaves an unparsable lock, judged stale).
  try {
    const fd = openSync(dest, 'wx');
    try {
      writeSync(fd, body);
    } finally {
      closeSync(fd);
    }
    return true;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw e;
  }
}

/** Beside the lock while a process removes a stale one; see {@link WriteLock.acquire}. */
const TAKEOVER_SUFFIX = '.takeover';

/**
 * Creates the takeover file exclusively: 'taken', or 'busy' while a live process holds it. A takeover
 * file left by a process that died inside its few-microsecond takeover is removed, then retried once.
 */
function takeTakeover(mine: string, path: string, body: string): 'taken' | 'busy' {
  for (let attempt = 0; attempt < 2; attempt++) {
    // Placed complete (like the lock itself), so a rival never reads a half-written, "dead" holder.
    if (placeExclusive(mine, path, body)) return 'taken';
    const raw = readOrUndefined(path);
    if (raw === undefined) continue;
    if (holderAlive(parseHolder(raw))) return 'busy';
    try {
      unlinkSync(path);
    } catch {
      /* another process removed it first */
    }
  }
  return 'busy';
}

function lockedError(dir: string, path: string, pid?: number, host?: string): TartanError {
  const who = (pid !== undefined ? `process ${pid}` : 'another process') + (host !== undefined && host !== hostname() ? ` on host ${host}` : '');
  return new TartanError(
    ErrorCodes.INDEX_LOCKED,
    `the index at ${dir} is being written by ${who}; wait for it to finish (searches still work), or remove ${path} if that process is gone`,
    { details: pid !== undefined ? { pid } : {} },
  );
}

/** Test hook: called after a lock was judged stale and before it is removed (tests run a rival writer there). */
let takeoverHook: (() => void) | undefined;
/** Sets or clears the takeover hook. */
export function setTakeoverHook(hook: (() => void) | undefined): void {
  takeoverHook = hook;
}

/** Locks this process holds, released on exit if their owners did not. */
const held = new Set<WriteLock>();
let exitHookInstalled = false;

function releaseAllOnExit(): void {
  for (const lock of [...held]) lock.release();
}

/** A held write lock; release it when done writing. */
export class WriteLock {
  private constructor(
    private readonly dir: string,
    private readonly path: string,
    private readonly token: string,
  ) {}

  /** Takes the lock of index folder `dir` or throws INDEX_LOCKED. */
  static acquire(dir: string): WriteLock {
    const path = join(dir, LOCK_NAME);
    const token = randomBytes(8).toString('hex');
    const body = JSON.stringify({ pid: process.pid, start: procStat(process.pid)?.start, host: hostname(), token, since: new Date().toISOString() });
    const mine = join(dir, `${LOCK_TEMP_PREFIX}${token}`);
    writeFileSync(mine, body);
    try {
      for (let attempt = 0; attempt < 8; attempt++) {
        if (placeExclusive(mine, path, body)) {
          const lock = new WriteLock(dir, path, token);
          held.add(lock);
          if (!exitHookInstalled) {
            exitHookInstalled = true;
            process.on('exit', releaseAllOnExit);
          }
          return lock;
        }
        const raw = readOrUndefined(path);
        if (raw === undefined) continue; // released meanwhile
        const holder = parseHolder(raw);
        if (holderAlive(holder)) throw lockedError(dir, path, holder.pid, holder.host);
        takeoverHook?.();
        // Only the holder of the takeover file removes a stale lock, and only the very lock it judged
        // stale: renaming the lock aside instead let a slow rival move a fresh lock away and, while it
        // put that back, a third writer slip in, so two writers could each believe they held the lock.
        const takeover = takeTakeover(mine, `${path}${TAKEOVER_SUFFIX}`, body);
        if (takeover === 'busy') throw lockedError(dir, path);
        try {
          if (readOrUndefined(path) === raw) unlinkSync(path);
        } finally {
          unlinkSync(`${path}${TAKEOVER_SUFFIX}`);
        }
      }
      throw new TartanError(ErrorCodes.INDEX_LOCKED, `could not take the write lock ${path} (other writers keep taking it); retry`);
    } finally {
      try {
        unlinkSync(mine);
      } catch {
        /* already gone */
      }
    }
  }

  /** Throws INDEX_LOCKED unless the lock file still carries this lock's token (checked before every publish). */
  assertHeld(): void {
    const holder = parseHolder(readOrUndefined(this.path) ?? '');
    if (holder.token !== this.token) {
      throw new TartanError(
        ErrorCodes.INDEX_LOCKED,
        `this writer lost the write lock of ${this.dir} (the lock file was removed or taken over); the write was not applied, reopen the index and retry`,
        { details: holder.pid !== undefined ? { pid: holder.pid } : {} },
      );
    }
  }

  /** Removes the lock file if it is still this lock's (a lock taken over by another writer is left alone). */
  release(): void {
    held.delete(this);
    const holder = parseHolder(readOrUndefined(this.path) ?? '');
    if (holder.token !== this.token) return;
    try {
      unlinkSync(this.path);
    } catch {
      /* already gone */
    }
  }
}
