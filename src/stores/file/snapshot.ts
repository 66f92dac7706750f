/**
 * A snapshot: everything a search needs from one manifest generation. Small
 * tables (centroids, codes, inverted lists, passage tables, document records)
 * are in memory; residuals, flat vectors and texts stay on disk behind
 * positioned reads. A search holds the snapshot it started with, so writers
 * never block it; the snapshot's descriptors are closed when the last user
 * releases it after it was replaced.
 */
import { TartanError } from '../../core/errors.js';
import type { FileEntry, Manifest, SegmentEntry } from './manifest.js';
import { manifestStamp } from './manifest.js';
import type { PositionedFile } from './read-positioned.js';
import { InvertedLists } from '../../plaid/inverted-lists.js';
import type { DocumentTable } from './metadata-store.js';
import { decodeDocuments } from './metadata-store.js';
import type { ResidualCodec } from '../../plaid/residual-codec.js';
import { codecFromJson, residualBytes } from '../../plaid/residual-codec.js';
import { centroidsI8Of, decodeCentroids } from '../../plaid/centroid-bytes.js';
import { dequantizeRowsInt8 } from '../../scoring/quantize.js';
import type { Codebook, PlaidIndex, PlaidSegment } from '../../plaid/types.js';
import { codeArray, memoryBytes } from '../../plaid/segment-encoding.js';
import { CheckedFile, corruptFile, readVerified } from './verify.js';
import type { Projection } from '../../plaid/projection.js';
import { decodeProjection, storedDim } from '../../plaid/projection.js';

/** A loaded segment. Passage p of the segment spans tokens tokenOffsets[p]..[p+1] and belongs to local document passageDoc[p]. */
export interface LoadedSegment {
  entry: SegmentEntry;
  /** entry.docBase: global number of the segment's first document. */
  docBase: number;
  docs: DocumentTable;
  passageDoc: Uint32Array;
  tokenOffsets: Uint32Array;
  codes?: Uint16Array | Uint32Array;
  residuals?: PositionedFile;
  vectors?: PositionedFile;
  scales?: Float32Array;
  text?: PositionedFile;
}

function aligned<T>(bytes: Uint8Array, ctor: new (b: ArrayBuffer, o: number, n: number) => T, width: number): T {
  const b = bytes.byteOffset % width === 0 ? bytes : bytes.slice();
  return new ctor(b.buffer as ArrayBuffer, b.byteOffset, b.byteLength / width);
}

/** Inverted lists whose header (k + 1 byte offsets) rises from 0 to the end of the body, so walking a list stays inside it. */
function checkedLists(bytes: Uint8Array, k: number): InvertedLists {
  const head = (k + 1) * 4;
  if (bytes.byteLength < head) throw new RangeError(`${bytes.byteLength} bytes is shorter than the header for ${k} centroids`);
  const offsets = aligned(bytes.subarray(0, head), Uint32Array, 4);
  if (offsets[0] !== 0 || offsets[k] !== bytes.byteLength - head) throw new RangeError('list offsets do not span the body');
  for (let c = 0; c < k; c++) if (offsets[c + 1] < offsets[c]) throw new RangeError(`list ${c} ends before it starts`);
  return new InvertedLists(bytes, k);
}

const noBytes = memoryBytes(new Uint8Array(0));

/** A loaded segment as a PLAID segment; one without codes (it holds no tokens) reads as empty. */
function plaidSegment(seg: LoadedSegment, k: number): PlaidSegment {
  const f = seg.entry.files;
  return {
    docBase: seg.docBase,
    passageDoc: seg.passageDoc,
    tokenOffsets: seg.tokenOffsets,
    codes: seg.codes ?? codeArray(k, 0),
    residuals: seg.residuals ?? noBytes,
    ...(seg.vectors ? { vectors: seg.vectors } : {}),
    // By content (file hashes), not by file names.
    contentKey: `${f.codes?.sha256}:${f.residuals?.sha256}:${f.passages?.sha256}`,
  };
}

export class Snapshot {
  readonly segments: LoadedSegment[] = [];
  codebook?: Codebook;
  /** The dimension reduction applied to added vectors and queries (settings.pcaDim > 0, after the first add). */
  projection?: Projection;
  /** Global document number -> deleted. */
  readonly deleted: Uint8Array;
  /** External id -> global document number (live documents only). */
  readonly idToDoc = new Map<string, number>();
  /** Identity of the manifest file this snapshot was read from (see {@link manifestStamp}); a reader reloads when it changes. */
  readonly stamp: string;
  private users = 0;
  private retired = false;
  private plaid?: PlaidIndex;

  /**
   * `previous`: the snapshot this one replaces; its codebook (and centroid engine) is reused when unchanged.
   * `stamp`: taken before the manifest was read, so a manifest replaced meanwhile is seen as newer.
   * Every file is checked against the manifest (size, sha256) and the tables against each other before use.
   */
  constructor(
    readonly dir: string,
    readonly manifest: Manifest,
    previous?: Snapshot,
    stamp?: string,
  ) {
    this.stamp = stamp ?? manifestStamp(dir);
    const cb = manifest.codebook;
    const prev = previous?.manifest.codebook;
    // Reused only when the same files with the same checksums and count are named (a lying manifest may keep a name).
    if (
      cb &&
      previous?.codebook &&
      prev &&
      prev.centroids === cb.centroids &&
      ['centroids', 'codec'].every((r) => prev.files[r]?.name === cb.files[r].name && prev.files[r]?.sha256 === cb.files[r].sha256)
    ) {
      this.codebook = previous.codebook;
    } else if (cb) {
      this.codebook = this.loadCodebook(cb.centroids, cb.files);
    }
    const pf = manifest.projection;
    if (pf && previous?.projection && previous.manifest.projection?.name === pf.name && previous.manifest.projection.sha256 === pf.sha256) {
      this.projection = previous.projection;
    } else if (pf) {
      const { dim, pcaDim = 0 } = manifest.settings;
      this.projection = this.table(pf, () => decodeProjection(readVerified(dir, pf), dim, pcaDim));
    }
    this.deleted = new Uint8Array(manifest.nextDocBase);
    if (manifest.tombstones) {
      const t = manifest.tombstones;
      const table = this.table(t, () => aligned(readVerified(dir, t), Uint32Array, 4));
      for (const d of table) {
        if (d >= manifest.nextDocBase) throw corruptFile(dir, t.name, 'format', `names document ${d}, past the ${manifest.nextDocBase} documents of the index`);
        this.deleted[d] = 1;
      }
    }
    try {
      for (const entry of manifest.segments) this.segments.push(this.loadSegment(entry));
    } catch (e) {
      this.closeFiles();
      throw e;
    }
    for (const seg of this.segments) {
      seg.docs.ids.forEach((id, i) => {
        if (!this.deleted[seg.entry.docBase + i]) this.idToDoc.set(id, seg.entry.docBase + i);
      });
    }
  }

  /** Runs a decoder of file `f`; anything but a coded error becomes INDEX_CORRUPT naming the file. */
  private table<T>(f: FileEntry, decode: () => T): T {
    try {
      return decode();
    } catch (e) {
      if (e instanceof TartanError) throw e;
      throw corruptFile(this.dir, f.name, 'format', `cannot be decoded (${(e as Error).message})`, e);
    }
  }

  private loadCodebook(k: number, files: Record<string, FileEntry>): Codebook {
    const dim = storedDim(this.manifest.settings);
    const type = this.manifest.codebook?.centroidType ?? 'f16';
    // A size that does not match k x dim is a RangeError of the decoder, reported by table() as damage to the file.
    const bytes = this.table(files.centroids, () => readVerified(this.dir, files.centroids));
    const i8 = type === 'i8' ? this.table(files.centroids, () => centroidsI8Of(bytes, k, dim)) : undefined;
    const centroids = i8 ? dequantizeRowsInt8(i8, dim) : this.table(files.centroids, () => decodeCentroids(bytes, type, k, dim));
    const codec: ResidualCodec = this.table(files.codec, () => codecFromJson(JSON.parse(Buffer.from(readVerified(this.dir, files.codec)).toString('utf8'))));
    const buckets = 2 ** codec.nbits;
    if (codec.cutoffs.length !== dim * (buckets - 1) || codec.weights.length !== dim * buckets)
      throw corruptFile(this.dir, files.codec.name, 'format', 'has bucket tables of the wrong size');
    if (codec.dim !== dim || codec.nbits !== this.manifest.settings.nbits)
      throw corruptFile(
        this.dir,
        files.codec.name,
        'format',
        `is for dim ${codec.dim} / ${codec.nbits} bits, the index has dim ${dim} / ${this.manifest.settings.nbits} bits`,
      );
    return { centroids, k, codec, ...(i8 ? { i8 } : {}) };
  }

  private loadSegment(entry: SegmentEntry): LoadedSegment {
    const f = entry.files,
      dir = this.dir;
    const bad = (file: FileEntry, what: string) => corruptFile(dir, file.name, 'format', what);
    const docs = this.table(f.docs, () => decodeDocuments(Buffer.from(readVerified(dir, f.docs)).toString('utf8')));
    if (docs.ids.length !== entry.documents) throw bad(f.docs, `holds ${docs.ids.length} documents, the manifest says ${entry.documents}`);
    for (let i = 0; i < docs.ids.length; i++) {
      // Ids become map keys and hit ids; text references become read offsets.
      if (typeof docs.ids[i] !== 'string' || docs.ids[i].length === 0) throw bad(f.docs, `gives document ${i} no id string`);
      const off = docs.textRefs[2 * i],
        len = docs.textRefs[2 * i + 1];
      if (off !== -1 && !(Number.isSafeInteger(off) && Number.isSafeInteger(len) && off >= 0 && len >= 0))
        throw bad(f.docs, `gives document ${i} a text reference that is not a byte range`);
    }
    const table = this.table(f.passages, () => aligned(readVerified(dir, f.passages), Uint32Array, 4));
    const p = table.length / 2;
    if (p !== entry.passages) throw bad(f.passages, `holds ${p} passages, the manifest says ${entry.passages}`);
    const passageDoc = table.subarray(0, p);
    const tokenOffsets = new Uint32Array(p + 1);
    for (let i = 0; i < p; i++) {
      if (passageDoc[i] >= entry.documents) throw bad(f.passages, `assigns passage ${i} to document ${passageDoc[i]} of ${entry.documents}`);
      tokenOffsets[i + 1] = tokenOffsets[i] + table[p + i];
    }
    if (tokenOffsets[p] !== entry.tokens) throw bad(f.passages, `sums to ${tokenOffsets[p]} tokens, the manifest says ${entry.tokens}`);
    const seg: LoadedSegment = { entry, docBase: entry.docBase, docs, passageDoc, tokenOffsets };
    const opened: PositionedFile[] = [];
    const open = (file: FileEntry, cache = true) => {
      const h = CheckedFile.open(dir, file, cache);
      opened.push(h);
      return h;
    };
    try {
      if (f.text.bytes > 0) seg.text = open(f.text);
      for (let i = 0; i < docs.ids.length; i++) {
        const off = docs.textRefs[2 * i],
          len = docs.textRefs[2 * i + 1];
        if (off >= 0 && off + len > f.text.bytes) throw bad(f.docs, `points document ${i}'s text past the end of ${f.text.name}`);
      }
      const s = this.manifest.settings,
        tokens = entry.tokens,
        dim = storedDim(s);
      if (f.codes) {
        const k = this.manifest.codebook?.centroids ?? 0;
        if (!this.codebook) throw bad(f.codes, 'has codes but the manifest names no codebook');
        const codes = this.table(f.codes, () =>
          k <= 65536 ? aligned(readVerified(dir, f.codes), Uint16Array, 2) : aligned(readVerified(dir, f.codes), Uint32Array, 4),
        );
        if (codes.length !== tokens) throw bad(f.codes, `holds ${codes.length} codes for ${tokens} tokens`);
        // A code past the centroid table would index outside the centroid scores in every later stage.
        const bound = this.codebook.k;
        for (let t = 0; t < codes.length; t++) if (codes[t] >= bound) throw bad(f.codes, `gives token ${t} code ${codes[t]}, but there are ${bound} centroids`);
        seg.codes = codes;
        // Checked here, not kept: search scans token-level tables (token-stages.ts); `tartan check` rebuilds and compares them.
        this.table(f.ivf, () => checkedLists(readVerified(dir, f.ivf), k));
        seg.residuals = open(f.residuals);
        if (seg.residuals.size !== tokens * residualBytes(dim, s.nbits)) throw bad(f.residuals, `has ${seg.residuals.size} bytes for ${tokens} tokens`);
      } else if (s.mode === 'plaid' && tokens > 0) {
        throw bad(f.docs, 'belongs to a plaid segment without codes');
      }
      if (f.vectors) {
        // A plaid index's rerank vectors are read only for the final candidates: never held in the heap.
        seg.vectors = open(f.vectors, s.mode === 'flat');
        const width = s.mode === 'plaid' || s.flatDtype === 'f16' ? 2 : 1;
        if (seg.vectors.size !== tokens * dim * width) throw bad(f.vectors, `has ${seg.vectors.size} bytes for ${tokens} tokens of dim ${dim}`);
      } else if (s.mode === 'flat' && tokens > 0) {
        throw bad(f.docs, 'belongs to a flat segment without vectors');
      }
      if (f.scales) seg.scales = this.table(f.scales, () => aligned(readVerified(dir, f.scales), Float32Array, 4));
      if (s.mode === 'flat' && s.flatDtype === 'i8' && (seg.scales?.length ?? 0) !== tokens)
        throw bad(f.scales ?? f.docs, `holds ${seg.scales?.length ?? 0} scales for ${tokens} tokens`);
    } catch (e) {
      for (const h of opened) h.close();
      throw e;
    }
    return seg;
  }

  /** The snapshot as the PLAID search stages read it (built once); undefined until a codebook exists. */
  plaidIndex(): PlaidIndex | undefined {
    if (!this.codebook) return undefined;
    this.plaid ??= {
      codebook: this.codebook,
      ...(this.projection ? { projection: this.projection } : {}),
      segments: this.segments.map((seg) => plaidSegment(seg, this.codebook!.k)),
    };
    return this.plaid;
  }

  /** The segment holding global document `doc` and the local index. */
  locate(doc: number): { seg: LoadedSegment; local: number } | undefined {
    for (const seg of this.segments) {
      const local = doc - seg.entry.docBase;
      if (local >= 0 && local < seg.entry.documents) return { seg, local };
    }
    return undefined;
  }

  acquire(): this {
    this.users++;
    return this;
  }

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
    for (const s of this.segments) {
      s.residuals?.close();
      s.vectors?.close();
      s.text?.close();
    }
  }
}
