/**
 * Integrity of the files a manifest names. Every file carries its size and
 * sha256 in the manifest; a file is hashed before any of its bytes are used:
 * tables read into memory at once, positioned files at open when small and on
 * their first read when large. Files are immutable once a manifest names them,
 * so a file already verified in this process (same inode, size and times) is
 * not hashed again when the next snapshot loads it.
 */
import { createHash } from 'node:crypto';
import { closeSync, openSync, readFileSync, readSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { ErrorCodes, TartanError } from '../../core/errors.js';
import type { FileEntry } from './manifest.js';
import { MANIFEST_NAME } from './manifest.js';
import { PositionedFile } from './read-positioned.js';

/** Why a file is reported corrupt (`details.reason` of the error). */
export type CorruptReason = 'missing' | 'size' | 'checksum' | 'format';

const ADVICE = 'restore the index folder from a backup or rebuild the index (`tartan check` lists every damaged file)';

/** The INDEX_CORRUPT error for file `name` of the index at `dir`; `details.file` names it. */
export function corruptFile(dir: string, name: string, reason: CorruptReason, what: string, cause?: unknown): TartanError {
  return new TartanError(ErrorCodes.INDEX_CORRUPT, `index file ${name} in ${dir} ${what}; ${ADVICE}`, {
    ...(cause !== undefined ? { cause } : {}),
    details: { file: name, reason },
  });
}

/**
 * The path of file `f` of `dir`, refusing a name that is not a plain name inside the folder. readManifest
 * already refuses such manifests; this also covers a manifest handed to a Snapshot without it.
 */
function pathOf(dir: string, f: FileEntry): string {
  if (typeof f?.name !== 'string' || f.name.length === 0 || /[/\\\0]/.test(f.name) || f.name.includes('..')) {
    throw new TartanError(
      ErrorCodes.INDEX_CORRUPT,
      `the manifest of ${dir} names a file outside the index folder (${typeof f?.name === 'string' ? JSON.stringify(f.name).slice(0, 80) : typeof f?.name}); ${ADVICE}`,
      { details: { file: MANIFEST_NAME, reason: 'format' } },
    );
  }
  return join(dir, f.name);
}

/** Stat identity of a file: changes when its content could have changed. */
function identity(path: string, sha: string): string | undefined {
  try {
    const s = statSync(path, { bigint: true });
    return `${sha}|${s.dev}|${s.ino}|${s.size}|${s.mtimeNs}|${s.ctimeNs}`;
  } catch {
    return undefined;
  }
}

/** path -> identity of the version verified in this process. */
const verified = new Map<string, string>();

function isVerified(path: string, sha: string): boolean {
  const id = identity(path, sha);
  return id !== undefined && verified.get(path) === id;
}

/** Records that the file at `path` was hashed and matched `sha` (as it is now on disk). */
export function markVerified(path: string, sha: string): void {
  const id = identity(path, sha);
  if (id !== undefined) verified.set(path, id);
}

/** Forgets what was verified about `path` (when it is removed), or about every file. */
export function forgetVerified(path?: string): void {
  if (path === undefined) verified.clear();
  else verified.delete(path);
}

/** Reads a whole file the manifest names, checking its size and sha256. */
export function readVerified(dir: string, f: FileEntry): Uint8Array {
  const path = pathOf(dir, f);
  let data: Buffer;
  try {
    data = readFileSync(path);
  } catch (e) {
    throw corruptFile(dir, f.name, 'missing', 'named by the manifest is missing or unreadable', e);
  }
  if (data.length !== f.bytes) throw corruptFile(dir, f.name, 'size', `has ${data.length} bytes, the manifest says ${f.bytes}`);
  if (!isVerified(path, f.sha256)) {
    if (createHash('sha256').update(data).digest('hex') !== f.sha256)
      throw corruptFile(dir, f.name, 'checksum', 'does not match its sha256 in the manifest (damaged)');
    markVerified(path, f.sha256);
  }
  return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
}

/** Streams a file through sha256 (for files too large to read at once). */
export function hashFile(path: string): { bytes: number; sha256: string } {
  const fd = openSync(path, 'r');
  try {
    const h = createHash('sha256');
    const buf = Buffer.allocUnsafe(1 << 20);
    let bytes = 0;
    for (;;) {
      const n = readSync(fd, buf, 0, buf.length, bytes);
      if (n === 0) break;
      h.update(buf.subarray(0, n));
      bytes += n;
    }
    return { bytes, sha256: h.digest('hex') };
  } finally {
    closeSync(fd);
  }
}

/** Files up to this size are hashed when opened; larger ones on their first read. */
let eagerLimit = 64 * 2 ** 20;

/** Sets the size up to which positioned files are verified at open (tests use 0 to exercise the lazy path). */
export function setVerifyAtOpenLimit(bytes: number): void {
  eagerLimit = bytes;
}

/**
 * A positioned file whose sha256 is checked before its first byte is handed
 * out; a damaged file throws INDEX_CORRUPT on every read, so it can never
 * feed a search.
 */
export class CheckedFile extends PositionedFile {
  private ok = false;

  private constructor(
    private readonly dir: string,
    private readonly entry: FileEntry,
    cache: boolean,
  ) {
    super(pathOf(dir, entry), cache);
  }

  /** Opens file `f` of `dir`: size checked now, checksum now or on first read; `cache` false keeps it out of the heap cache. */
  static open(dir: string, f: FileEntry, cache = true): CheckedFile {
    let file: CheckedFile;
    pathOf(dir, f);
    try {
      file = new CheckedFile(dir, f, cache);
    } catch (e) {
      throw corruptFile(dir, f.name, 'missing', 'named by the manifest is missing or unreadable', e);
    }
    try {
      if (file.size !== f.bytes) throw corruptFile(dir, f.name, 'size', `has ${file.size} bytes, the manifest says ${f.bytes}`);
      file.ok = isVerified(file.path, f.sha256);
      if (!file.ok && file.size <= eagerLimit) file.verify();
    } catch (e) {
      file.close();
      throw e;
    }
    return file;
  }

  private verify(): void {
    const h = createHash('sha256');
    const chunk = 1 << 20;
    try {
      for (let off = 0; off < this.size; off += chunk) h.update(super.read(off, Math.min(chunk, this.size - off)));
    } catch (e) {
      throw corruptFile(this.dir, this.entry.name, 'size', 'could not be read to its full size (truncated?)', e);
    }
    if (h.digest('hex') !== this.entry.sha256) throw corruptFile(this.dir, this.entry.name, 'checksum', 'does not match its sha256 in the manifest (damaged)');
    this.ok = true;
    markVerified(this.path, this.entry.sha256);
  }

  override read(offset: number, length: number, into?: Uint8Array): Uint8Array {
    if (!this.ok) this.verify();
    if (offset < 0 || length < 0 || offset + length > this.size) {
      throw corruptFile(
        this.dir,
        this.entry.name,
        'format',
        `was asked for bytes ${offset}..${offset + length} of ${this.size} (the tables pointing into it disagree with it)`,
      );
    }
    try {
      return super.read(offset, length, into);
    } catch (e) {
      // A short read: the file was cut under an open descriptor.
      if (e instanceof RangeError) throw corruptFile(this.dir, this.entry.name, 'size', 'became shorter while open', e);
      throw e;
    }
  }
}
