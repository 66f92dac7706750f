/**
 * Encoding token vectors against a codebook (nearest centroid code plus packed
 * residual per token) and building a searchable segment in memory from them,
 * independent of where the bytes are kept afterwards.
 */

import type { Codes } from './kernels.js';
import { assignBulk, residualsOf } from './codebook.js';
import { encodeResiduals, residualBytes } from './residual-codec.js';
import { plaidNative, toFloat16Bulk } from './kernels.js';
import { availableParallelism } from 'node:os';
import type { ByteSource, Codebook, PlaidSegment } from './types.js';

/** Codes array of the right width for k centroids. */
export function codeArray(k: number, n: number): Codes {
  return k <= 65536 ? new Uint16Array(n) : new Uint32Array(n);
}

/**
 * Codes and packed residuals of `data` (rows of codebook.codec.dim), with the summed squared residual
 * norm (drift statistics).
 */
export async function encodeTokens(codebook: Codebook, data: Float32Array): Promise<{ codes: Codes; residuals: Uint8Array; sqResidualSum: number }> {
  const dim = codebook.codec.dim,
    tokens = data.length / dim;
  const assigned = tokens > 0 ? await assignBulk(codebook, data) : new Uint32Array(0);
  const codes = codeArray(codebook.k, tokens);
  codes.set(assigned);
  const native = plaidNative();
  if (native?.encodeResiduals && tokens > 0) {
    const { nbits, cutoffs } = codebook.codec;
    const packed = new Uint8Array(tokens * residualBytes(dim, nbits));
    const sq = native.encodeResiduals(data.subarray(0, tokens * dim), dim, nbits, codebook.centroids, assigned, cutoffs, packed, availableParallelism());
    return { codes, residuals: packed, sqResidualSum: sq };
  }
  const { residuals, sqNormSum } = residualsOf(data, dim, codebook.centroids, assigned);
  return { codes, residuals: encodeResiduals(codebook.codec, residuals), sqResidualSum: sqNormSum };
}

/** A byte source over bytes held in memory (reads return views unless `into` is given). */
export function memoryBytes(bytes: Uint8Array): ByteSource {
  return {
    size: bytes.byteLength,
    heapBytes: bytes.byteLength,
    read(offset: number, length: number, into?: Uint8Array): Uint8Array {
      if (!(offset >= 0 && length >= 0 && offset + length <= bytes.byteLength))
        throw new RangeError(`read of ${length} bytes at ${offset} past the ${bytes.byteLength} held`);
      const view = bytes.subarray(offset, offset + length);
      if (!into) return view;
      into.set(view);
      return into;
    },
  };
}

let memorySegments = 0;

/**
 * A segment held in memory: `data` (rows of codebook.codec.dim, in passage order) encoded against
 * `codebook`; passage p spans rows offsets[p]..offsets[p + 1] and belongs to document docBase + passageDoc[p].
 * `rerankVectors` 'f16' keeps the vectors as float16 for the exact rerank.
 * @example const seg = await memorySegment(cb, rows, offsets, passageDoc, 0, 'f16');
 */
export async function memorySegment(
  codebook: Codebook,
  data: Float32Array,
  offsets: Uint32Array,
  passageDoc: Uint32Array,
  docBase: number,
  rerankVectors: 'f16' | 'none' = 'f16',
): Promise<PlaidSegment> {
  const { codes, residuals } = await encodeTokens(codebook, data);
  const half = rerankVectors === 'f16' ? toFloat16Bulk(data) : undefined;
  return {
    docBase,
    passageDoc,
    tokenOffsets: offsets,
    codes,
    residuals: memoryBytes(residuals),
    ...(half ? { vectors: memoryBytes(new Uint8Array(half.buffer, half.byteOffset, half.byteLength)) } : {}),
    // Unique per segment built: its contents never change.
    contentKey: `memory:${++memorySegments}`,
  };
}
