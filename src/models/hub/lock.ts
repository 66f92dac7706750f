/**
 * A cross-process lock file, so two processes downloading the same blob take
 * turns instead of appending to the same `.incomplete` file. The holder keeps
 * the file's mtime fresh; a lock whose holder died (same host, pid gone) or
 * that went stale is taken over.
 */
import { hostname } from 'node:os';
import { mkdir, open, readFile, rename, rm, stat, utimes } from 'node:fs/promises';
import { dirname } from 'node:path';

export interface FileLockOptions {
  /** A lock not refreshed for this long is considered abandoned. Default 30 s. */
  staleMs?: number;
  /** How often a waiter checks again. Default 100 ms. */
  pollMs?: number;
}

interface LockOwner {
  pid: number;
  host: string;
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

async function isAbandoned(path: string, staleMs: number): Promise<boolean> {
  try {
    const [info, text] = await Promise.all([stat(path), readFile(path, 'utf8')]);
    if (Date.now() - info.mtimeMs > staleMs) return true;
    const owner = JSON.parse(text) as LockOwner;
    return owner.host === hostname() && owner.pid !== process.pid && !processAlive(owner.pid);
  } catch {
    // Vanished in between (released) or half-written by a holder that is still starting: not ours to remove.
    return false;
  }
}

/**
 * Runs `fn` while holding the lock file at `path`, waiting for any other
 * holder first.
 *
 * @example
 * ```ts
 * await withFileLock('/cache/.locks/x.lock', async () => download());
 * ```
 */
export async function withFileLock<T>(path: string, fn: () => Promise<T>, opts: FileLockOptions = {}): Promise<T> {
  const staleMs = opts.staleMs ?? 30_000;
  const pollMs = opts.pollMs ?? 100;
  await mkdir(dirname(path), { recursive: true });
  for (;;) {
    try {
      const fh = await open(path, 'wx');
      try {
        await fh.writeFile(JSON.stringify({ pid: process.pid, host: hostname() } satisfies LockOwner));
      } finally {
        await fh.close();
      }
      break;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    }
    if (await isAbandoned(path, staleMs)) {
      // Move it aside first so only one waiter removes it.
      const aside = `${path}.${process.pid}.${Math.random().toString(36).slice(2)}.stale`;
      await rename(path, aside).then(
        () => rm(aside, { force: true }),
        () => undefined,
      );
      continue;
    }
    await new Promise((r) => setTimeout(r, pollMs));
  }
  const heartbeat = setInterval(
    () => {
      const now = new Date();
      utimes(path, now, now).catch(() => undefined);
    },
    Math.max(50, Math.floor(staleMs / 3)),
  );
  heartbeat.unref();
  try {
    return await fn();
  } finally {
    clearInterval(heartbeat);
    await rm(path, { force: true });
  }
}
