/**
 * PLAID's search stages over a snapshot (kernels in plaid-kernels.ts, native
 * where the addon is built):
 * 1. centroid scores: every query token against every centroid (once per query);
 * 2. candidate generation: passages in the inverted lists of each query
 *    token's `nprobe` best centroids (filtered and deleted documents skipped),
 *    pruned to `keep` by a score computed from the lists alone;
 * 3. centroid interaction: an approximate MaxSim per candidate from the
 *    centroid scores of its token codes (no residuals read), keeping `ndocs`;
 * 4. exact rerank: the survivors' residuals are read and scored with the real
 *    MaxSim, decompressed a batch at a time (never the whole candidate set).
 */
import type { TokenMatrix } from '../tensors.js';
import { maxsim } from '../scoring/maxsim.js';
import { topK } from '../scoring/topk.js';
import { finishScores, planVariant } from '../scoring/variants.js';
import { validateQuery } from '../scoring/validate.js';
import type { Snapshot, LoadedSegment } from './snapshot.js';
import { residualBytes } from './residual-codec.js';
import { centroidScoresTs, decompressTokens, interaction, listScores, plaidNative, probe, rerankNative } from './plaid-kernels.js';
import type { Codes } from './plaid-kernels.js';
import { engineOf } from './codebook.js';

/**
 * Scratch reused by every search on the native path, where stages 1 to 4 run
 * synchronously (no other search can interleave): a search would otherwise
 * allocate about 1.5 MiB of typed arrays, and the collector time that costs
 * was about as large as stage 3.
 */
const scratch = { scores: new Float32Array(0), passages: new Uint32Array(0), approx: new Float32Array(0), allowed: new Uint8Array(0), codes16: new Uint16Array(0), codes32: new Uint32Array(0), packed: new Uint8Array(0) };

function grown<T extends Float32Array | Uint32Array | Uint16Array | Uint8Array>(current: T, n: number, make: (n: number) => T): T {
  return current.length >= n ? current : make(Math.max(n, Math.ceil(current.length * 1.5)));
}

/**
 * Stages 1 to 3 for one query: the passages the exact rerank scores. Stage 2
 * keeps `keepFactor` x ndocs candidates for the full centroid interaction.
 */
export async function plaidCandidates(snap: Snapshot, query: TokenMatrix, nprobe: number, ndocs: number, allowed: Uint8Array, keepFactor = 4): Promise<Candidate[]> {
  const cb = snap.codebook!;
  const native = plaidNative();
  let scores: Float32Array;
  if (native) {
    scratch.scores = grown(scratch.scores, cb.k * query.rows, (n) => new Float32Array(n));
    scores = scratch.scores.subarray(0, cb.k * query.rows);
    native.centroidScores(query.data.subarray(0, query.rows * query.dim), query.rows, query.dim, cb.centroids, scores);
  } else {
    scores = await (await engineOf(cb)).scores(query.data, query.rows);
  }
  const lists = prunedCandidates(snap, scores, query.rows, cb.k, nprobe, allowed, keepFactor * ndocs);
  return centroidInteraction(snap, lists, scores, query.rows, ndocs);
}

/** Scores of all centroids for all query rows, centroid-major: out[c * rows + q] = <q, C_c>. */
export function centroidScores(query: TokenMatrix, centroids: Float32Array, k: number): Float32Array {
  return centroidScoresTs(query.data, query.rows, query.dim, centroids.subarray(0, k * query.dim));
}

/** A candidate passage: segment index and local passage number. */
export interface Candidate { seg: number; passage: number; score: number }

/** Per passage of `seg`: 1 where its document may be returned (a view of scratch, valid until the next call). */
function allowedPassages(seg: LoadedSegment, allowed: Uint8Array): Uint8Array {
  const n = seg.passageDoc.length, base = seg.entry.docBase;
  scratch.allowed = grown(scratch.allowed, n, (m) => new Uint8Array(m));
  const out = scratch.allowed.subarray(0, n);
  for (let p = 0; p < n; p++) out[p] = allowed[base + seg.passageDoc[p]];
  return out;
}

/**
 * Stage 2 with pruning (PLAID's cheap pass): each candidate scores the sum over
 * query rows of the best probed-centroid score among the lists it appears in,
 * computed from the inverted lists alone; the best `keep` per index survive,
 * grouped by segment for the full centroid interaction.
 */
export function prunedCandidates(snap: Snapshot, scores: Float32Array, rows: number, k: number, nprobe: number, allowed: Uint8Array, keep: number): Uint32Array[] {
  const probes = probe(scores, rows, k, nprobe);
  const found: Array<{ passages: Uint32Array; scores: Float32Array }> = snap.segments.map((seg) => {
    const ok = allowedPassages(seg, allowed);
    scratch.passages = grown(scratch.passages, ok.length, (n) => new Uint32Array(n));
    scratch.approx = grown(scratch.approx, ok.length, (n) => new Float32Array(n));
    const n = listScores(seg.ivf!, probes, nprobe, scores, rows, ok, scratch.passages, scratch.approx);
    // Copied out: the scratch is reused for the next segment.
    return { passages: scratch.passages.slice(0, n), scores: scratch.approx.slice(0, n) };
  });
  if (found.length === 1) {
    const best = topK(found[0].scores, keep).indices;
    return [Uint32Array.from(best, (i) => found[0].passages[i])];
  }
  const total = found.reduce((n, f) => n + f.passages.length, 0);
  const all = new Float32Array(total), segOf = new Uint32Array(total);
  let o = 0;
  found.forEach((f, si) => { all.set(f.scores, o); segOf.fill(si, o, o + f.scores.length); o += f.scores.length; });
  const lists: number[][] = snap.segments.map(() => []);
  const starts = [0];
  for (const f of found) starts.push(starts[starts.length - 1] + f.passages.length);
  for (const i of topK(all, keep).indices) lists[segOf[i]].push(found[segOf[i]].passages[i - starts[segOf[i]]]);
  return lists.map((l) => Uint32Array.from(l));
}

/** Stage 3: approximate scores from centroid codes (sum over query rows of the best centroid score among the passage's tokens). */
export function centroidInteraction(snap: Snapshot, candidates: Uint32Array[], scores: Float32Array, rows: number, keep: number): Candidate[] {
  const parts = candidates.map((list, si) => interaction(snap.segments[si].codes!, snap.segments[si].tokenOffsets, list, scores, rows));
  const total = candidates.reduce((n, l) => n + l.length, 0);
  const approx = new Float32Array(total);
  const all: Candidate[] = [];
  candidates.forEach((list, si) => {
    for (let i = 0; i < list.length; i++) { approx[all.length] = parts[si][i]; all.push({ seg: si, passage: list[i], score: parts[si][i] }); }
  });
  return Array.from(topK(approx, keep).indices, (i) => all[i]);
}

/** Codes and packed residuals of `cands`, gathered contiguously into scratch (used synchronously); candidate i spans tokens offsets[i]..offsets[i+1]. */
function gather(snap: Snapshot, cands: ReadonlyArray<{ seg: number; passage: number }>): { codes: Codes; packed: Uint8Array; offsets: Uint32Array } {
  const cb = snap.codebook!;
  const rb = residualBytes(cb.codec.dim, cb.codec.nbits);
  const offsets = new Uint32Array(cands.length + 1);
  cands.forEach((c, i) => {
    const seg = snap.segments[c.seg];
    offsets[i + 1] = offsets[i] + seg.tokenOffsets[c.passage + 1] - seg.tokenOffsets[c.passage];
  });
  const tokens = offsets[cands.length];
  const wide = snap.segments.some((s) => s.codes instanceof Uint32Array);
  let codes: Codes;
  if (wide) { scratch.codes32 = grown(scratch.codes32, tokens, (n) => new Uint32Array(n)); codes = scratch.codes32.subarray(0, tokens); }
  else { scratch.codes16 = grown(scratch.codes16, tokens, (n) => new Uint16Array(n)); codes = scratch.codes16.subarray(0, tokens); }
  scratch.packed = grown(scratch.packed, tokens * rb, (n) => new Uint8Array(n));
  const packed = scratch.packed.subarray(0, tokens * rb);
  cands.forEach((c, i) => {
    const seg = snap.segments[c.seg];
    const t0 = seg.tokenOffsets[c.passage], n = offsets[i + 1] - offsets[i];
    if (n === 0) return;
    codes.set(seg.codes!.subarray(t0, t0 + n), offsets[i]);
    // Cached residual files give a view, copied here; others are read straight into place.
    seg.residuals!.read(t0 * rb, n * rb, packed.subarray(offsets[i] * rb, offsets[i + 1] * rb));
  });
  return { codes, packed, offsets };
}

/** Reads and decompresses the vectors of one passage into `out` at row `outRow`. */
export function decompressPassage(snap: Snapshot, seg: LoadedSegment, p: number, out: Float32Array, outRow: number): void {
  const cb = snap.codebook!;
  const { dim, nbits } = cb.codec;
  const rb = residualBytes(dim, nbits);
  const t0 = seg.tokenOffsets[p], t1 = seg.tokenOffsets[p + 1];
  const packed = seg.residuals!.read(t0 * rb, (t1 - t0) * rb);
  decompressTokens(cb.codec, cb.centroids, seg.codes!.subarray(t0, t1), packed, out.subarray(outRow * dim, (outRow + t1 - t0) * dim));
}

/** Stage 4: exact MaxSim on the decompressed vectors of `cands`; returns raw and normalised scores in the same order. */
export function exactRerank(snap: Snapshot, query: TokenMatrix, cands: readonly Candidate[], weights?: Float32Array): { raw: Float32Array; normalized: Float32Array } {
  const cb = snap.codebook!;
  validateQuery(query);
  const plan = planVariant(undefined, weights, query.rows);
  const { codes, packed, offsets } = gather(snap, cands);
  const sums = rerankNative(query.data, query.rows, plan.weights, cb.codec, cb.centroids, codes, packed, offsets);
  if (sums) return finishScores(sums, plan);
  const data = new Float32Array(offsets[cands.length] * query.dim);
  decompressTokens(cb.codec, cb.centroids, codes, packed, data);
  return maxsim(query, { dtype: 'f32', data, offsets, dim: query.dim }, weights ? { variant: 'weighted', weights } : undefined);
}
