/**
 * A snapshot: everything a search needs from one manifest generation. Small
 * tables (centroids, codes, inverted lists, passage tables, document records)
 * are in memory; residuals, flat vectors and texts stay on disk behind
 * positioned reads. A search holds the snapshot it started with, so writers
 * never block it; the snapshot's descriptors are closed when the last user
 * releases it after it was replaced.
 */
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { ErrorCodes, TartanError } from '../errors.js';
import type { FileEntry, Manifest, SegmentEntry } from './manifest.js';
import { PositionedFile } from './read-positioned.js';
import { InvertedLists } from './inverted-lists.js';
import type { DocumentTable } from './metadata-store.js';
import { decodeDocuments } from './metadata-store.js';
import type { ResidualCodec } from './residual-codec.js';
import { codecFromJson } from './residual-codec.js';
import { fromFloat16 } from '../scoring/float16.js';
import type { Codebook } from './codebook.js';

/** A loaded segment. Passage p of the segment spans tokens tokenOffsets[p]..[p+1] and belongs to local document passageDoc[p]. */
export interface LoadedSegment {
  entry: SegmentEntry;
  docs: DocumentTable;
  passageDoc: Uint32Array;
  tokenOffsets: Uint32Array;
  codes?: Uint16Array | Uint32Array;
  ivf?: InvertedLists;
  residuals?: PositionedFile;
  vectors?: PositionedFile;
  scales?: Float32Array;
  text?: PositionedFile;
}

function readEntry(dir: string, f: FileEntry): Uint8Array {
  const path = join(dir, f.name);
  let data: Buffer;
  try { data = readFileSync(path); } catch (e) {
    throw new TartanError(ErrorCodes.INDEX_CORRUPT, `index file ${path} named by the manifest is missing; restore the folder or rebuild the index`, { cause: e });
  }
  if (data.length !== f.bytes) throw new TartanError(ErrorCodes.INDEX_CORRUPT, `index file ${path} has ${data.length} bytes, the manifest says ${f.bytes}; rebuild the index`);
  return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
}

function openEntry(dir: string, f: FileEntry): PositionedFile {
  const file = new PositionedFile(join(dir, f.name));
  if (file.size !== f.bytes) {
    file.close();
    throw new TartanError(ErrorCodes.INDEX_CORRUPT, `index file ${f.name} has ${file.size} bytes, the manifest says ${f.bytes}; rebuild the index`);
  }
  return file;
}

function aligned<T>(bytes: Uint8Array, ctor: new (b: ArrayBuffer, o: number, n: number) => T, width: number): T {
  const b = bytes.byteOffset % width === 0 ? bytes : bytes.slice();
  return new ctor(b.buffer as ArrayBuffer, b.byteOffset, b.byteLength / width);
}

export class Snapshot {
  readonly segments: LoadedSegment[] = [];
  codebook?: Codebook;
  /** Global document number -> deleted. */
  readonly deleted: Uint8Array;
  /** External id -> global document number (live documents only). */
  readonly idToDoc = new Map<string, number>();
  readonly manifestMtimeMs: number;
  private users = 0;
  private retired = false;

  /** `previous`: the snapshot this one replaces; its codebook (and centroid engine) is reused when unchanged. */
  constructor(readonly dir: string, readonly manifest: Manifest, previous?: Snapshot) {
    this.manifestMtimeMs = statSync(join(dir, 'manifest.json')).mtimeMs;
    const cb = manifest.codebook;
    if (cb && previous?.codebook && previous.manifest.codebook?.files.centroids.name === cb.files.centroids.name) {
      this.codebook = previous.codebook;
    } else if (cb) {
      // Centroids are stored as float16.
      const centroids = fromFloat16(aligned(readEntry(dir, cb.files.centroids), Uint16Array, 2));
      const codec: ResidualCodec = codecFromJson(JSON.parse(Buffer.from(readEntry(dir, cb.files.codec)).toString('utf8')));
      this.codebook = { centroids, k: cb.centroids, codec };
    }
    this.deleted = new Uint8Array(manifest.nextDocBase);
    if (manifest.tombstones) for (const d of aligned(readEntry(dir, manifest.tombstones), Uint32Array, 4)) this.deleted[d] = 1;
    try {
      for (const entry of manifest.segments) this.segments.push(this.loadSegment(entry));
    } catch (e) {
      this.closeFiles();
      throw e;
    }
    for (const seg of this.segments) {
      seg.docs.ids.forEach((id, i) => { if (!this.deleted[seg.entry.docBase + i]) this.idToDoc.set(id, seg.entry.docBase + i); });
    }
  }

  private loadSegment(entry: SegmentEntry): LoadedSegment {
    const f = entry.files;
    const docs = decodeDocuments(Buffer.from(readEntry(this.dir, f.docs)).toString('utf8'));
    const table = aligned(readEntry(this.dir, f.passages), Uint32Array, 4);
    const p = table.length / 2;
    const passageDoc = table.subarray(0, p);
    const tokenOffsets = new Uint32Array(p + 1);
    for (let i = 0; i < p; i++) tokenOffsets[i + 1] = tokenOffsets[i] + table[p + i];
    const seg: LoadedSegment = { entry, docs, passageDoc, tokenOffsets, text: f.text.bytes > 0 ? openEntry(this.dir, f.text) : undefined };
    if (f.codes) {
      const k = this.manifest.codebook?.centroids ?? 0;
      seg.codes = k <= 65536 ? aligned(readEntry(this.dir, f.codes), Uint16Array, 2) : aligned(readEntry(this.dir, f.codes), Uint32Array, 4);
      seg.ivf = new InvertedLists(readEntry(this.dir, f.ivf), k);
      seg.residuals = openEntry(this.dir, f.residuals);
    }
    if (f.vectors) seg.vectors = openEntry(this.dir, f.vectors);
    if (f.scales) seg.scales = aligned(readEntry(this.dir, f.scales), Float32Array, 4);
    return seg;
  }

  /** The segment holding global document `doc` and the local index. */
  locate(doc: number): { seg: LoadedSegment; local: number } | undefined {
    for (const seg of this.segments) {
      const local = doc - seg.entry.docBase;
      if (local >= 0 && local < seg.entry.documents) return { seg, local };
    }
    return undefined;
  }

  acquire(): this { this.users++; return this; }

  release(): void {
    this.users--;
    if (this.retired && this.users <= 0) this.closeFiles();
  }

  /** Marks the snapshot replaced: its files close once no search uses it. */
  retire(): void {
    this.retired = true;
    if (this.users <= 0) this.closeFiles();
  }

  private closeFiles(): void {
    for (const s of this.segments) { s.residuals?.close(); s.vectors?.close(); s.text?.close(); }
  }
}
