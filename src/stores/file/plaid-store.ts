/**
 * The compressed PLAID store: centroid codes + nbits residuals, searched in
 * PLAID's stages (see src/plaid/search.ts) over the snapshot's PLAID view.
 * @example
 * const store = await PlaidStore.create('/tmp/idx', { dim: 128, nbits: 2 });
 * await store.add(docs, vectors);
 * const hits = await store.search(query, { k: 10, nprobe: 4 });
 */
import type { StoreSearchOptions } from '../types.js';
import type { TokenMatrix, TokenMatrixBatch } from '../../core/tensors.js';
import { FileStore } from './file-store.js';
import type { CreateStoreOptions, ScoredDoc } from './file-store.js';
import type { LoadedSegment, Snapshot } from './snapshot.js';
import { decompressPassage, rerankRows } from '../../plaid/search-stages.js';
import { allowedCandidates, rerankDocuments, searchPlaid } from '../../plaid/search.js';
import { tableBytes } from '../../plaid/token-stages.js';
import { memoryOf } from './resident-memory.js';
import type { MemoryReport } from './resident-memory.js';

export class PlaidStore extends FileStore {
  /**
   * Every live passage decompressed to float32, with its document id: the
   * vectors an exhaustive exact search over this index would score (benchmarks use it as ground truth).
   */
  exportVectors(): { ids: string[]; vectors: TokenMatrixBatch } {
    const snap = this.current().acquire();
    try {
      const picks: Array<{ seg: number; passage: number }> = [];
      const ids: string[] = [];
      snap.segments.forEach((seg, si) => {
        for (let p = 0; p < seg.passageDoc.length; p++) {
          if (snap.deleted[seg.docBase + seg.passageDoc[p]]) continue;
          picks.push({ seg: si, passage: p });
          ids.push(seg.docs.ids[seg.passageDoc[p]]);
        }
      });
      const dim = this.dim;
      const offsets = new Uint32Array(picks.length + 1);
      picks.forEach((c, i) => {
        const seg = snap.segments[c.seg];
        offsets[i + 1] = offsets[i] + seg.tokenOffsets[c.passage + 1] - seg.tokenOffsets[c.passage];
      });
      const data = new Float32Array(offsets[picks.length] * dim);
      const index = snap.plaidIndex();
      if (index) picks.forEach((c, i) => decompressPassage(index, index.segments[c.seg], c.passage, data, offsets[i]));
      return { ids, vectors: { data, offsets, dim } };
    } finally {
      snap.release();
    }
  }

  /** Resident bytes (what stays in memory for search, scan tables included: they are built here if no search built them yet) and disk bytes. */
  memory(): MemoryReport {
    const snap = this.current().acquire();
    try {
      const index = snap.plaidIndex();
      return memoryOf(snap, index ? tableBytes(index) : 0);
    } finally {
      snap.release();
    }
  }

  static async create(dir: string, options: CreateStoreOptions): Promise<PlaidStore> {
    FileStore.initFolder(dir, { ...options, mode: 'plaid' });
    return new PlaidStore(dir, FileStore.loadSnapshot(dir));
  }

  static async open(dir: string): Promise<PlaidStore> {
    return new PlaidStore(dir, FileStore.loadSnapshot(dir));
  }

  /** Passage `p`'s rows as the exact rerank scores them (float16 originals, else decompressed codes), in the stored dimension. */
  protected passageVectors(snap: Snapshot, seg: LoadedSegment, p: number): Float32Array {
    const index = snap.plaidIndex();
    if (!index) return new Float32Array(0);
    return rerankRows(index, index.segments[snap.segments.indexOf(seg)], p);
  }

  protected async score(snap: Snapshot, query: TokenMatrix, options: StoreSearchOptions, allowed: Uint8Array): Promise<ScoredDoc[]> {
    const index = snap.plaidIndex();
    if (!index) return [];
    // Reranking a first stage: score every passage of the given documents exactly.
    if (options.candidates) return rerankDocuments(index, query, allowedCandidates(index, allowed), options.weights);
    // The final stage keeps at least k passages, so k hits come back whenever k documents exist.
    const s = snap.manifest.settings;
    const ndocs = Math.max(options.ndocs ?? s.ndocs, options.k ?? 0);
    return searchPlaid(index, query, { nprobe: options.nprobe ?? s.nprobe, ndocs, ...(options.weights ? { weights: options.weights } : {}) }, allowed);
  }
}
