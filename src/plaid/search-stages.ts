/**
 * The search stages over a {@link PlaidIndex} (types.ts: any storage that hands
 * out typed arrays and byte ranges), kernels native where the addon is built,
 * TypeScript twins otherwise:
 * 1. centroid scores: every query token against every centroid, once per query
 *    (int8 centroids and an int8-quantised query where the index stores int8
 *    centroids: centroid-scores-i8.ts);
 * 2-3. token-level candidate generation and refinement (token-stages.ts):
 *    exact similarities with the tokens of each query token's `nprobe` best
 *    centroids, then a pruned exact pass over the best 4 x ndocs passages;
 * 4. exact rerank of the best `ndocs`: MaxSim over the original vectors the
 *    index keeps as float16 (read for these candidates only), or, for
 *    segments without them, over vectors decompressed from the codes.
 */
import type { TokenMatrix } from '../core/tensors.js';
import type { PackedDocuments } from '../scoring/types.js';
import { maxsimValidated } from '../scoring/maxsim.js';
import { fromFloat16 } from '../scoring/float16.js';
import { finishScores, planVariant } from '../scoring/variants.js';
import type { Candidate, PlaidIndex, PlaidSegment } from './types.js';
import { residualBytes } from './residual-codec.js';
import { centroidScoresTs, decompressTokens, plaidNative, rerankNative, searchThreads } from './kernels.js';
import type { Codes } from './kernels.js';
import { engineOf } from './codebook.js';
import { tokenCandidates } from './token-stages.js';
import { centroidScoresI8, usesI8 } from './centroid-scores-i8.js';
import { unproject } from './projection.js';

/** Stage 3 keeps this many candidates per passage reranked in stage 4 (measured: see token-stages.ts). */
export const KEEP_FACTOR = 4;

/**
 * Scratch reused by every search on the native path, where the stages run
 * synchronously (no other search can interleave): a search would otherwise
 * allocate megabytes of typed arrays, and the collector time that costs was
 * as large as a stage.
 */
const scratch = {
  half: new Uint16Array(0),
  scores: new Float32Array(0),
  allowed: new Uint8Array(0),
  codes16: new Uint16Array(0),
  codes32: new Uint32Array(0),
  packed: new Uint8Array(0),
};

function grown<T extends Float32Array | Uint32Array | Uint16Array | Uint8Array>(current: T, n: number, make: (n: number) => T): T {
  return current.length >= n ? current : make(Math.max(n, Math.ceil(current.length * 1.5)));
}

function scratchScores(n: number): Float32Array {
  scratch.scores = grown(scratch.scores, n, (m) => new Float32Array(m));
  return scratch.scores.subarray(0, n);
}

/** Scores of all centroids for all query rows, centroid-major: out[c * rows + q] = <q, C_c> (TypeScript loop). */
export function centroidScores(query: TokenMatrix, centroids: Float32Array, k: number): Float32Array {
  return centroidScoresTs(query.data, query.rows, query.dim, centroids.subarray(0, k * query.dim));
}

/** Per passage of `seg`: 1 where its document may be returned (a view of scratch, valid until the next call). */
function allowedPassages(seg: PlaidSegment, allowed: Uint8Array): Uint8Array {
  const n = seg.passageDoc.length,
    base = seg.docBase;
  scratch.allowed = grown(scratch.allowed, n, (m) => new Uint8Array(m));
  const out = scratch.allowed.subarray(0, n);
  for (let p = 0; p < n; p++) out[p] = allowed[base + seg.passageDoc[p]];
  return out;
}

/**
 * Stages 1 to 3 for one query (in the stored dimension): the `ndocs` passages the exact rerank scores.
 * `allowed[doc]` is 1 for each global document number a hit may come from (deleted and filtered-out ones 0).
 */
export async function plaidCandidates(index: PlaidIndex, query: TokenMatrix, nprobe: number, ndocs: number, allowed: Uint8Array): Promise<Candidate[]> {
  const cb = index.codebook;
  const native = plaidNative();
  let scores: Float32Array;
  if (usesI8(cb)) {
    scores = await centroidScoresI8(query, cb, native ? scratchScores(cb.k * query.rows) : undefined);
  } else if (native) {
    scores = scratchScores(cb.k * query.rows);
    native.centroidScores(query.data.subarray(0, query.rows * query.dim), query.rows, query.dim, cb.centroids, scores, searchThreads());
  } else {
    scores = await (await engineOf(cb)).scores(query.data, query.rows);
  }
  return tokenCandidates(index, query, scores, nprobe, ndocs, (seg) => allowedPassages(seg, allowed), KEEP_FACTOR * ndocs);
}

/** Codes and packed residuals of `cands`, gathered contiguously into scratch (used synchronously); candidate i spans tokens offsets[i]..offsets[i+1]. */
function gather(index: PlaidIndex, cands: ReadonlyArray<{ seg: number; passage: number }>): { codes: Codes; packed: Uint8Array; offsets: Uint32Array } {
  const cb = index.codebook;
  const rb = residualBytes(cb.codec.dim, cb.codec.nbits);
  const offsets = new Uint32Array(cands.length + 1);
  cands.forEach((c, i) => {
    const seg = index.segments[c.seg];
    offsets[i + 1] = offsets[i] + seg.tokenOffsets[c.passage + 1] - seg.tokenOffsets[c.passage];
  });
  const tokens = offsets[cands.length];
  const wide = index.segments.some((s) => s.codes instanceof Uint32Array);
  let codes: Codes;
  if (wide) {
    scratch.codes32 = grown(scratch.codes32, tokens, (n) => new Uint32Array(n));
    codes = scratch.codes32.subarray(0, tokens);
  } else {
    scratch.codes16 = grown(scratch.codes16, tokens, (n) => new Uint16Array(n));
    codes = scratch.codes16.subarray(0, tokens);
  }
  scratch.packed = grown(scratch.packed, tokens * rb, (n) => new Uint8Array(n));
  const packed = scratch.packed.subarray(0, tokens * rb);
  cands.forEach((c, i) => {
    const seg = index.segments[c.seg];
    const t0 = seg.tokenOffsets[c.passage],
      n = offsets[i + 1] - offsets[i];
    if (n === 0) return;
    codes.set(seg.codes.subarray(t0, t0 + n), offsets[i]);
    // Cached residual files give a view, copied here; others are read straight into place.
    seg.residuals.read(t0 * rb, n * rb, packed.subarray(offsets[i] * rb, offsets[i + 1] * rb));
  });
  return { codes, packed, offsets };
}

/**
 * Reads and decompresses the vectors of one passage into `out` at row `outRow`, rows of the input dim:
 * in an index that reduces the dimension they are mapped back with the projection's transpose, so
 * <q, row> is the score of the projected query against the stored row.
 */
export function decompressPassage(index: PlaidIndex, seg: PlaidSegment, p: number, out: Float32Array, outRow: number): void {
  const cb = index.codebook;
  const { dim, nbits } = cb.codec;
  const rb = residualBytes(dim, nbits);
  const t0 = seg.tokenOffsets[p],
    t1 = seg.tokenOffsets[p + 1];
  const packed = seg.residuals.read(t0 * rb, (t1 - t0) * rb);
  if (!index.projection) {
    decompressTokens(cb.codec, cb.centroids, seg.codes.subarray(t0, t1), packed, out.subarray(outRow * dim, (outRow + t1 - t0) * dim));
    return;
  }
  const stored = new Float32Array((t1 - t0) * dim);
  decompressTokens(cb.codec, cb.centroids, seg.codes.subarray(t0, t1), packed, stored);
  out.set(unproject(index.projection, stored), outRow * index.projection.dim);
}

/**
 * Passage `p`'s rows as the exact rerank scores them, float32 in the stored dimension: the float16
 * originals where the segment keeps them, else the rows decompressed from the codes.
 */
export function rerankRows(index: PlaidIndex, seg: PlaidSegment, p: number): Float32Array {
  const { codec, centroids } = index.codebook,
    dim = codec.dim;
  const t0 = seg.tokenOffsets[p],
    n = seg.tokenOffsets[p + 1] - t0;
  if (seg.vectors) {
    const half = new Uint16Array(n * dim);
    seg.vectors.read(t0 * dim * 2, n * dim * 2, new Uint8Array(half.buffer));
    return fromFloat16(half);
  }
  const rb = residualBytes(dim, codec.nbits),
    out = new Float32Array(n * dim);
  decompressTokens(codec, centroids, seg.codes.subarray(t0, t0 + n), seg.residuals.read(t0 * rb, n * rb), out);
  return out;
}

/** Float16 rows of `cands` read from their segments' rerank vectors (every candidate's segment has them). */
function gatherVectors(index: PlaidIndex, cands: ReadonlyArray<{ seg: number; passage: number }>): PackedDocuments {
  const dim = index.codebook.codec.dim;
  const offsets = new Uint32Array(cands.length + 1);
  cands.forEach((c, i) => {
    const seg = index.segments[c.seg];
    offsets[i + 1] = offsets[i] + seg.tokenOffsets[c.passage + 1] - seg.tokenOffsets[c.passage];
  });
  const tokens = offsets[cands.length];
  scratch.half = grown(scratch.half, tokens * dim, (n) => new Uint16Array(n));
  const data = scratch.half.subarray(0, tokens * dim);
  const bytes = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  cands.forEach((c, i) => {
    const seg = index.segments[c.seg];
    const t0 = seg.tokenOffsets[c.passage],
      n = offsets[i + 1] - offsets[i];
    if (n > 0) seg.vectors!.read(t0 * dim * 2, n * dim * 2, bytes.subarray(offsets[i] * dim * 2, offsets[i + 1] * dim * 2));
  });
  return { dtype: 'f16', data, offsets, dim };
}

/**
 * Stage 4: exact MaxSim of `cands` (raw and normalised scores in the same order), over the kept
 * float16 originals, or over the decompressed vectors in an index that keeps none (rerankVectors
 * 'none', or written before the setting existed: the setting is fixed, so segments never mix).
 * The query was validated by the caller (a store's search checks it once, at its boundary).
 */
export function exactRerank(
  index: PlaidIndex,
  query: TokenMatrix,
  cands: readonly Candidate[],
  weights?: Float32Array,
): { raw: Float32Array; normalized: Float32Array } {
  if (cands.every((c) => index.segments[c.seg].vectors))
    return maxsimValidated(query, gatherVectors(index, cands), weights ? { variant: 'weighted', weights } : undefined);
  return decompressedRerank(index, query, cands, weights);
}

/** Exact MaxSim over vectors decompressed from the codes and residuals. */
function decompressedRerank(
  index: PlaidIndex,
  query: TokenMatrix,
  cands: readonly Candidate[],
  weights?: Float32Array,
): { raw: Float32Array; normalized: Float32Array } {
  const cb = index.codebook;
  const plan = planVariant(undefined, weights, query.rows);
  const { codes, packed, offsets } = gather(index, cands);
  const sums = rerankNative(query.data, query.rows, plan.weights, cb.codec, cb.centroids, codes, packed, offsets);
  if (sums) return finishScores(sums, plan);
  const data = new Float32Array(offsets[cands.length] * query.dim);
  decompressTokens(cb.codec, cb.centroids, codes, packed, data);
  return maxsimValidated(query, { dtype: 'f32', data, offsets, dim: query.dim }, weights ? { variant: 'weighted', weights } : undefined);
}
