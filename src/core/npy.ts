/**
 * Reads numpy's `.npy` format (versions 1.0, 2.0 and 3.0): a magic string, a Python-dict header
 * (`descr`, `fortran_order`, `shape`), then the raw array. Floats come back as float32 (float16 and
 * float64 are converted), integers as float64 numbers (exact up to 2^53). Only little-endian,
 * C-order arrays of these numeric dtypes are read; anything else is a coded E_INPUT_FORMAT
 * error that says how to save the array so tartan can read it.
 */
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { ErrorCodes, TartanError } from './errors.js';

/** A float array read from a .npy file: values as float32, row-major. */
export interface NpyFloatArray {
  kind: 'float';
  /** The dtype as the file names it, e.g. `<f4`. */
  descr: string;
  shape: number[];
  data: Float32Array;
}

/** An integer array read from a .npy file: values as (exact) float64 numbers. */
export interface NpyIntArray {
  kind: 'int';
  descr: string;
  shape: number[];
  data: Float64Array;
}

export type NpyArray = NpyFloatArray | NpyIntArray;

const MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]; // \x93NUMPY

/** True when `bytes` start with the .npy magic string. */
export function isNpy(bytes: Uint8Array): boolean {
  return bytes.length >= MAGIC.length && MAGIC.every((b, i) => bytes[i] === b);
}

/** Bytes per value and kind of each dtype tartan reads; the byte-order character is checked apart. */
const DTYPES: Record<string, { size: number; kind: 'float' | 'int' }> = {
  f2: { size: 2, kind: 'float' },
  f4: { size: 4, kind: 'float' },
  f8: { size: 8, kind: 'float' },
  i1: { size: 1, kind: 'int' },
  u1: { size: 1, kind: 'int' },
  i2: { size: 2, kind: 'int' },
  u2: { size: 2, kind: 'int' },
  i4: { size: 4, kind: 'int' },
  u4: { size: 4, kind: 'int' },
  i8: { size: 8, kind: 'int' },
  u8: { size: 8, kind: 'int' },
};

interface Header {
  descr: string;
  fortranOrder: boolean;
  shape: number[];
}

/** Parses the header dict numpy writes, e.g. `{'descr': '<f4', 'fortran_order': False, 'shape': (3, 128), }`. */
function parseHeader(text: string, bad: (why: string) => TartanError): Header {
  const descr = /['"]descr['"]\s*:\s*['"]([^'"]*)['"]/.exec(text);
  if (!descr) {
    if (/['"]descr['"]\s*:\s*\[/.test(text))
      throw bad('it holds a structured (record) array; save a plain numeric array instead, e.g. np.save(f, arr.astype(np.float32))');
    throw bad('its header names no dtype (descr)');
  }
  const fortran = /['"]fortran_order['"]\s*:\s*(True|False)/.exec(text);
  if (!fortran) throw bad('its header has no fortran_order');
  const shape = /['"]shape['"]\s*:\s*\(([^)]*)\)/.exec(text);
  if (!shape) throw bad('its header has no shape');
  const dims = shape[1]
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0)
    .map((s) => Number(s.replace(/L$/, '')));
  if (dims.some((n) => !Number.isSafeInteger(n) || n < 0)) throw bad(`its shape (${shape[1]}) is not a list of sizes`);
  return { descr: descr[1], fortranOrder: fortran[1] === 'True', shape: dims };
}

/** Converts IEEE 754 half-precision bits to a number. */
function halfToFloat(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exp = (h >> 10) & 0x1f;
  const frac = h & 0x3ff;
  if (exp === 0) return sign * frac * 2 ** -24;
  if (exp === 0x1f) return frac ? NaN : sign * Infinity;
  return sign * (1 + frac / 1024) * 2 ** (exp - 15);
}

/** The values of `body` (little-endian `type`, `count` of them) as float32 or float64 numbers. */
function decode(body: Uint8Array, type: string, count: number): Float32Array | Float64Array {
  const view = new DataView(body.buffer, body.byteOffset, body.byteLength);
  if (type === 'f4') {
    // One copy into an aligned buffer, then a view (x86 and ARM hosts are little-endian, like the file).
    const out = new Float32Array(count);
    new Uint8Array(out.buffer).set(body.subarray(0, count * 4));
    return out;
  }
  if (type === 'f2') {
    const out = new Float32Array(count);
    for (let i = 0; i < count; i++) out[i] = halfToFloat(view.getUint16(i * 2, true));
    return out;
  }
  if (type === 'f8') {
    const out = new Float32Array(count);
    for (let i = 0; i < count; i++) out[i] = view.getFloat64(i * 8, true);
    return out;
  }
  const out = new Float64Array(count);
  const read: Record<string, (i: number) => number> = {
    i1: (i) => view.getInt8(i),
    u1: (i) => view.getUint8(i),
    i2: (i) => view.getInt16(i * 2, true),
    u2: (i) => view.getUint16(i * 2, true),
    i4: (i) => view.getInt32(i * 4, true),
    u4: (i) => view.getUint32(i * 4, true),
    i8: (i) => Number(view.getBigInt64(i * 8, true)),
    u8: (i) => Number(view.getBigUint64(i * 8, true)),
  };
  const get = read[type];
  for (let i = 0; i < count; i++) out[i] = get(i);
  return out;
}

interface NpyLayout {
  header: Header;
  type: string;
  kind: 'float' | 'int';
  /** Bytes per value. */
  size: number;
  count: number;
  /** Where the data starts. */
  offset: number;
}

const MAX_HEADER = 1 << 20;

function badFile(name: string): (why: string) => TartanError {
  return (why) => new TartanError(ErrorCodes.INPUT_FORMAT, `${name} cannot be read as a numpy .npy array: ${why}`, { details: { file: name } });
}

/** Reads and checks the header at the start of `bytes` (which need hold no more than the header). */
function readLayout(bytes: Uint8Array, bad: (why: string) => TartanError): NpyLayout {
  if (!isNpy(bytes)) throw bad('it does not start with the .npy magic string (\\x93NUMPY); write it with np.save or np.savez');
  if (bytes.length < 10) throw bad('the file is truncated (no header)');
  const major = bytes[6];
  if (major < 1 || major > 3) throw bad(`format version ${major}.${bytes[7]} is not one tartan reads (1.0, 2.0 or 3.0)`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const lenBytes = major === 1 ? 2 : 4;
  if (bytes.length < 8 + lenBytes) throw bad('the file is truncated (no header)');
  const headerLen = major === 1 ? view.getUint16(8, true) : view.getUint32(8, true);
  const start = 8 + lenBytes;
  if (headerLen > MAX_HEADER) throw bad(`its header claims ${headerLen} bytes (the file is damaged)`);
  if (start + headerLen > bytes.length) throw bad('the file is truncated (in the header)');
  const header = parseHeader(new TextDecoder(major === 3 ? 'utf-8' : 'latin1').decode(bytes.subarray(start, start + headerLen)), bad);
  const order = header.descr[0];
  const type = header.descr.slice(1);
  const dtype = DTYPES[type];
  if (!dtype || !['<', '|', '>'].includes(order)) {
    const hint = header.descr.includes('O')
      ? 'it holds Python objects (a ragged list saved with np.save?); save one array per document with np.savez(f, *arrays)'
      : `dtype ${header.descr} is not supported; convert it: arr.astype(np.float32) for vectors, arr.astype(np.int64) for lengths`;
    throw bad(hint);
  }
  if (order === '>' && dtype.size > 1) throw bad(`dtype ${header.descr} is big-endian; tartan reads little-endian arrays: save arr.astype('<${type}')`);
  if (header.fortranOrder && header.shape.length > 1)
    throw bad('it is stored in Fortran (column-major) order; save np.ascontiguousarray(arr) (C order) instead');
  const count = header.shape.reduce((a, b) => a * b, 1);
  return { header, type, kind: dtype.kind, size: dtype.size, count, offset: start + headerLen };
}

function truncated(l: NpyLayout, available: number, bad: (why: string) => TartanError): TartanError {
  return bad(`the file is truncated: shape (${l.header.shape.join(', ')}) needs ${l.count * l.size} bytes of data but ${available} follow the header`);
}

function result(l: NpyLayout, data: Float32Array | Float64Array): NpyArray {
  return l.kind === 'float'
    ? { kind: 'float', descr: l.header.descr, shape: l.header.shape, data: data as Float32Array }
    : { kind: 'int', descr: l.header.descr, shape: l.header.shape, data: data as Float64Array };
}

/**
 * Parses the bytes of a `.npy` file; `name` names it in error messages (a path, or `file.npz:key`).
 * Throws E_INPUT_FORMAT for a file that is not .npy, is truncated, big-endian, Fortran-ordered, or of an
 * unsupported dtype (objects, strings, complex, bool...).
 * @example
 * const a = parseNpy(readFileSync('vectors.npy'), 'vectors.npy');
 * if (a.kind === 'float') console.log(a.shape, a.data.length); // [1200, 128] 153600
 */
export function parseNpy(bytes: Uint8Array, name: string): NpyArray {
  const bad = badFile(name);
  const l = readLayout(bytes, bad);
  const body = bytes.subarray(l.offset);
  if (body.length < l.count * l.size) throw truncated(l, body.length, bad);
  return result(l, decode(body, l.type, l.count));
}

/** Reads `into.length` bytes at `position` of `fd`; returns how many there were. */
function readAt(fd: number, into: Uint8Array, position: number): number {
  let done = 0;
  while (done < into.length) {
    const n = readSync(fd, into, done, Math.min(into.length - done, 1 << 30), position + done);
    if (n === 0) break;
    done += n;
  }
  return done;
}

/**
 * Reads a `.npy` file by position, without holding the file and its values in memory twice: float32 data is
 * read straight into the returned array (files over 2 GiB included). Errors as for {@link parseNpy};
 * a missing file is E_FILE_NOT_FOUND.
 * @example const lengths = readNpyFile('lengths.npy'); // { kind: 'int', shape: [1000], ... }
 */
export function readNpyFile(path: string): NpyArray {
  const bad = badFile(path);
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new TartanError(ErrorCodes.FILE_NOT_FOUND, `${path} does not exist; check the path`, { details: { file: path } });
    throw bad(`cannot open it: ${code ?? (e as Error).message}`);
  }
  try {
    const size = fstatSync(fd).size;
    const first = new Uint8Array(Math.min(size, 12));
    readAt(fd, first, 0);
    // The header's length is in its first 10 (version 1) or 12 bytes; readLayout checks all of it.
    const headerEnd =
      first.length < 12 ? first.length : first[6] === 1 ? 10 + (first[8] | (first[9] << 8)) : 12 + new DataView(first.buffer).getUint32(8, true);
    const head = new Uint8Array(Math.min(size, headerEnd, MAX_HEADER + 12));
    readAt(fd, head, 0);
    const l = readLayout(head, bad);
    const available = size - l.offset;
    if (available < l.count * l.size) throw truncated(l, available, bad);
    if (l.type === 'f4') {
      const data = new Float32Array(l.count);
      readAt(fd, new Uint8Array(data.buffer), l.offset);
      return result(l, data);
    }
    const body = new Uint8Array(l.count * l.size);
    readAt(fd, body, l.offset);
    return result(l, decode(body, l.type, l.count));
  } finally {
    closeSync(fd);
  }
}
