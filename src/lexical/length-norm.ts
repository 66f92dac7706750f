/**
 * Lucene's lossy document-length encoding (`SmallFloat.intToByte4` /
 * `byte4ToInt`), which BM25 in Lucene 7+ (and so every Anserini BM25 run)
 * uses: lengths up to 39 are exact; longer ones keep 4 significant bits,
 * so 300 and 310 both decode to 280. Matching it moves scores by a few
 * percent on long documents and keeps rankings comparable to Anserini's.
 */
import { ErrorCodes, TartanError } from '../core/errors.js';

/** Encodes a non-negative integer into 4 significant bits, order-preserving (Lucene `longToInt4`). */
function toInt4(value: number): number {
  const bits = value === 0 ? 0 : 32 - Math.clz32(value);
  if (bits < 4) return value;
  const shift = bits - 4;
  // keep the 4 leading bits, drop the implicit top one, store the shift above them
  return ((value >>> shift) & 0x07) | ((shift + 1) << 3);
}

/** Decodes {@link toInt4} (Lucene `int4ToLong`). */
function fromInt4(code: number): number {
  const mantissa = code & 0x07;
  const shift = (code >>> 3) - 1;
  return shift === -1 ? mantissa : (mantissa | 0x08) * 2 ** shift;
}

/** Byte values below this encode the length itself. */
const EXACT_BELOW = 255 - toInt4(0x7fffffff);

/** Encodes a document length into one byte (0..255). */
export function encodeLength(length: number): number {
  if (!Number.isInteger(length) || length < 0) throw new TartanError(ErrorCodes.INVALID_ARGUMENT, `length must be a non-negative integer, got ${length}`);
  if (length < EXACT_BELOW) return length;
  return EXACT_BELOW + toInt4(Math.min(length, 0x7fffffff) - EXACT_BELOW);
}

/** Decodes one length byte back to the (approximate) length. */
export function decodeLength(code: number): number {
  if (code < EXACT_BELOW) return code;
  return EXACT_BELOW + fromInt4(code - EXACT_BELOW);
}

/** All 256 decoded lengths, indexed by the encoded byte. */
export const DECODED_LENGTHS: Float64Array = (() => {
  const table = new Float64Array(256);
  for (let i = 0; i < 256; i++) table[i] = decodeLength(i);
  return table;
})();
