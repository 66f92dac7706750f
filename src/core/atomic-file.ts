/**
 * Crash-safe file writes: write under a temporary name, fsync, rename over the
 * final name, fsync the directory. A crash at any point leaves either the old
 * file or the new one, never a torn one.
 */
import { openSync, writeSync, fsyncSync, closeSync, renameSync, unlinkSync, existsSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';

/** Suffix of temporary files; `cleanTemporaryFiles` removes leftovers with it. */
export const TEMP_SUFFIX = '.tmp';

/** Test hook: when set, called after the temp file is written and before the rename (throw to simulate a crash). */
export let beforeRenameHook: ((finalPath: string) => void) | undefined;
/** Sets or clears {@link beforeRenameHook}. */
export function setBeforeRenameHook(hook: ((finalPath: string) => void) | undefined): void {
  beforeRenameHook = hook;
}

/** fsyncs a directory so a rename inside it is durable. */
export function fsyncDir(dir: string): void {
  const fd = openSync(dir, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/**
 * Writes `parts` (concatenated) to `path` atomically.
 * @example writeFileAtomic('/idx/manifest.json', [Buffer.from(json)]);
 */
export function writeFileAtomic(path: string, parts: ReadonlyArray<Uint8Array | string>): number {
  const tmp = join(dirname(path), `.${basename(path)}.${process.pid}${TEMP_SUFFIX}`);
  const fd = openSync(tmp, 'w');
  let bytes = 0;
  try {
    for (const p of parts) {
      const buf = typeof p === 'string' ? Buffer.from(p, 'utf8') : Buffer.from(p.buffer, p.byteOffset, p.byteLength);
      let off = 0;
      while (off < buf.length) off += writeSync(fd, buf, off, buf.length - off);
      bytes += buf.length;
    }
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  try {
    beforeRenameHook?.(path);
    renameSync(tmp, path);
  } catch (e) {
    if (existsSync(tmp)) unlinkSync(tmp);
    throw e;
  }
  fsyncDir(dirname(path));
  return bytes;
}
