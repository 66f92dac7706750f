/**
 * Token-level kernels (native/plaid-tokens.cc where the addon is built, else
 * the twins below, which perform the same float32 operations in the same order
 * and so return the same bits given the same inputs):
 * - per query row a lookup table turning <row, residual> into rb table reads;
 * - exact (row, token) similarities for the tokens of each row's probed centroids;
 * - a refinement that scores exactly, per row, only the tokens whose centroid
 *   score is within a margin of the passage's best for that row.
 */
import { plaidNative } from './kernels.js';
import type { Codes } from './kernels.js';
import { bucketsByValue } from './kernels.js';
import type { ResidualCodec } from './residual-codec.js';
import { residualBytes } from './residual-codec.js';
import { topK } from '../scoring/topk.js';

/** A segment's tokens grouped by centroid, with what scoring one token needs. */
export interface TokenLists {
  /** Tokens of centroid c: listTokens[listStart[c]..listStart[c + 1]). */
  listStart: Uint32Array;
  listTokens: Uint32Array;
  passageOf: Uint32Array;
  /** 1 / |centroid + residual| per token. */
  invNorm: Float32Array;
  /** Packed residuals, token-major. */
  packed: Uint8Array;
}

interface TokenAddon {
  buildLut(query: Float32Array, rows: number, dim: number, nbits: number, wt: Float32Array, lut: Float32Array): void;
  invNorms(dim: number, nbits: number, centroids: Float32Array, wt: Float32Array, codes: Codes, packed: Uint8Array, out: Float32Array): void;
  tokenScores(
    listStart: Uint32Array,
    listTokens: Uint32Array,
    passageOf: Uint32Array,
    invNorm: Float32Array,
    packed: Uint8Array,
    dim: number,
    nbits: number,
    probes: Uint32Array,
    nprobe: number,
    scores: Float32Array,
    rows: number,
    lut: Float32Array,
    allowed: Uint8Array,
    imputed: Float32Array,
    found: Float32Array,
    outPassages: Uint32Array,
    outEst: Float32Array,
    keep?: number,
  ): number;
  refine(
    invNorm: Float32Array,
    packed: Uint8Array,
    dim: number,
    nbits: number,
    codes: Codes,
    tokenOffsets: Uint32Array,
    list: Uint32Array,
    found: Float32Array,
    ceiling: Float32Array,
    scores: Float32Array,
    rows: number,
    lut: Float32Array,
    margin: number,
    out: Float32Array,
  ): void;
}

function tokenNative(): TokenAddon | null {
  const n = plaidNative() as unknown as Partial<TokenAddon> | null;
  return n && typeof n.refine === 'function' ? (n as TokenAddon) : null;
}

const f = Math.fround;

/** Groups tokens by centroid (stable: ascending token ids within a centroid) and maps tokens to passages. */
export function groupTokens(codes: Codes, tokenOffsets: Uint32Array, k: number): Pick<TokenLists, 'listStart' | 'listTokens' | 'passageOf'> {
  const n = codes.length;
  const listStart = new Uint32Array(k + 1);
  for (let t = 0; t < n; t++) listStart[codes[t] + 1]++;
  for (let c = 0; c < k; c++) listStart[c + 1] += listStart[c];
  const fill = listStart.slice(0, k),
    listTokens = new Uint32Array(n),
    passageOf = new Uint32Array(n);
  for (let t = 0; t < n; t++) listTokens[fill[codes[t]]++] = t;
  for (let p = 0; p + 1 < tokenOffsets.length; p++) passageOf.fill(p, tokenOffsets[p], tokenOffsets[p + 1]);
  return { listStart, listTokens, passageOf };
}

/** 1 / |centroid + residual| of each token. */
export function invNorms(codec: ResidualCodec, centroids: Float32Array, codes: Codes, packed: Uint8Array): Float32Array {
  const out = new Float32Array(codes.length);
  const native = tokenNative();
  if (native) {
    native.invNorms(codec.dim, codec.nbits, centroids, bucketsByValue(codec), codes, packed, out);
    return out;
  }
  const { dim, nbits, weights } = codec,
    rb = residualBytes(dim, nbits),
    mask = (1 << nbits) - 1,
    buckets = 1 << nbits;
  for (let t = 0; t < codes.length; t++) {
    const co = codes[t] * dim,
      po = t * rb;
    let norm = 0;
    for (let d = 0; d < dim; d++) {
      const bit = d * nbits;
      const v = centroids[co + d] + weights[d * buckets + ((packed[po + (bit >> 3)] >> (bit & 7)) & mask)];
      norm += v * v;
    }
    out[t] = norm > 0 ? 1 / Math.sqrt(norm) : 1;
  }
  return out;
}

/** lut[(r * rb + j) * 256 + b]: <query row r, residual part held by byte j with value b>. */
export function buildLut(query: Float32Array, rows: number, codec: ResidualCodec, out?: Float32Array): Float32Array {
  const { dim, nbits } = codec,
    rb = residualBytes(dim, nbits);
  const lut = out ?? new Float32Array(rows * rb * 256);
  const wt = bucketsByValue(codec);
  const native = tokenNative();
  if (native) {
    native.buildLut(query, rows, dim, nbits, wt, lut);
    return lut;
  }
  const buckets = 1 << nbits,
    fields = 8 / nbits;
  const v = new Float32Array(fields * buckets);
  let tab = new Float32Array(256),
    next = new Float32Array(256);
  for (let r = 0; r < rows; r++) {
    for (let j = 0; j < rb; j++) {
      for (let i = 0; i < fields; i++) {
        const d = j * fields + i;
        for (let b = 0; b < buckets; b++) v[i * buckets + b] = d < dim ? f(query[r * dim + d] * wt[b * dim + d]) : 0;
      }
      // Built from the top field down, as the native kernel does, so sums round alike.
      let size = buckets;
      for (let b = 0; b < buckets; b++) tab[b] = v[(fields - 1) * buckets + b];
      for (let i = fields - 2; i >= 0; i--) {
        for (let hi = 0; hi < size; hi++) for (let lo = 0; lo < buckets; lo++) next[(hi << nbits) | lo] = f(tab[hi] + v[i * buckets + lo]);
        size <<= nbits;
        [tab, next] = [next, tab];
      }
      lut.set(tab, (r * rb + j) * 256);
    }
  }
  return lut;
}

/** (centroid score + sum_j lut[r][j][packed[j]]) * invNorm with the native kernel's four partial sums. */
function pairScore(lut: Float32Array, lo: number, packed: Uint8Array, po: number, rb: number, cs: number, inv: number): number {
  let a0 = 0,
    a1 = 0,
    a2 = 0,
    a3 = 0,
    j = 0;
  for (; j + 4 <= rb; j += 4) {
    a0 = f(a0 + lut[lo + j * 256 + packed[po + j]]);
    a1 = f(a1 + lut[lo + (j + 1) * 256 + packed[po + j + 1]]);
    a2 = f(a2 + lut[lo + (j + 2) * 256 + packed[po + j + 2]]);
    a3 = f(a3 + lut[lo + (j + 3) * 256 + packed[po + j + 3]]);
  }
  for (; j < rb; j++) a0 = f(a0 + lut[lo + j * 256 + packed[po + j]]);
  return f(f(cs + f(f(a0 + a1) + f(a2 + a3))) * inv);
}

/**
 * Exact similarities of each query row with the tokens of its probed centroids:
 * found[r * P + p] = best in passage p (-Infinity when none; row-major, so a row's
 * scan updates one small array); then foundEstimates.
 */
export function tokenScores(
  tl: TokenLists,
  codec: ResidualCodec,
  probes: Uint32Array,
  nprobe: number,
  scores: Float32Array,
  rows: number,
  lut: Float32Array,
  allowed: Uint8Array,
  imputed: Float32Array,
  found: Float32Array,
  outPassages: Uint32Array,
  outEst: Float32Array,
  keep = Infinity,
): number {
  const native = tokenNative();
  if (native) {
    return native.tokenScores(
      tl.listStart,
      tl.listTokens,
      tl.passageOf,
      tl.invNorm,
      tl.packed,
      codec.dim,
      codec.nbits,
      probes,
      nprobe,
      scores,
      rows,
      lut,
      allowed,
      imputed,
      found,
      outPassages,
      outEst,
      keep,
    );
  }
  const P = allowed.length,
    rb = residualBytes(codec.dim, codec.nbits),
    T = tl.passageOf.length;
  found.fill(-Infinity, 0, rows * P);
  for (let r = 0; r < rows; r++) {
    for (let i = 0; i < nprobe; i++) {
      const c = probes[r * nprobe + i];
      if (c === 0xffffffff) continue;
      const cs = scores[c * rows + r];
      for (let j = tl.listStart[c]; j < tl.listStart[c + 1]; j++) {
        const t = tl.listTokens[j];
        if (t >= T) continue;
        const p = tl.passageOf[t];
        if (p >= P || !allowed[p]) continue;
        const s = pairScore(lut, r * rb * 256, tl.packed, t * rb, rb, cs, tl.invNorm[t]);
        if (s > found[r * P + p]) found[r * P + p] = s;
      }
    }
  }
  return foundEstimates(found, P, rows, imputed, outPassages, outEst, keep);
}

/**
 * The passages with a found score in some row, in passage order, into outPassages, each with
 * est = sum over rows of found[r * P + p] (imputed[r] where -Infinity) in outEst; when there are
 * more than `keep`, only the best `keep` by estimate (ties to the lower passage), still in passage
 * order. Returns their count.
 */
export function foundEstimates(
  found: Float32Array,
  P: number,
  rows: number,
  imputed: Float32Array,
  outPassages: Uint32Array,
  outEst: Float32Array,
  keep = Infinity,
): number {
  let count = 0;
  for (let p = 0; p < P; p++) {
    let est = 0,
      any = false;
    for (let r = 0; r < rows; r++) {
      const v = found[r * P + p];
      if (v === -Infinity) est = f(est + imputed[r]);
      else {
        est = f(est + v);
        any = true;
      }
    }
    if (any) {
      outPassages[count] = p;
      outEst[count++] = est;
    }
  }
  if (count <= keep) return count;
  const best = topK(outEst.subarray(0, count), keep).indices.sort();
  best.forEach((i, j) => {
    outPassages[j] = outPassages[i];
    outEst[j] = outEst[i];
  });
  return best.length;
}

/**
 * Per listed passage: sum over rows of the exact best among tokens within `margin` of the row's best
 * centroid (or found) score and at most ceiling[r] (higher centroids were probed), joined with the found score.
 */
export function refine(
  tl: Pick<TokenLists, 'invNorm' | 'packed'>,
  codec: ResidualCodec,
  codes: Codes,
  tokenOffsets: Uint32Array,
  list: Uint32Array,
  found: Float32Array,
  ceiling: Float32Array,
  scores: Float32Array,
  rows: number,
  lut: Float32Array,
  margin: number,
): Float32Array {
  const out = new Float32Array(list.length);
  const native = tokenNative();
  if (native) {
    native.refine(tl.invNorm, tl.packed, codec.dim, codec.nbits, codes, tokenOffsets, list, found, ceiling, scores, rows, lut, margin, out);
    return out;
  }
  const P = tokenOffsets.length - 1,
    rb = residualBytes(codec.dim, codec.nbits),
    m = f(margin);
  const best = new Float32Array(rows),
    tau = new Float32Array(rows);
  for (let i = 0; i < list.length; i++) {
    const p = list[i],
      t0 = tokenOffsets[p],
      t1 = tokenOffsets[p + 1];
    best.fill(-Infinity);
    for (let t = t0; t < t1; t++) {
      const o = codes[t] * rows;
      for (let r = 0; r < rows; r++) if (scores[o + r] > best[r]) best[r] = scores[o + r];
    }
    for (let r = 0; r < rows; r++) {
      const fr = found[r * P + p];
      tau[r] = f(Math.max(best[r], fr) - m);
      best[r] = fr;
    }
    for (let t = t0; t < t1; t++) {
      const o = codes[t] * rows;
      for (let r = 0; r < rows; r++) {
        if (!(scores[o + r] >= tau[r] && scores[o + r] <= ceiling[r])) continue;
        const s = pairScore(lut, r * rb * 256, tl.packed, t * rb, rb, scores[o + r], tl.invNorm[t]);
        if (s > best[r]) best[r] = s;
      }
    }
    let sum = 0;
    for (let r = 0; r < rows; r++) sum = f(sum + best[r]);
    out[i] = sum;
  }
  return out;
}
