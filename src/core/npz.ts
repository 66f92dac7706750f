/**
 * Reads numpy's `.npz` files: a zip archive of `.npy` files, one per array (np.savez stores them,
 * np.savez_compressed deflates them). The central directory is read directly (including the zip64
 * records numpy writes), entries are read by position, inflated with node:zlib and checked against
 * their CRC-32, so a damaged or truncated archive is a coded E_INPUT_FORMAT error, never wrong numbers.
 */
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import * as zlib from 'node:zlib';
import { ErrorCodes, TartanError } from './errors.js';
import { parseNpy, type NpyArray } from './npy.js';

/** One array of an archive: its key (the entry name without `.npy`) and its values. */
export interface NpzEntry {
  key: string;
  array: NpyArray;
}

interface ZipEntry {
  name: string;
  method: number;
  flags: number;
  crc: number;
  compressedSize: number;
  size: number;
  localOffset: number;
}

const EOCD = 0x06054b50;
const ZIP64_LOCATOR = 0x07064b50;
const ZIP64_EOCD = 0x06064b50;
const CENTRAL = 0x02014b50;
const LOCAL = 0x04034b50;
const MAX32 = 0xffffffff;

/** True when `bytes` start like a zip archive (a local file header, or the end record of an empty one). */
export function isZip(bytes: Uint8Array): boolean {
  return bytes.length >= 4 && bytes[0] === 0x50 && bytes[1] === 0x4b && ((bytes[2] === 3 && bytes[3] === 4) || (bytes[2] === 5 && bytes[3] === 6));
}

let crcTable: Uint32Array | undefined;

/** CRC-32 of `bytes` (zlib.crc32 where this Node has it, else a table). */
function crc32(bytes: Uint8Array): number {
  const native = (zlib as { crc32?: (data: Uint8Array) => number }).crc32;
  if (typeof native === 'function') return native(bytes) >>> 0;
  if (!crcTable) {
    crcTable = new Uint32Array(256);
    for (let n = 0; n < 256; n++) {
      let c = n;
      for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
      crcTable[n] = c >>> 0;
    }
  }
  let c = 0xffffffff;
  for (let i = 0; i < bytes.length; i++) c = crcTable[(c ^ bytes[i]) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

/** A zip archive opened for reading entries by position. */
class ZipFile {
  private constructor(
    private readonly fd: number,
    private readonly size: number,
    private readonly path: string,
  ) {}

  static open(path: string): ZipFile {
    let fd: number;
    try {
      fd = openSync(path, 'r');
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      throw new TartanError(
        code === 'ENOENT' ? ErrorCodes.FILE_NOT_FOUND : ErrorCodes.INPUT_FORMAT,
        code === 'ENOENT' ? `${path} does not exist; check the path` : `cannot read ${path}: ${code ?? (e as Error).message}`,
        { details: { file: path } },
      );
    }
    return new ZipFile(fd, fstatSync(fd).size, path);
  }

  bad(why: string): TartanError {
    return new TartanError(ErrorCodes.INPUT_FORMAT, `${this.path} is not a readable .npz (zip) archive: ${why}; write it again with np.savez`, {
      details: { file: this.path },
    });
  }

  read(position: number, length: number): Buffer {
    if (position < 0 || position + length > this.size) throw this.bad('the file is truncated (an entry or record runs past its end)');
    const out = Buffer.allocUnsafe(length);
    let done = 0;
    while (done < length) {
      const n = readSync(this.fd, out, done, Math.min(length - done, 1 << 30), position + done);
      if (n === 0) throw this.bad('the file is truncated');
      done += n;
    }
    return out;
  }

  close(): void {
    closeSync(this.fd);
  }

  /** The entries of the central directory, in archive order. */
  entries(): ZipEntry[] {
    const tailLen = Math.min(this.size, 22 + 0xffff);
    const tail = this.read(this.size - tailLen, tailLen);
    let at = -1;
    for (let i = tail.length - 22; i >= 0; i--)
      if (tail.readUInt32LE(i) === EOCD) {
        at = i;
        break;
      }
    if (at < 0) throw this.bad('no end-of-central-directory record (the file is truncated or not a zip archive)');
    let count = tail.readUInt16LE(at + 10);
    let cdSize = tail.readUInt32LE(at + 12);
    let cdOffset = tail.readUInt32LE(at + 16);
    if (count === 0xffff || cdSize === MAX32 || cdOffset === MAX32) {
      const eocdPos = this.size - tailLen + at;
      const locator = this.read(eocdPos - 20, 20);
      if (locator.readUInt32LE(0) !== ZIP64_LOCATOR) throw this.bad('the zip64 end record is missing');
      const rec = this.read(Number(locator.readBigUInt64LE(8)), 56);
      if (rec.readUInt32LE(0) !== ZIP64_EOCD) throw this.bad('the zip64 end record is damaged');
      count = Number(rec.readBigUInt64LE(32));
      cdSize = Number(rec.readBigUInt64LE(40));
      cdOffset = Number(rec.readBigUInt64LE(48));
    }
    const cd = this.read(cdOffset, cdSize);
    const out: ZipEntry[] = [];
    let p = 0;
    for (let i = 0; i < count; i++) {
      if (p + 46 > cd.length || cd.readUInt32LE(p) !== CENTRAL) throw this.bad(`central directory entry ${i} is damaged`);
      const nameLen = cd.readUInt16LE(p + 28);
      const extraLen = cd.readUInt16LE(p + 30);
      const commentLen = cd.readUInt16LE(p + 32);
      const e: ZipEntry = {
        flags: cd.readUInt16LE(p + 8),
        method: cd.readUInt16LE(p + 10),
        crc: cd.readUInt32LE(p + 16),
        compressedSize: cd.readUInt32LE(p + 20),
        size: cd.readUInt32LE(p + 24),
        localOffset: cd.readUInt32LE(p + 42),
        name: cd.toString('utf8', p + 46, p + 46 + nameLen),
      };
      readZip64Extra(cd.subarray(p + 46 + nameLen, p + 46 + nameLen + extraLen), e);
      out.push(e);
      p += 46 + nameLen + extraLen + commentLen;
    }
    return out;
  }

  /** The uncompressed bytes of an entry, checked against its CRC-32. */
  contents(e: ZipEntry): Uint8Array {
    if (e.flags & 1) throw this.bad(`entry ${e.name} is encrypted`);
    const local = this.read(e.localOffset, 30);
    if (local.readUInt32LE(0) !== LOCAL) throw this.bad(`the local header of entry ${e.name} is damaged`);
    const start = e.localOffset + 30 + local.readUInt16LE(26) + local.readUInt16LE(28);
    const raw = this.read(start, e.compressedSize);
    let data: Uint8Array;
    if (e.method === 0) data = raw;
    else if (e.method === 8) {
      try {
        data = zlib.inflateRawSync(raw);
      } catch (err) {
        throw this.bad(`entry ${e.name} does not inflate (${(err as Error).message})`);
      }
    } else throw this.bad(`entry ${e.name} uses compression method ${e.method}; tartan reads stored and deflated entries (np.savez, np.savez_compressed)`);
    if (data.length !== e.size) throw this.bad(`entry ${e.name} holds ${data.length} bytes, not the ${e.size} its directory entry says`);
    if (crc32(data) !== e.crc) throw this.bad(`entry ${e.name} fails its CRC-32 check (the file is damaged)`);
    return data;
  }
}

/** Replaces the 0xFFFFFFFF sizes and offset of a central directory entry with the values of its zip64 extra field. */
function readZip64Extra(extra: Buffer, e: ZipEntry): void {
  for (let p = 0; p + 4 <= extra.length;) {
    const id = extra.readUInt16LE(p);
    const len = extra.readUInt16LE(p + 2);
    if (id === 0x0001) {
      let q = p + 4;
      const next = () => {
        const v = Number(extra.readBigUInt64LE(q));
        q += 8;
        return v;
      };
      // Only the fields that are 0xFFFFFFFF in the entry are present, in this order.
      if (e.size === MAX32) e.size = next();
      if (e.compressedSize === MAX32) e.compressedSize = next();
      if (e.localOffset === MAX32) e.localOffset = next();
      return;
    }
    p += 4 + len;
  }
}

/**
 * Reads every array of a `.npz` file, in archive order (the order np.savez wrote them).
 * Throws E_FILE_NOT_FOUND for a missing file and E_INPUT_FORMAT for a damaged archive or an entry
 * that is not a supported .npy array (see {@link parseNpy}).
 * @example
 * for (const { key, array } of readNpz('vectors.npz')) console.log(key, array.shape); // arr_0 [31, 128] ...
 */
export function readNpz(path: string): NpzEntry[] {
  const zip = ZipFile.open(path);
  try {
    const out: NpzEntry[] = [];
    for (const e of zip.entries()) {
      if (e.name.endsWith('/')) continue;
      const key = e.name.endsWith('.npy') ? e.name.slice(0, -4) : e.name;
      out.push({ key, array: parseNpy(zip.contents(e), `${path}:${key}`) });
    }
    return out;
  } finally {
    zip.close();
  }
}
