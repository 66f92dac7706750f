/**
 * The PLAID search kernels shared by the stages: native (native/plaid*.cc,
 * under `plaid` in the addon) where the addon is built, else the TypeScript
 * twins, which return the same values (probes bit for bit; centroid scores,
 * decompression and reranked MaxSim to float32 rounding). Token-level stage
 * kernels live in token-kernels.ts and fastscan-kernels.ts.
 * TARTAN_NATIVE=0 (or an addon built before these kernels) selects the twins.
 */
import { availableParallelism } from 'node:os';
import { nativeKernels } from '../scoring/maxsim-native.js';
import { topK } from '../scoring/topk.js';
import { toFloat16 } from '../scoring/float16.js';
import type { ResidualCodec } from './residual-codec.js';
import { decompress } from './residual-codec.js';

export type Codes = Uint16Array | Uint32Array;

/** The addon's PLAID functions (see native/plaid-addon.cc for the argument checks). */
export interface PlaidAddon {
  centroidScores(query: Float32Array, rows: number, dim: number, centroids: Float32Array, out: Float32Array, threads?: number): void;
  nearest(x: Float32Array, dim: number, centroids: Float32Array, out: Uint32Array, threads: number): void;
  /** Float32 to float16 bits on F16C; false when the CPU lacks it (nothing written). Absent from older builds. */
  toHalf?(src: Float32Array, out: Uint16Array, threads: number): boolean;
  /** Int8 nearest centroid (AVX-512 VNNI); false when the CPU lacks it (nothing written). Absent from older builds. */
  nearestI8?(x: Float32Array, dim: number, c8: Int8Array, cscale: Float32Array, csum: Int32Array, out: Uint32Array, threads: number): boolean;
  /** Packs the residuals of `x` against its codes' centroids (returns the summed squared residual norm). Absent from older builds. */
  encodeResiduals?(
    x: Float32Array,
    dim: number,
    nbits: number,
    centroids: Float32Array,
    codes: Uint32Array,
    cutoffs: Float32Array,
    out: Uint8Array,
    threads: number,
  ): number;
  probe(scores: Float32Array, rows: number, nprobe: number, probes: Uint32Array, threads?: number): void;
  decompress(dim: number, nbits: number, centroids: Float32Array, wt: Float32Array, codes: Codes, packed: Uint8Array, out: Float32Array): void;
  rerank(
    query: Float32Array,
    rows: number,
    weights: Float32Array,
    dim: number,
    nbits: number,
    centroids: Float32Array,
    wt: Float32Array,
    codes: Codes,
    packed: Uint8Array,
    offsets: Uint32Array,
    out: Float32Array,
    threads?: number,
  ): void;
}

/**
 * Threads one native search uses (stage 1, the fast scan, the refinement and the rerank split
 * their work): TARTAN_SEARCH_THREADS, else the cores available, at most 4 (beyond that the
 * per-query work is too small to share well).
 */
export function searchThreads(): number {
  const env = Number(process.env.TARTAN_SEARCH_THREADS);
  return Number.isInteger(env) && env >= 1 ? env : Math.min(4, availableParallelism());
}

let forced: 'ts' | undefined;

/** Forces the TypeScript twins ('ts') or restores the default ('auto'); for tests and benchmarks. */
export function setPlaidImpl(impl: 'ts' | 'auto'): void {
  forced = impl === 'ts' ? 'ts' : undefined;
}

/** The native PLAID kernels, or null (addon missing, disabled, older than these kernels, or forced off). */
export function plaidNative(): PlaidAddon | null {
  if (forced) return null;
  const p = (nativeKernels() as unknown as { plaid?: PlaidAddon } | null)?.plaid;
  return p && typeof p.rerank === 'function' ? p : null;
}

/** Float16 bit patterns of `src` (round to nearest even): the F16C kernel on every core where built, else {@link toFloat16}. */
export function toFloat16Bulk(src: Float32Array): Uint16Array {
  const native = plaidNative();
  if (native?.toHalf) {
    const out = new Uint16Array(src.length);
    if (native.toHalf(src, out, availableParallelism())) return out;
  }
  return toFloat16(src);
}

/** Stage 1 twin: out[c * rows + q] = <query_q, centroid_c> (the native kernel, or this loop). */
export function centroidScoresTs(query: Float32Array, rows: number, dim: number, centroids: Float32Array): Float32Array {
  const k = centroids.length / dim;
  const out = new Float32Array(k * rows);
  for (let c = 0; c < k; c++) {
    const co = c * dim,
      oo = c * rows;
    for (let q = 0; q < rows; q++) {
      const qo = q * dim;
      let s0 = 0,
        s1 = 0,
        s2 = 0,
        s3 = 0,
        d = 0;
      for (; d + 3 < dim; d += 4) {
        s0 += query[qo + d] * centroids[co + d];
        s1 += query[qo + d + 1] * centroids[co + d + 1];
        s2 += query[qo + d + 2] * centroids[co + d + 2];
        s3 += query[qo + d + 3] * centroids[co + d + 3];
      }
      for (; d < dim; d++) s0 += query[qo + d] * centroids[co + d];
      out[oo + q] = s0 + s1 + s2 + s3;
    }
  }
  return out;
}

/** The `nprobe` best centroids of each query row, best first (ties to the lower id); missing ones are 0xffffffff. */
export function probe(scores: Float32Array, rows: number, k: number, nprobe: number): Uint32Array {
  const probes = new Uint32Array(rows * nprobe).fill(0xffffffff);
  const native = plaidNative();
  if (native) {
    native.probe(scores, rows, nprobe, probes, searchThreads());
    return probes;
  }
  const col = new Float32Array(k);
  for (let q = 0; q < rows; q++) {
    for (let c = 0; c < k; c++) col[c] = scores[c * rows + q];
    probes.set(topK(col, nprobe).indices, q * nprobe);
  }
  return probes;
}

const transposed = new WeakMap<ResidualCodec, Float32Array>();

/** Bucket values bucket-major (wt[b * dim + d]), the layout the native decoder loads. */
export function bucketsByValue(codec: ResidualCodec): Float32Array {
  let wt = transposed.get(codec);
  if (!wt) {
    const { dim, weights } = codec,
      buckets = 1 << codec.nbits;
    wt = new Float32Array(buckets * dim);
    for (let d = 0; d < dim; d++) for (let b = 0; b < buckets; b++) wt[b * dim + d] = weights[d * buckets + b];
    transposed.set(codec, wt);
  }
  return wt;
}

/** Decompresses tokens (codes + packed residuals) into unit float32 rows of `out`. */
export function decompressTokens(codec: ResidualCodec, centroids: Float32Array, codes: Codes, packed: Uint8Array, out: Float32Array): void {
  const native = plaidNative();
  if (native) native.decompress(codec.dim, codec.nbits, centroids, bucketsByValue(codec), codes, packed, out);
  else decompress(codec, centroids, codes, packed, out);
}

/**
 * Stage 4 on the native side: candidate i's tokens are codes/packed rows
 * offsets[i]..offsets[i+1]; returns sum_q weights[q] * max_t <q, v_t> per
 * candidate without materialising more than a batch of rows. Null without the addon.
 */
export function rerankNative(
  query: Float32Array,
  rows: number,
  weights: Float32Array,
  codec: ResidualCodec,
  centroids: Float32Array,
  codes: Codes,
  packed: Uint8Array,
  offsets: Uint32Array,
): Float32Array | null {
  const native = plaidNative();
  if (!native) return null;
  const out = new Float32Array(offsets.length - 1);
  native.rerank(query, rows, weights, codec.dim, codec.nbits, centroids, bucketsByValue(codec), codes, packed, offsets, out, searchThreads());
  return out;
}
