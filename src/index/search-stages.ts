/**
 * PLAID's search stages over a snapshot:
 * 1. centroid scores: every query token against every centroid;
 * 2. candidate generation: passages in the inverted lists of each query
 *    token's `nprobe` best centroids (filtered and deleted documents skipped),
 *    pruned to 4 x ndocs by a score computed from the lists alone;
 * 3. centroid interaction: an approximate MaxSim per candidate using the
 *    centroid scores of its token codes (no residuals read), keeping `ndocs`;
 * 4. exact rerank: the survivors' residuals are read, decompressed to float32
 *    and scored with the real MaxSim.
 */
import type { TokenMatrix } from '../tensors.js';
import { maxsim } from '../scoring/maxsim.js';
import { topK } from '../scoring/topk.js';
import type { Snapshot, LoadedSegment } from './snapshot.js';
import { decompress, residualBytes } from './residual-codec.js';

/** Scores of all centroids for all query rows, centroid-major: out[c * rows + q] = <q, C_c>. */
export function centroidScores(query: TokenMatrix, centroids: Float32Array, k: number): Float32Array {
  const { rows, dim, data } = query;
  const out = new Float32Array(k * rows);
  for (let c = 0; c < k; c++) {
    const co = c * dim, oo = c * rows;
    for (let q = 0; q < rows; q++) {
      const qo = q * dim;
      let s0 = 0, s1 = 0, s2 = 0, s3 = 0, d = 0;
      for (; d + 3 < dim; d += 4) {
        s0 += data[qo + d] * centroids[co + d];
        s1 += data[qo + d + 1] * centroids[co + d + 1];
        s2 += data[qo + d + 2] * centroids[co + d + 2];
        s3 += data[qo + d + 3] * centroids[co + d + 3];
      }
      for (; d < dim; d++) s0 += data[qo + d] * centroids[co + d];
      out[oo + q] = s0 + s1 + s2 + s3;
    }
  }
  return out;
}

/** A candidate passage: segment index and local passage number. */
export interface Candidate { seg: number; passage: number; score: number }

/**
 * Stage 2 with pruning (PLAID's cheap pass): each candidate scores the sum over
 * query rows of the best probed-centroid score among the lists it appears in,
 * computed from the inverted lists alone; the best `keep` per index survive,
 * grouped by segment for the full centroid interaction.
 */
export function prunedCandidates(snap: Snapshot, scores: Float32Array, rows: number, k: number, nprobe: number, allowed: Uint8Array, keep: number): Uint32Array[] {
  const col = new Float32Array(k);
  const perRow: Uint32Array[] = [];
  for (let q = 0; q < rows; q++) {
    for (let c = 0; c < k; c++) col[c] = scores[c * rows + q];
    perRow.push(topK(col, nprobe).indices);
  }
  const segOf: number[] = [], passOf: number[] = [], approx: number[] = [];
  snap.segments.forEach((seg, si) => {
    const n = seg.passageDoc.length, base = seg.entry.docBase;
    const total = new Float32Array(n);
    const best = new Float32Array(n).fill(-Infinity);
    const seen = new Uint8Array(n);
    const list: number[] = [];
    for (let q = 0; q < rows; q++) {
      const touched: number[] = [];
      for (const c of perRow[q]) {
        const sc = scores[c * rows + q];
        seg.ivf!.forEach(c, (p) => {
          if (!allowed[base + seg.passageDoc[p]]) return;
          if (best[p] === -Infinity) { touched.push(p); best[p] = sc; } else if (sc > best[p]) best[p] = sc;
        });
      }
      for (const p of touched) {
        total[p] += best[p];
        best[p] = -Infinity;
        if (!seen[p]) { seen[p] = 1; list.push(p); }
      }
    }
    for (const p of list) { segOf.push(si); passOf.push(p); approx.push(total[p]); }
  });
  const lists: number[][] = snap.segments.map(() => []);
  for (const i of topK(approx, keep).indices) lists[segOf[i]].push(passOf[i]);
  return lists.map((l) => Uint32Array.from(l));
}

/** Stage 3: approximate scores from centroid codes (sum over query rows of the best centroid score among the passage's tokens). */
export function centroidInteraction(snap: Snapshot, candidates: Uint32Array[], scores: Float32Array, rows: number, keep: number): Candidate[] {
  const all: Candidate[] = [];
  const best = new Float32Array(rows);
  candidates.forEach((list, si) => {
    const seg = snap.segments[si];
    const codes = seg.codes!;
    for (const p of list) {
      best.fill(-Infinity);
      for (let t = seg.tokenOffsets[p]; t < seg.tokenOffsets[p + 1]; t++) {
        const o = codes[t] * rows;
        for (let q = 0; q < rows; q++) if (scores[o + q] > best[q]) best[q] = scores[o + q];
      }
      let s = 0;
      for (let q = 0; q < rows; q++) s += best[q];
      all.push({ seg: si, passage: p, score: s });
    }
  });
  const approx = Float32Array.from(all, (c) => c.score);
  return Array.from(topK(approx, keep).indices, (i) => all[i]);
}

/** Reads and decompresses the vectors of one passage into `out` at row `outRow`. */
export function decompressPassage(snap: Snapshot, seg: LoadedSegment, p: number, out: Float32Array, outRow: number): void {
  const cb = snap.codebook!;
  const rb = residualBytes(cb.codec.dim, cb.codec.nbits);
  const t0 = seg.tokenOffsets[p], t1 = seg.tokenOffsets[p + 1];
  const packed = seg.residuals!.read(t0 * rb, (t1 - t0) * rb);
  decompress(cb.codec, cb.centroids, seg.codes!.subarray(t0, t1), packed, out, outRow);
}

/** Stage 4: exact MaxSim on the decompressed vectors of `cands`; returns raw and normalised scores in the same order. */
export function exactRerank(snap: Snapshot, query: TokenMatrix, cands: readonly Candidate[], weights?: Float32Array): { raw: Float32Array; normalized: Float32Array } {
  const dim = query.dim;
  const offsets = new Uint32Array(cands.length + 1);
  cands.forEach((c, i) => {
    const seg = snap.segments[c.seg];
    offsets[i + 1] = offsets[i] + seg.tokenOffsets[c.passage + 1] - seg.tokenOffsets[c.passage];
  });
  const data = new Float32Array(offsets[cands.length] * dim);
  cands.forEach((c, i) => decompressPassage(snap, snap.segments[c.seg], c.passage, data, offsets[i]));
  return maxsim(query, { dtype: 'f32', data, offsets, dim }, weights ? { variant: 'weighted', weights } : undefined);
}
