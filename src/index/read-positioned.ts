/**
 * Positioned reads from large index files: the file stays on disk (and in the
 * page cache), only the requested byte ranges reach the heap. The descriptor is
 * opened once and kept, so a file unlinked by a later compaction stays readable
 * for searches that still hold the old snapshot (POSIX keeps unlinked open files).
 */
import { openSync, readSync, closeSync, fstatSync } from 'node:fs';

export class PositionedFile {
  private fd: number;
  readonly size: number;

  constructor(readonly path: string) {
    this.fd = openSync(path, 'r');
    this.size = fstatSync(this.fd).size;
  }

  /** Reads `length` bytes at `offset` into a new Uint8Array (or into `into`). */
  read(offset: number, length: number, into?: Uint8Array): Uint8Array {
    const out = into ?? new Uint8Array(length);
    let done = 0;
    while (done < length) {
      const n = readSync(this.fd, out, done, length - done, offset + done);
      if (n === 0) throw new RangeError(`short read of ${this.path} at ${offset + done}`);
      done += n;
    }
    return out;
  }

  /** Reads the whole file (for small tables). */
  readAll(): Uint8Array {
    return this.read(0, this.size);
  }

  close(): void {
    if (this.fd >= 0) closeSync(this.fd);
    this.fd = -1;
  }
}
