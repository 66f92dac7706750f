/**
 * Saving and loading a {@link Bm25Index} as one binary file, `bm25.bin`, in a
 * directory. Layout (little-endian):
 *
 *   "TARTBM25" (8 bytes) | header length (u32) | header JSON (UTF-8) | padding to 8 | sections
 *
 * The header holds `{ format: "tartan-bm25", version, k1, b, sections: { name: [offset, byteLength] } }`;
 * sections are termOffsets, postingDocs, postingTfs, docLengths (u32 arrays) and
 * terms, docIds (UTF-8 JSON arrays). The file is written under a temporary name,
 * fsynced, then renamed over the old one, so a crash never leaves a half-written index.
 */
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { writeFileAtomic } from '../core/atomic-file.js';
import { join } from 'node:path';
import { ErrorCodes, TartanError } from '../core/errors.js';
import { Bm25Index, type Bm25Snapshot } from './bm25.js';
import type { EnglishAnalyser } from './analyser.js';

/** File name of the index inside its directory. */
export const BM25_FILE = 'bm25.bin';
/** Format version written by this code; readers refuse newer majors. */
export const BM25_FORMAT_VERSION = 1;

const MAGIC = Buffer.from('TARTBM25', 'ascii');

interface Header {
  format: 'tartan-bm25';
  version: number;
  k1: number;
  b: number;
  documents: number;
  terms: number;
  sections: Record<string, [number, number]>;
}

function pad8(n: number): number {
  return (n + 7) & ~7;
}

/**
 * Writes `index` (without its deleted documents) to `<dir>/bm25.bin`, creating `dir`.
 *
 * @example
 * ```ts
 * saveBm25(index, './work/scifact-bm25');
 * const again = loadBm25('./work/scifact-bm25');
 * ```
 */
export function saveBm25(index: Bm25Index, dir: string): void {
  const s = index.snapshot();
  const blobs: Array<[string, Buffer]> = [
    ['termOffsets', Buffer.from(s.termOffsets.buffer, s.termOffsets.byteOffset, s.termOffsets.byteLength)],
    ['postingDocs', Buffer.from(s.postingDocs.buffer, s.postingDocs.byteOffset, s.postingDocs.byteLength)],
    ['postingTfs', Buffer.from(s.postingTfs.buffer, s.postingTfs.byteOffset, s.postingTfs.byteLength)],
    ['docLengths', Buffer.from(s.docLengths.buffer, s.docLengths.byteOffset, s.docLengths.byteLength)],
    ['terms', Buffer.from(JSON.stringify(s.terms), 'utf8')],
    ['docIds', Buffer.from(JSON.stringify(s.docIds), 'utf8')],
  ];
  // offsets are relative to the start of the sections area, each aligned to 8 bytes
  const sections: Record<string, [number, number]> = {};
  let offset = 0;
  for (const [name, blob] of blobs) {
    sections[name] = [offset, blob.length];
    offset = pad8(offset + blob.length);
  }
  const header: Header = { format: 'tartan-bm25', version: BM25_FORMAT_VERSION, k1: s.k1, b: s.b, documents: s.docIds.length, terms: s.terms.length, sections };
  const headerBytes = Buffer.from(JSON.stringify(header), 'utf8');
  const lengthBytes = Buffer.alloc(4);
  lengthBytes.writeUInt32LE(headerBytes.length);
  const preamble = Buffer.concat([MAGIC, lengthBytes, headerBytes]);

  mkdirSync(dir, { recursive: true });
  const finalPath = join(dir, BM25_FILE);
  const parts: Uint8Array[] = [preamble, Buffer.alloc(pad8(preamble.length) - preamble.length)];
  for (const [, blob] of blobs) parts.push(blob, Buffer.alloc(pad8(blob.length) - blob.length));
  writeFileAtomic(finalPath, parts);
}

/** True when `dir` holds a saved BM25 index. */
export function hasBm25(dir: string): boolean {
  return existsSync(join(dir, BM25_FILE));
}

/** Loads an index saved by {@link saveBm25}. Throws INDEX_NOT_FOUND, INDEX_VERSION or INDEX_CORRUPT. */
export function loadBm25(dir: string, analyser?: EnglishAnalyser): Bm25Index {
  const path = join(dir, BM25_FILE);
  if (!existsSync(path))
    throw new TartanError(ErrorCodes.INDEX_NOT_FOUND, `No BM25 index at ${path}; build one first (e.g. \`tartan eval --pipeline bm25 --work-dir ${dir}\`).`);
  const file = readFileSync(path);
  const corrupt = (what: string) => new TartanError(ErrorCodes.INDEX_CORRUPT, `BM25 index ${path} is damaged (${what}); delete it and build it again.`);
  if (file.length < 12 || !file.subarray(0, 8).equals(MAGIC)) throw corrupt('not a tartan BM25 file');
  const headerLength = file.readUInt32LE(8);
  if (12 + headerLength > file.length) throw corrupt('header runs past the end of the file');
  let header: Header;
  try {
    header = JSON.parse(file.subarray(12, 12 + headerLength).toString('utf8')) as Header;
  } catch {
    throw corrupt('header is not JSON');
  }
  if (header === null || typeof header !== 'object' || header.format !== 'tartan-bm25') throw corrupt('unexpected format');
  if (typeof header.version !== 'number') throw corrupt('no format version');
  if (header.version > BM25_FORMAT_VERSION) {
    throw new TartanError(
      ErrorCodes.INDEX_VERSION,
      `BM25 index ${path} has format version ${header.version}, newer than this tartan reads (${BM25_FORMAT_VERSION}); upgrade tartan or rebuild the index.`,
    );
  }
  const base = pad8(12 + headerLength);
  const section = (name: string): Buffer => {
    const entry: unknown =
      header.sections !== null && typeof header.sections === 'object' && Object.hasOwn(header.sections, name) ? header.sections[name] : undefined;
    if (!entry) throw corrupt(`section ${name} missing`);
    if (!Array.isArray(entry) || entry.length !== 2 || !entry.every((v) => Number.isSafeInteger(v) && v >= 0))
      throw corrupt(`section ${name} has no valid [offset, length]`);
    const [offset, length] = entry as [number, number];
    if (base + offset + length > file.length) throw corrupt(`section ${name} runs past the end of the file`);
    return file.subarray(base + offset, base + offset + length);
  };
  // copy into fresh, aligned buffers: Buffer pooling does not guarantee 4-byte alignment
  const u32 = (name: string): Uint32Array => {
    const bytes = section(name);
    if (bytes.length % 4 !== 0) throw corrupt(`section ${name} is not a whole number of u32`);
    const out = new Uint32Array(bytes.length / 4);
    new Uint8Array(out.buffer).set(bytes);
    return out;
  };
  const json = (name: string): string[] => {
    let value: unknown;
    const bytes = section(name);
    try {
      value = JSON.parse(bytes.toString('utf8'));
    } catch {
      throw corrupt(`section ${name} is not JSON`);
    }
    if (!Array.isArray(value) || !value.every((v) => typeof v === 'string')) throw corrupt(`section ${name} is not a list of strings`);
    // A repeated id or term would make two documents (or postings lists) answer to one name.
    if (new Set(value).size !== value.length) throw corrupt(`section ${name} repeats an entry`);
    return value as string[];
  };
  const terms = json('terms'),
    docIds = json('docIds');
  const snapshot: Bm25Snapshot = {
    k1: header.k1,
    b: header.b,
    terms,
    termOffsets: u32('termOffsets'),
    postingDocs: u32('postingDocs'),
    postingTfs: u32('postingTfs'),
    docIds,
    docLengths: u32('docLengths'),
    deleted: new Uint8Array(docIds.length),
  };
  if (
    snapshot.termOffsets.length !== terms.length + 1 ||
    snapshot.docLengths.length !== docIds.length ||
    snapshot.termOffsets[terms.length] !== snapshot.postingDocs.length ||
    snapshot.postingTfs.length !== snapshot.postingDocs.length
  ) {
    throw corrupt('section sizes disagree');
  }
  for (let i = 0; i < snapshot.postingDocs.length; i++) if (snapshot.postingDocs[i] >= docIds.length) throw corrupt('posting points past the last document');
  // Decreasing offsets would give a negative (wrapped to ~4e9) postings count: an endless search.
  if (snapshot.termOffsets[0] !== 0) throw corrupt('term offsets do not start at 0');
  for (let t = 1; t < snapshot.termOffsets.length; t++) if (snapshot.termOffsets[t] < snapshot.termOffsets[t - 1]) throw corrupt('term offsets decrease');
  try {
    return Bm25Index.fromSnapshot(snapshot, analyser);
  } catch (e) {
    throw e instanceof TartanError && e.code === ErrorCodes.INVALID_ARGUMENT ? corrupt(`bad parameters: ${e.message}`) : e;
  }
}
