/**
 * Candidate generation at token level (stages 2 and 3 of a search):
 * 2. every query row is compared exactly with the tokens of its `nprobe` best
 *    centroids (through per-row lookup tables over the packed residuals, no
 *    decompression); a passage's estimate is the sum over rows of its best
 *    found similarity, or, for rows that found none of its tokens, the row's
 *    weakest probed centroid score;
 * 3. the best `keep` estimates are refined: per row, the maximum over the
 *    tokens whose centroid score is within REFINE_MARGIN of the passage's best
 *    centroid score for that row (tokens of probed centroids already scored in
 *    stage 2 are not scored again); the best `ndocs` go to the exact rerank.
 * On SciFact-like vectors, where a centroid is a coarse stand-in for a token
 * (cosine about 0.9), ranking by centroid scores alone (PLAID's centroid
 * interaction) kept under 80% of the true top 10 among 256 candidates; exact
 * token similarities keep over 99%.
 * The per-segment tables (the fast-scan blocks: residual codes by centroid with
 * passage ids and 1/|decoded vector|; residuals token-major) are derived on
 * first use, held in memory (about 44 bytes per token at dim 128, nbits 2),
 * and shared by later views of the index while the segment's content key is unchanged.
 */
import type { TokenMatrix } from '../core/tensors.js';
import { topK } from '../scoring/topk.js';
import type { Candidate, PlaidIndex, PlaidSegment } from './types.js';
import { probe } from './kernels.js';
import type { TokenLists } from './token-kernels.js';
import { buildLut, groupTokens, invNorms, refine, tokenScores } from './token-kernels.js';
import type { QuantLut, ScanBlocks } from './fastscan-kernels.js';
import { buildBlocks, fastScan, fastScanSupports, quantLut, refineQuant } from './fastscan-kernels.js';
import { residualBytes } from './residual-codec.js';

/** What stages 2 and 3 read of a segment: blocks for the fast scan (nbits 1, 2, 4) or token lists (nbits 8), and token-major residuals for the refinement. */
interface SegmentTables {
  blocks?: ScanBlocks;
  lists?: TokenLists;
  invNorm: Float32Array;
  packed: Uint8Array;
}

/** Stage 3 scores a row's tokens exactly when their centroid score is within this of the passage's best for the row. */
export const REFINE_MARGIN = 0.1;

/**
 * Derived tables by codebook (shared by the views of an index while its centroids are unchanged,
 * so they go with the index once it is closed) and segment content key. Views over one codebook
 * with different segment sets evict each other's tables (rebuilt on their next search).
 */
const derived = new WeakMap<object, Map<string, SegmentTables>>();

function tablesOf(index: PlaidIndex, seg: PlaidSegment): SegmentTables {
  const key = seg.contentKey;
  let perIndex = derived.get(index.codebook);
  if (!perIndex) derived.set(index.codebook, (perIndex = new Map()));
  let tl = perIndex.get(key);
  if (!tl) {
    const cb = index.codebook,
      codes = seg.codes;
    const rb = residualBytes(cb.codec.dim, cb.codec.nbits);
    const packed = seg.residuals.read(0, codes.length * rb);
    const invNorm = invNorms(cb.codec, cb.centroids, codes, packed);
    const groups = groupTokens(codes, seg.tokenOffsets, cb.k);
    tl = fastScanSupports(cb.codec)
      ? { blocks: buildBlocks(groups.listStart, groups.listTokens, groups.passageOf, invNorm, packed, rb), invNorm, packed }
      : { lists: { ...groups, invNorm, packed }, invNorm, packed };
    perIndex.set(key, tl);
    // A new segment set (after an add, delete or compaction): forget tables of segments it no longer has.
    const live = new Set(index.segments.map((s) => s.contentKey));
    for (const k of perIndex.keys()) if (!live.has(k)) perIndex.delete(k);
  }
  return tl;
}

/** Reused between searches (used synchronously only). */
const scratch = {
  lut: new Float32Array(0),
  ql: undefined as QuantLut | undefined,
  found: [] as Float32Array[],
  passages: new Uint32Array(0),
  est: new Float32Array(0),
};

/** Stages 2 and 3 given the centroid scores (k x rows, centroid-major): the `ndocs` passages for the exact rerank. */
export function tokenCandidates(
  index: PlaidIndex,
  query: TokenMatrix,
  scores: Float32Array,
  nprobe: number,
  ndocs: number,
  allowedPassages: (seg: PlaidSegment) => Uint8Array,
  keep: number,
): Candidate[] {
  const cb = index.codebook,
    rows = query.rows,
    { codec } = cb;
  const probes = probe(scores, rows, cb.k, nprobe);
  const imputed = new Float32Array(rows);
  for (let r = 0; r < rows; r++) {
    let last = -1;
    for (let i = 0; i < nprobe; i++) if (probes[r * nprobe + i] !== 0xffffffff) last = probes[r * nprobe + i];
    imputed[r] = last >= 0 ? scores[last * rows + r] : -Infinity;
  }
  const fast = fastScanSupports(codec);
  let ql: QuantLut | undefined,
    lut: Float32Array = new Float32Array(0);
  if (!fast) {
    const lutSize = rows * residualBytes(codec.dim, codec.nbits) * 256;
    if (scratch.lut.length < lutSize) scratch.lut = new Float32Array(lutSize);
    lut = buildLut(query.data, rows, codec, scratch.lut.subarray(0, lutSize));
  } else {
    const n = rows * 2 * residualBytes(codec.dim, codec.nbits) * 16;
    if (!scratch.ql || scratch.ql.qlut.length !== n || scratch.ql.delta.length !== rows)
      scratch.ql = { qlut: new Uint8Array(n), delta: new Float32Array(rows), bias: new Float32Array(rows) };
    ql = quantLut(query.data, rows, codec, scratch.ql);
  }

  // Stage 2, per segment; estimates gathered for one global cut.
  const tables = index.segments.map((seg) => tablesOf(index, seg));
  const segOf: number[] = [],
    passOf: number[] = [],
    estOf: number[] = [];
  index.segments.forEach((seg, si) => {
    const ok = allowedPassages(seg);
    const P = ok.length;
    if (!scratch.found[si] || scratch.found[si].length < rows * P) scratch.found[si] = new Float32Array(rows * P);
    if (scratch.passages.length < P) {
      scratch.passages = new Uint32Array(P);
      scratch.est = new Float32Array(P);
    }
    const t = tables[si];
    // Each segment returns its best `keep` (a superset of its share of the global best `keep`).
    const n = t.blocks
      ? fastScan(t.blocks, codec, probes, nprobe, scores, rows, ql!, ok, imputed, scratch.found[si], scratch.passages, scratch.est, keep)
      : tokenScores(t.lists!, codec, probes, nprobe, scores, rows, lut, ok, imputed, scratch.found[si], scratch.passages, scratch.est, keep);
    for (let i = 0; i < n; i++) {
      segOf.push(si);
      passOf.push(scratch.passages[i]);
      estOf.push(scratch.est[i]);
    }
  });
  const kept: number[][] = index.segments.map(() => []);
  if (index.segments.length === 1) {
    kept[0] = passOf;
  } else {
    // In passage order within each segment, as a single segment's list comes.
    for (const i of topK(estOf, keep).indices.sort()) kept[segOf[i]].push(passOf[i]);
  }

  // Stage 3: refine the kept passages, then one global cut to ndocs.
  const cands: Candidate[] = [];
  const refined: number[] = [];
  kept.forEach((l, si) => {
    if (l.length === 0) return;
    const seg = index.segments[si],
      list = Uint32Array.from(l);
    const r = ql
      ? refineQuant(
          tables[si].invNorm,
          tables[si].packed,
          codec,
          seg.codes,
          seg.tokenOffsets,
          list,
          scratch.found[si],
          imputed,
          scores,
          rows,
          ql,
          REFINE_MARGIN,
        )
      : refine(tables[si], codec, seg.codes, seg.tokenOffsets, list, scratch.found[si], imputed, scores, rows, lut, REFINE_MARGIN);
    list.forEach((p, i) => {
      cands.push({ seg: si, passage: p, score: r[i] });
      refined.push(r[i]);
    });
  });
  return Array.from(topK(Float32Array.from(refined), ndocs).indices, (i) => cands[i]);
}

/** Bytes of the derived tables `index`'s segments hold (residuals shared with a heap-held source counted there, not here). */
export function tableBytes(index: PlaidIndex): number {
  let n = 0;
  for (const seg of index.segments) {
    const t = tablesOf(index, seg);
    const parts: ArrayBufferView[] = [t.invNorm];
    if (t.blocks) parts.push(t.blocks.blockStart, t.blocks.bytes, t.blocks.passage, t.blocks.invNorm);
    if (t.lists) parts.push(t.lists.listStart, t.lists.listTokens, t.lists.passageOf);
    if ((seg.residuals.heapBytes ?? 0) === 0) parts.push(t.packed);
    for (const p of parts) n += p.byteLength;
  }
  return n;
}
