/**
 * A file of encoded vectors (documents and queries) so benchmarks reuse one
 * expensive encoding: a JSON header line (ids, shapes, model, encode time)
 * then the raw little-endian arrays: doc offsets (u32), doc data (f32),
 * query offsets (u32), query data (f32).
 */
import { openSync, writeSync, closeSync, readSync, fstatSync } from 'node:fs';
import { ErrorCodes, TartanError } from './errors.js';
import type { TokenMatrixBatch } from './tensors.js';

export interface EncodedCollection {
  model: string;
  dim: number;
  docIds: string[];
  docs: TokenMatrixBatch;
  queryIds: string[];
  queries: TokenMatrixBatch;
  /** Seconds spent encoding (documents, queries). */
  encodeSeconds?: { docs: number; queries: number };
}

const MAGIC = 'tartan-vectors/1';

function bytes(a: ArrayBufferView): Buffer {
  return Buffer.from(a.buffer, a.byteOffset, a.byteLength);
}

/** Writes an encoded collection to `path`. */
export function saveVectors(path: string, c: EncodedCollection): void {
  const header = Buffer.from(
    JSON.stringify({
      magic: MAGIC,
      model: c.model,
      dim: c.dim,
      docIds: c.docIds,
      queryIds: c.queryIds,
      docRows: c.docs.data.length / c.dim,
      queryRows: c.queries.data.length / c.dim,
      encodeSeconds: c.encodeSeconds,
    }) + '\n',
  );
  const len = Buffer.alloc(8);
  len.writeBigUInt64LE(BigInt(header.length));
  // Pad so the arrays that follow start 4-byte aligned.
  const pad = Buffer.alloc((4 - ((8 + header.length) % 4)) % 4);
  const fd = openSync(path, 'w');
  try {
    for (const part of [len, header, pad, bytes(c.docs.offsets), bytes(c.docs.data), bytes(c.queries.offsets), bytes(c.queries.data)]) {
      let off = 0;
      while (off < part.length) off += writeSync(fd, part, off, Math.min(part.length - off, 1 << 30));
    }
  } finally {
    closeSync(fd);
  }
}

function readExact(fd: number, into: Uint8Array, position: number): void {
  let done = 0;
  while (done < into.length) {
    const n = readSync(fd, into, done, Math.min(into.length - done, 1 << 30), position + done);
    if (n === 0) throw new TartanError(ErrorCodes.INPUT_FORMAT, 'vectors file is truncated; save it again with --save-vectors');
    done += n;
  }
}

type Header = {
  magic: string;
  model: string;
  dim: number;
  docIds: string[];
  queryIds: string[];
  docRows: number;
  queryRows: number;
  encodeSeconds?: { docs: number; queries: number };
};

/** Checks a parsed header field by field and that the arrays it announces fill the rest of the file exactly. */
function checkHeader(h: unknown, bodyBytes: number, bad: (why: string) => TartanError): asserts h is Header {
  if (h === null || typeof h !== 'object') throw bad('the header is not an object');
  const v = h as Record<string, unknown>;
  if (v.magic !== MAGIC) throw bad(`magic ${JSON.stringify(v.magic)}`);
  if (typeof v.model !== 'string') throw bad('no model name');
  const count = (x: unknown) => Number.isSafeInteger(x) && (x as number) >= 0;
  if (!count(v.dim) || (v.dim as number) < 1 || !count(v.docRows) || !count(v.queryRows)) throw bad('bad dim or row counts');
  const ids = (x: unknown) => Array.isArray(x) && x.every((id) => typeof id === 'string');
  if (!ids(v.docIds) || !ids(v.queryIds)) throw bad('ids are not lists of strings');
  const words =
    (v.docIds as string[]).length +
    1 +
    (v.docRows as number) * (v.dim as number) +
    ((v.queryIds as string[]).length + 1) +
    (v.queryRows as number) * (v.dim as number);
  if (words * 4 !== bodyBytes) throw bad(`the header announces ${words * 4} bytes of arrays but the file holds ${bodyBytes}`);
}

/** Throws unless offsets start at 0, never decrease and end at `rows`. */
function checkOffsets(offsets: Uint32Array, rows: number, what: string, bad: (why: string) => TartanError): void {
  if (offsets[0] !== 0 || offsets[offsets.length - 1] !== rows) throw bad(`${what} offsets do not span the ${rows} rows`);
  for (let i = 1; i < offsets.length; i++) if (offsets[i] < offsets[i - 1]) throw bad(`${what} offsets decrease at ${i}`);
}

/** Reads a file written by {@link saveVectors}; a damaged or foreign file is E_INPUT_FORMAT. */
export function loadVectors(path: string): EncodedCollection {
  const bad = (why: string) =>
    new TartanError(ErrorCodes.INPUT_FORMAT, `${path} is not a valid tartan vectors file (${why}); create one with \`tartan bench search --save-vectors\``);
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch (e) {
    throw bad(`cannot open it: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  try {
    const size = fstatSync(fd).size;
    const len = Buffer.alloc(8);
    readExact(fd, len, 0);
    const hlen = Number(len.readBigUInt64LE());
    if (hlen <= 0 || 8 + hlen > size) throw bad('header length');
    const hbuf = Buffer.alloc(hlen);
    readExact(fd, hbuf, 8);
    let h: unknown;
    try {
      h = JSON.parse(hbuf.toString('utf8'));
    } catch {
      throw bad('the header is not JSON');
    }
    let pos = 8 + hlen + ((4 - ((8 + hlen) % 4)) % 4);
    checkHeader(h, size - pos, bad);
    const take = <T>(ctor: new (n: number) => T & ArrayBufferView, n: number, width: number): T => {
      const arr = new ctor(n);
      readExact(fd, new Uint8Array(arr.buffer, 0, n * width), pos);
      pos += n * width;
      return arr;
    };
    const docOffsets = take(Uint32Array, h.docIds.length + 1, 4);
    const docData = take(Float32Array, h.docRows * h.dim, 4);
    const queryOffsets = take(Uint32Array, h.queryIds.length + 1, 4);
    const queryData = take(Float32Array, h.queryRows * h.dim, 4);
    checkOffsets(docOffsets, h.docRows, 'document', bad);
    checkOffsets(queryOffsets, h.queryRows, 'query', bad);
    for (const data of [docData, queryData]) for (let i = 0; i < data.length; i++) if (!Number.isFinite(data[i])) throw bad(`vector value ${i} is ${data[i]}`);
    return {
      model: h.model,
      dim: h.dim,
      docIds: h.docIds,
      queryIds: h.queryIds,
      ...(typeof h.encodeSeconds?.docs === 'number' && typeof h.encodeSeconds.queries === 'number' ? { encodeSeconds: h.encodeSeconds } : {}),
      docs: { data: docData, offsets: docOffsets, dim: h.dim },
      queries: { data: queryData, offsets: queryOffsets, dim: h.dim },
    };
  } finally {
    closeSync(fd);
  }
}
