/**
 * Single-writer lock: a `write.lock` file holding the writer's pid and a token.
 * A second writer (another process, or another store object in this one) gets
 * INDEX_LOCKED. A lock left by a dead process is taken over.
 */
import { openSync, writeSync, closeSync, readFileSync, unlinkSync, existsSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { ErrorCodes, TartanError } from '../errors.js';

export const LOCK_NAME = 'write.lock';

function processAlive(pid: number): boolean {
  try { process.kill(pid, 0); return true; } catch (e) { return (e as NodeJS.ErrnoException).code === 'EPERM'; }
}

/** A held write lock; release it when done writing. */
export class WriteLock {
  private constructor(private readonly path: string, private readonly token: string) {}

  /** Takes the lock of index folder `dir` or throws INDEX_LOCKED. */
  static acquire(dir: string): WriteLock {
    const path = join(dir, LOCK_NAME);
    const token = randomBytes(8).toString('hex');
    for (let attempt = 0; attempt < 2; attempt++) {
      try {
        const fd = openSync(path, 'wx');
        writeSync(fd, JSON.stringify({ pid: process.pid, token, since: new Date().toISOString() }));
        closeSync(fd);
        return new WriteLock(path, token);
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
        let holder: { pid?: number } = {};
        try { holder = JSON.parse(readFileSync(path, 'utf8')) as { pid?: number }; } catch { /* half-written lock: treat as stale */ }
        if (holder.pid !== undefined && processAlive(holder.pid)) {
          throw new TartanError(ErrorCodes.INDEX_LOCKED, `the index at ${dir} is being written by process ${holder.pid}; wait for it to finish (searches still work), or remove ${path} if that process is gone`, { details: { pid: holder.pid } });
        }
        try { unlinkSync(path); } catch { /* another process took it over first */ }
      }
    }
    throw new TartanError(ErrorCodes.INDEX_LOCKED, `could not take the write lock ${path}; retry`);
  }

  release(): void {
    try {
      const held = JSON.parse(readFileSync(this.path, 'utf8')) as { token?: string };
      if (held.token === this.token && existsSync(this.path)) unlinkSync(this.path);
    } catch { /* already gone */ }
  }
}
