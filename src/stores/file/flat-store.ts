/**
 * The flat store: every token vector as float16 (or int8 + scale), no
 * centroids; a search is an exact MaxSim over all allowed documents. For small
 * collections and as ground truth.
 * @example const store = await FlatStore.create('/tmp/idx', { dim: 96, flatDtype: 'f16' });
 */
import type { StoreSearchOptions } from '../types.js';
import type { TokenMatrix } from '../../core/tensors.js';
import type { PackedDocuments } from '../../scoring/types.js';
import { maxsimValidated } from '../../scoring/maxsim.js';
import { FileStore } from './file-store.js';
import type { CreateStoreOptions, ScoredDoc } from './file-store.js';
import type { Snapshot, LoadedSegment } from './snapshot.js';
import { bestPerDocument } from '../../plaid/search.js';
import { storedDim } from '../../plaid/projection.js';
import { memoryOf } from './resident-memory.js';
import { fromFloat16 } from '../../scoring/float16.js';
import { dequantizeRowsInt8, quantizeRowsInt8 } from '../../scoring/quantize.js';
import type { MemoryReport } from './resident-memory.js';

export class FlatStore extends FileStore {
  static async create(dir: string, options: CreateStoreOptions): Promise<FlatStore> {
    FileStore.initFolder(dir, { ...options, mode: 'flat' });
    return new FlatStore(dir, FileStore.loadSnapshot(dir));
  }

  /** Resident bytes (document tables; vectors are heap-cached within TARTAN_INDEX_CACHE_MB) and disk bytes. */
  memory(): MemoryReport {
    const snap = this.current().acquire();
    try {
      return memoryOf(snap, 0);
    } finally {
      snap.release();
    }
  }

  static async open(dir: string): Promise<FlatStore> {
    return new FlatStore(dir, FileStore.loadSnapshot(dir));
  }

  /** The stored rows of passage `p` as float32 (int8 rows times their scales). */
  protected passageVectors(snap: Snapshot, seg: LoadedSegment, p: number): Float32Array {
    const docs = gather(seg, [p], storedDim(snap.manifest.settings), snap.manifest.settings.flatDtype);
    return docs.dtype === 'f16' ? fromFloat16(docs.data) : docs.dtype === 'i8' ? dequantizeRowsInt8(docs, docs.dim) : docs.data;
  }

  /** Against int8 rows the kernel scores an int8 copy of the query (see maxsim): that copy, as float32. */
  protected override scoringQuery(query: TokenMatrix): TokenMatrix {
    if (this.settings.flatDtype !== 'i8') return query;
    const data = dequantizeRowsInt8(quantizeRowsInt8(query.data.subarray(0, query.rows * query.dim), query.dim), query.dim);
    return { data, rows: query.rows, dim: query.dim };
  }

  protected score(snap: Snapshot, query: TokenMatrix, options: StoreSearchOptions, allowed: Uint8Array): ScoredDoc[] {
    const out: ScoredDoc[] = [];
    snap.segments.forEach((seg, si) => {
      const picks: number[] = [];
      for (let p = 0; p < seg.passageDoc.length; p++) if (allowed[seg.docBase + seg.passageDoc[p]]) picks.push(p);
      if (picks.length === 0) return;
      // The query reaches here in the stored dimension (FileStore.search projects it where the index reduces it).
      const docs = gather(seg, picks, storedDim(snap.manifest.settings), snap.manifest.settings.flatDtype);
      const { raw, normalized } = maxsimValidated(query, docs, options.weights ? { variant: 'weighted', weights: options.weights } : undefined);
      out.push(
        ...bestPerDocument(
          snap.segments,
          picks.map((p) => ({ seg: si, passage: p })),
          raw,
          normalized,
        ),
      );
    });
    return out;
  }
}

/** Reads the picked passages of a segment into one packed f16/i8 batch (one read when all are picked). */
function gather(seg: LoadedSegment, picks: number[], dim: number, dtype: 'f16' | 'i8'): PackedDocuments {
  const width = dtype === 'f16' ? 2 : 1;
  const offsets = new Uint32Array(picks.length + 1);
  picks.forEach((p, i) => {
    offsets[i + 1] = offsets[i] + seg.tokenOffsets[p + 1] - seg.tokenOffsets[p];
  });
  const tokens = offsets[picks.length];
  const bytes = new Uint8Array(tokens * dim * width);
  const scales = new Float32Array(dtype === 'i8' ? tokens : 0);
  if (picks.length === seg.passageDoc.length) {
    seg.vectors!.read(0, bytes.length, bytes);
    if (seg.scales) scales.set(seg.scales);
  } else {
    picks.forEach((p, i) => {
      const t0 = seg.tokenOffsets[p],
        t1 = seg.tokenOffsets[p + 1];
      seg.vectors!.read(t0 * dim * width, (t1 - t0) * dim * width, bytes.subarray(offsets[i] * dim * width, offsets[i + 1] * dim * width));
      if (seg.scales) scales.set(seg.scales.subarray(t0, t1), offsets[i]);
    });
  }
  if (dtype === 'f16') return { dtype: 'f16', data: new Uint16Array(bytes.buffer, 0, tokens * dim), offsets, dim };
  return { dtype: 'i8', data: new Int8Array(bytes.buffer, 0, tokens * dim), scales, offsets, dim };
}
