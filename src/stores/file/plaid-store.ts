/**
 * The compressed PLAID store: centroid codes + nbits residuals, searched in
 * PLAID's stages (see search-stages.ts).
 * @example
 * const store = await PlaidStore.create('/tmp/idx', { dim: 128, nbits: 2 });
 * await store.add(docs, vectors);
 * const hits = await store.search(query, { k: 10, nprobe: 4 });
 */
import type { StoreSearchOptions } from '../types.js';
import type { TokenMatrix, TokenMatrixBatch } from '../../core/tensors.js';
import { FileStore } from './file-store.js';
import type { CreateStoreOptions, ScoredDoc } from './file-store.js';
import type { Snapshot } from './snapshot.js';
import type { Candidate } from '../../plaid/search-stages.js';
import { decompressPassage, exactRerank, plaidCandidates } from '../../plaid/search-stages.js';
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
      const cands: Candidate[] = [];
      const ids: string[] = [];
      snap.segments.forEach((seg, si) => {
        for (let p = 0; p < seg.passageDoc.length; p++) {
          if (snap.deleted[seg.entry.docBase + seg.passageDoc[p]]) continue;
          cands.push({ seg: si, passage: p, score: 0 });
          ids.push(seg.docs.ids[seg.passageDoc[p]]);
        }
      });
      const dim = this.dim;
      const offsets = new Uint32Array(cands.length + 1);
      cands.forEach((c, i) => { const seg = snap.segments[c.seg]; offsets[i + 1] = offsets[i] + seg.tokenOffsets[c.passage + 1] - seg.tokenOffsets[c.passage]; });
      const data = new Float32Array(offsets[cands.length] * dim);
      if (snap.codebook) cands.forEach((c, i) => decompressPassage(snap, snap.segments[c.seg], c.passage, data, offsets[i]));
      return { ids, vectors: { data, offsets, dim } };
    } finally { snap.release(); }
  }

  /** Resident bytes (what stays in memory for search, scan tables included: they are built here if no search built them yet) and disk bytes. */
  memory(): MemoryReport {
    const snap = this.current().acquire();
    try { return memoryOf(snap, snap.codebook ? tableBytes(snap) : 0); } finally { snap.release(); }
  }

  static async create(dir: string, options: CreateStoreOptions): Promise<PlaidStore> {
    FileStore.initFolder(dir, { ...options, mode: 'plaid' });
    return new PlaidStore(dir, FileStore.loadSnapshot(dir));
  }

  static async open(dir: string): Promise<PlaidStore> {
    return new PlaidStore(dir, FileStore.loadSnapshot(dir));
  }

  protected async score(snap: Snapshot, query: TokenMatrix, options: StoreSearchOptions, allowed: Uint8Array): Promise<ScoredDoc[]> {
    const cb = snap.codebook;
    if (!cb) return [];
    let cands: Candidate[];
    if (options.candidates) {
      // Reranking a first stage: score every passage of the given documents exactly.
      cands = [];
      snap.segments.forEach((seg, si) => {
        for (let p = 0; p < seg.passageDoc.length; p++) if (allowed[seg.entry.docBase + seg.passageDoc[p]]) cands.push({ seg: si, passage: p, score: 0 });
      });
    } else {
      // The final stage keeps at least k passages, so k hits come back whenever k documents exist.
      const s = snap.manifest.settings;
      cands = await plaidCandidates(snap, weightedRows(query, options.weights), options.nprobe ?? s.nprobe, Math.max(options.ndocs ?? s.ndocs, options.k ?? 0), allowed);
    }
    const { raw, normalized } = exactRerank(snap, query, cands, options.weights);
    return bestPerDocument(snap, cands, raw, normalized);
  }
}

/**
 * The query with each row scaled by its weight, so candidate generation ranks by weighted MaxSim
 * (sum of w_r max_t <q_r, d_t> equals sum of max_t <w_r q_r, d_t> when every weight is >= 0);
 * the query itself when there are no weights or some are negative.
 */
function weightedRows(query: TokenMatrix, weights: Float32Array | undefined): TokenMatrix {
  if (!weights || weights.length !== query.rows || weights.some((w) => !(w >= 0))) return query;
  // Divided by the mean weight (the ranking is unchanged), so similarities keep the scale stage 3's margin assumes.
  const mean = weights.reduce((a, b) => a + b, 0) / query.rows;
  if (!(mean > 0)) return query;
  const data = new Float32Array(query.rows * query.dim);
  for (let r = 0; r < query.rows; r++) for (let d = 0; d < query.dim; d++) data[r * query.dim + d] = query.data[r * query.dim + d] * (weights[r] / mean);
  return { data, rows: query.rows, dim: query.dim };
}

/** A document scores as its best passage. */
export function bestPerDocument(snap: Snapshot, cands: ReadonlyArray<{ seg: number; passage: number }>, raw: Float32Array, normalized: Float32Array): ScoredDoc[] {
  const best = new Map<number, ScoredDoc>();
  cands.forEach((c, i) => {
    const seg = snap.segments[c.seg];
    const doc = seg.entry.docBase + seg.passageDoc[c.passage];
    const prev = best.get(doc);
    if (!prev || raw[i] > prev.raw) best.set(doc, { doc, raw: raw[i], normalized: normalized[i] });
  });
  return [...best.values()];
}
