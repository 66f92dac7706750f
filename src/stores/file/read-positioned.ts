/**
 * Positioned reads from large index files: the file stays on disk (and in the
 * page cache), only the requested byte ranges reach the heap. The descriptor is
 * opened once and kept, so a file unlinked by a later compaction stays readable
 * for searches that still hold the old snapshot (POSIX keeps unlinked open files).
 */
import { openSync, readSync, closeSync, fstatSync } from 'node:fs';
import { ErrorCodes, TartanError } from '../../core/errors.js';

/**
 * Files are kept in the heap while the process-wide total stays under this
 * budget (TARTAN_INDEX_CACHE_MB, default 256): a syscall per passage costs more
 * than the search itself on small indexes. Beyond it, reads are positioned.
 */
let cacheBudget = Number(process.env.TARTAN_INDEX_CACHE_MB ?? 256) * 2 ** 20;
let cachedBytes = 0;

/** Sets the in-heap cache budget in bytes for files opened from now on (0 = always positioned reads). */
export function setReadCacheBudget(bytes: number): void {
  cacheBudget = bytes;
}

export class PositionedFile {
  private fd: number;
  readonly size: number;
  private cache?: Uint8Array;

  /** `cache` false: always positioned reads (files read only a few rows at a time, such as rerank vectors). */
  constructor(
    readonly path: string,
    cache = true,
  ) {
    this.fd = openSync(path, 'r');
    this.size = fstatSync(this.fd).size;
    if (cache && this.size > 0 && cachedBytes + this.size <= cacheBudget) {
      cachedBytes += this.size;
      this.cache = this.readRange(0, this.size, new Uint8Array(this.size));
    }
  }

  /** Reads `length` bytes at `offset`: a view of the cached file, or a new Uint8Array (or `into`) filled by a positioned read. */
  read(offset: number, length: number, into?: Uint8Array): Uint8Array {
    // A range past the end means the file is shorter than its tables say: never hand back a short view.
    if (!(offset >= 0 && length >= 0 && offset + length <= this.size)) throw this.corrupt(offset, length);
    if (this.cache) {
      const view = this.cache.subarray(offset, offset + length);
      if (into) {
        into.set(view);
        return into;
      }
      return view;
    }
    return this.readRange(offset, length, into ?? new Uint8Array(length));
  }

  private readRange(offset: number, length: number, out: Uint8Array): Uint8Array {
    let done = 0;
    while (done < length) {
      const n = readSync(this.fd, out, done, length - done, offset + done);
      if (n === 0) throw this.corrupt(offset, length);
      done += n;
    }
    return out;
  }

  private corrupt(offset: number, length: number): TartanError {
    return new TartanError(
      ErrorCodes.INDEX_CORRUPT,
      `${this.path} holds ${this.size} bytes but a read of ${length} bytes at ${offset} was needed; the index is damaged; restore it from a backup or rebuild it`,
    );
  }

  /** Bytes of this file held in the heap (0 when every read is positioned). */
  get heapBytes(): number {
    return this.cache?.byteLength ?? 0;
  }

  /** Reads the whole file (for small tables). */
  readAll(): Uint8Array {
    return this.read(0, this.size);
  }

  close(): void {
    if (this.fd >= 0) closeSync(this.fd);
    this.fd = -1;
    if (this.cache) {
      cachedBytes -= this.size;
      this.cache = undefined;
    }
  }
}
