/**
 * Stage 2 by fast scan (native/plaid-fastscan*.cc, or the twins below with the
 * same integer sums and float32 operations): each centroid's tokens in blocks
 * of 32 with byte j of the 32 tokens side by side, and each query row's
 * <row, residual> as 8-bit tables over 4-bit nibbles, so SIMD byte shuffles
 * score 32 tokens per lookup. nbits 1, 2 and 4 (a nibble holds whole fields).
 */
import { plaidNative, searchThreads } from './kernels.js';
import type { Codes } from './kernels.js';
import { bucketsByValue } from './kernels.js';
import type { ResidualCodec } from './residual-codec.js';
import { residualBytes } from './residual-codec.js';
import { foundEstimates } from './token-kernels.js';

export const SCAN_BLOCK = 32;
/** Refinement: a row with more tokens in range than this has its margin halved, at most REFINE_HALVINGS times. */
export const REFINE_CAP = 64;
export const REFINE_HALVINGS = 4;

export interface ScanBlocks {
  /** Blocks of centroid c: blockStart[c]..blockStart[c + 1]. */
  blockStart: Uint32Array;
  /** bytes[(b * rb + j) * 32 + i]: byte j of token i of block b. */
  bytes: Uint8Array;
  /** Passage per block slot, 0xffffffff for padding. */
  passage: Uint32Array;
  invNorm: Float32Array;
}

export interface QuantLut {
  qlut: Uint8Array;
  delta: Float32Array;
  bias: Float32Array;
}

interface ScanAddon {
  quantLut(
    query: Float32Array,
    rows: number,
    dim: number,
    nbits: number,
    wt: Float32Array,
    qlut: Uint8Array,
    delta: Float32Array,
    bias: Float32Array,
    threads?: number,
  ): void;
  fastScan(
    blockStart: Uint32Array,
    bytes: Uint8Array,
    passage: Uint32Array,
    invNorm: Float32Array,
    dim: number,
    nbits: number,
    probes: Uint32Array,
    nprobe: number,
    scores: Float32Array,
    rows: number,
    qlut: Uint8Array,
    delta: Float32Array,
    bias: Float32Array,
    allowed: Uint8Array,
    imputed: Float32Array,
    found: Float32Array,
    outPassages: Uint32Array,
    outEst: Float32Array,
    keep: number,
    threads?: number,
  ): number;
  refineQuant(
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
    qlut: Uint8Array,
    delta: Float32Array,
    bias: Float32Array,
    margin: number,
    out: Float32Array,
    threads?: number,
  ): void;
}

function scanNative(): ScanAddon | null {
  const n = plaidNative() as unknown as Partial<ScanAddon> | null;
  return n && typeof n.fastScan === 'function' ? (n as ScanAddon) : null;
}

const f = Math.fround;

/** Whether the fast scan handles this codec (a 4-bit nibble must hold whole fields). */
export function fastScanSupports(codec: ResidualCodec): boolean {
  return codec.nbits === 1 || codec.nbits === 2 || codec.nbits === 4;
}

/** Lays the tokens of each centroid out in blocks of 32 (tokens in listTokens order). */
export function buildBlocks(
  listStart: Uint32Array,
  listTokens: Uint32Array,
  passageOf: Uint32Array,
  invNorm: Float32Array,
  packed: Uint8Array,
  rb: number,
): ScanBlocks {
  const k = listStart.length - 1;
  const blockStart = new Uint32Array(k + 1);
  for (let c = 0; c < k; c++) blockStart[c + 1] = blockStart[c] + Math.ceil((listStart[c + 1] - listStart[c]) / SCAN_BLOCK);
  const nblocks = blockStart[k];
  const bytes = new Uint8Array(nblocks * rb * SCAN_BLOCK),
    passage = new Uint32Array(nblocks * SCAN_BLOCK).fill(0xffffffff),
    inv = new Float32Array(nblocks * SCAN_BLOCK);
  for (let c = 0; c < k; c++) {
    for (let j = listStart[c], slot = blockStart[c] * SCAN_BLOCK; j < listStart[c + 1]; j++, slot++) {
      const t = listTokens[j],
        b = Math.floor(slot / SCAN_BLOCK),
        i = slot % SCAN_BLOCK;
      passage[slot] = passageOf[t];
      inv[slot] = invNorm[t];
      for (let x = 0; x < rb; x++) bytes[(b * rb + x) * SCAN_BLOCK + i] = packed[t * rb + x];
    }
  }
  return { blockStart, bytes, passage, invNorm: inv };
}

/** Quantised nibble tables of a query (see native/plaid-fastscan.cc for the arithmetic, step by step). */
export function quantLut(query: Float32Array, rows: number, codec: ResidualCodec, out?: QuantLut): QuantLut {
  const { dim, nbits } = codec,
    rb = residualBytes(dim, nbits),
    nibbles = 2 * rb;
  const ql = out ?? { qlut: new Uint8Array(rows * nibbles * 16), delta: new Float32Array(rows), bias: new Float32Array(rows) };
  const wt = bucketsByValue(codec);
  const native = scanNative();
  if (native) {
    native.quantLut(query, rows, dim, nbits, wt, ql.qlut, ql.delta, ql.bias, searchThreads());
    return ql;
  }
  const mask = (1 << nbits) - 1,
    per = 4 / nbits,
    levels = Math.min(255, Math.floor(65535 / nibbles));
  const tab = new Float32Array(nibbles * 16),
    lo = new Float32Array(nibbles);
  for (let r = 0; r < rows; r++) {
    let maxRange = 0;
    for (let n = 0; n < nibbles; n++) {
      let mn = Infinity,
        mx = -Infinity;
      for (let v = 0; v < 16; v++) {
        let t = 0;
        for (let i = 0; i < per; i++) {
          const d = n * per + i;
          if (d < dim) t = f(t + f(query[r * dim + d] * wt[((v >> (i * nbits)) & mask) * dim + d]));
        }
        tab[n * 16 + v] = t;
        mn = Math.min(mn, t);
        mx = Math.max(mx, t);
      }
      lo[n] = mn;
      maxRange = Math.max(maxRange, f(mx - mn));
    }
    const step = maxRange > 0 ? f(maxRange / levels) : 1;
    let b = 0;
    for (let n = 0; n < nibbles; n++) b = f(b + lo[n]);
    for (let n = 0; n < nibbles; n++) {
      for (let v = 0; v < 16; v++) {
        const x = f(f(tab[n * 16 + v] - lo[n]) / step);
        ql.qlut[(r * nibbles + n) * 16 + v] = Math.min(levels, Math.max(0, Math.floor(f(x + 0.5))));
      }
    }
    ql.delta[r] = step;
    ql.bias[r] = b;
  }
  return ql;
}

/** Stage 2 over a segment's blocks: as tokenScores (token-kernels.ts), with similarities from the quantised tables. */
export function fastScan(
  sb: ScanBlocks,
  codec: ResidualCodec,
  probes: Uint32Array,
  nprobe: number,
  scores: Float32Array,
  rows: number,
  ql: QuantLut,
  allowed: Uint8Array,
  imputed: Float32Array,
  found: Float32Array,
  outPassages: Uint32Array,
  outEst: Float32Array,
  keep = Infinity,
): number {
  const native = scanNative();
  if (native) {
    return native.fastScan(
      sb.blockStart,
      sb.bytes,
      sb.passage,
      sb.invNorm,
      codec.dim,
      codec.nbits,
      probes,
      nprobe,
      scores,
      rows,
      ql.qlut,
      ql.delta,
      ql.bias,
      allowed,
      imputed,
      found,
      outPassages,
      outEst,
      keep,
      searchThreads(),
    );
  }
  const P = allowed.length,
    rb = residualBytes(codec.dim, codec.nbits),
    nibbles = 2 * rb;
  found.fill(-Infinity, 0, rows * P);
  for (let r = 0; r < rows; r++) {
    const qo = r * nibbles * 16,
      dr = ql.delta[r],
      br = ql.bias[r];
    for (let i = 0; i < nprobe; i++) {
      const c = probes[r * nprobe + i];
      if (c === 0xffffffff) continue;
      const cs = scores[c * rows + r];
      for (let b = sb.blockStart[c]; b < sb.blockStart[c + 1]; b++) {
        for (let t = 0; t < SCAN_BLOCK; t++) {
          const p = sb.passage[b * SCAN_BLOCK + t];
          if (p >= P || !allowed[p]) continue;
          let sum = 0;
          for (let j = 0; j < rb; j++) {
            const byte = sb.bytes[(b * rb + j) * SCAN_BLOCK + t];
            sum += ql.qlut[qo + 2 * j * 16 + (byte & 15)] + ql.qlut[qo + (2 * j + 1) * 16 + (byte >> 4)];
          }
          const s = f(f(cs + f(f(sum * dr) + br)) * sb.invNorm[b * SCAN_BLOCK + t]);
          if (s > found[r * P + p]) found[r * P + p] = s;
        }
      }
    }
  }
  return foundEstimates(found, P, rows, imputed, outPassages, outEst, keep);
}

/**
 * Stage 3 with the quantised tables: per listed passage and row, the best of the
 * found score and the scores of the passage's tokens whose centroid score is
 * within `margin` of the row's best (centroid or found) score and at most
 * ceiling[r] (tokens of higher centroids were probed: their scores, computed
 * the same way, are already in found); summed over rows. A row with more than
 * REFINE_CAP tokens in range has its margin halved (up to REFINE_HALVINGS times).
 */
export function refineQuant(
  invNorm: Float32Array,
  packed: Uint8Array,
  codec: ResidualCodec,
  codes: Codes,
  tokenOffsets: Uint32Array,
  list: Uint32Array,
  found: Float32Array,
  ceiling: Float32Array,
  scores: Float32Array,
  rows: number,
  ql: QuantLut,
  margin: number,
): Float32Array {
  const out = new Float32Array(list.length);
  const native = scanNative();
  if (native) {
    native.refineQuant(
      invNorm,
      packed,
      codec.dim,
      codec.nbits,
      codes,
      tokenOffsets,
      list,
      found,
      ceiling,
      scores,
      rows,
      ql.qlut,
      ql.delta,
      ql.bias,
      margin,
      out,
      searchThreads(),
    );
    return out;
  }
  const P = tokenOffsets.length - 1,
    rb = residualBytes(codec.dim, codec.nbits),
    nibbles = 2 * rb,
    m = f(margin);
  const best = new Float32Array(rows),
    tau = new Float32Array(rows),
    top = new Float32Array(rows),
    step = new Float32Array(rows),
    count = new Uint32Array(rows);
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
      top[r] = Math.max(best[r], fr);
      step[r] = m;
      tau[r] = f(top[r] - m);
      best[r] = fr;
    }
    for (let it = 0; it <= REFINE_HALVINGS; it++) {
      count.fill(0);
      for (let t = t0; t < t1; t++) {
        const o = codes[t] * rows;
        for (let r = 0; r < rows; r++) if (scores[o + r] >= tau[r] && scores[o + r] <= ceiling[r]) count[r]++;
      }
      let again = false;
      for (let r = 0; r < rows && it < REFINE_HALVINGS; r++) {
        if (count[r] <= REFINE_CAP) continue;
        step[r] = f(step[r] * 0.5);
        tau[r] = f(top[r] - step[r]);
        again = true;
      }
      if (!again) break;
    }
    for (let t = t0; t < t1; t++) {
      const o = codes[t] * rows,
        po = t * rb;
      for (let r = 0; r < rows; r++) {
        if (!(scores[o + r] >= tau[r] && scores[o + r] <= ceiling[r])) continue;
        const qo = r * nibbles * 16;
        let sum = 0;
        for (let j = 0; j < rb; j++) {
          const b = packed[po + j];
          sum += ql.qlut[qo + 2 * j * 16 + (b & 15)] + ql.qlut[qo + (2 * j + 1) * 16 + (b >> 4)];
        }
        const v = f(f(scores[o + r] + f(f(sum * ql.delta[r]) + ql.bias[r])) * invNorm[t]);
        if (v > best[r]) best[r] = v;
      }
    }
    let sum = 0;
    for (let r = 0; r < rows; r++) sum = f(sum + best[r]);
    out[i] = sum;
  }
  return out;
}
