/**
 * A file of encoded vectors (documents and queries) so benchmarks reuse one
 * expensive encoding: a JSON header line (ids, shapes, model, encode time)
 * then the raw little-endian arrays: doc offsets (u32), doc data (f32),
 * query offsets (u32), query data (f32).
 */
import { openSync, writeSync, closeSync, readSync, fstatSync } from 'node:fs';
import { ErrorCodes, TartanError } from '../errors.js';
import type { TokenMatrixBatch } from '../tensors.js';

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
  const header = Buffer.from(JSON.stringify({ magic: MAGIC, model: c.model, dim: c.dim, docIds: c.docIds, queryIds: c.queryIds, docRows: c.docs.data.length / c.dim, queryRows: c.queries.data.length / c.dim, encodeSeconds: c.encodeSeconds }) + '\n');
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
  } finally { closeSync(fd); }
}

function readExact(fd: number, into: Uint8Array, position: number): void {
  let done = 0;
  while (done < into.length) {
    const n = readSync(fd, into, done, Math.min(into.length - done, 1 << 30), position + done);
    if (n === 0) throw new TartanError(ErrorCodes.INPUT_FORMAT, 'vectors file is truncated; save it again with --save-vectors');
    done += n;
  }
}

/** Reads a file written by {@link saveVectors}. */
export function loadVectors(path: string): EncodedCollection {
  const fd = openSync(path, 'r');
  try {
    const size = fstatSync(fd).size;
    const len = Buffer.alloc(8);
    readExact(fd, len, 0);
    const hlen = Number(len.readBigUInt64LE());
    if (hlen <= 0 || hlen > size) throw new TartanError(ErrorCodes.INPUT_FORMAT, `${path} is not a tartan vectors file; create one with \`tartan bench search --save-vectors\``);
    const hbuf = Buffer.alloc(hlen);
    readExact(fd, hbuf, 8);
    const h = JSON.parse(hbuf.toString('utf8')) as { magic: string; model: string; dim: number; docIds: string[]; queryIds: string[]; docRows: number; queryRows: number; encodeSeconds?: { docs: number; queries: number } };
    if (h.magic !== MAGIC) throw new TartanError(ErrorCodes.INPUT_FORMAT, `${path} is not a tartan vectors file (${String(h.magic)})`);
    let pos = 8 + hlen + ((4 - ((8 + hlen) % 4)) % 4);
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
    return {
      model: h.model, dim: h.dim, docIds: h.docIds, queryIds: h.queryIds, ...(h.encodeSeconds ? { encodeSeconds: h.encodeSeconds } : {}),
      docs: { data: docData, offsets: docOffsets, dim: h.dim }, queries: { data: queryData, offsets: queryOffsets, dim: h.dim },
    };
  } finally { closeSync(fd); }
}
