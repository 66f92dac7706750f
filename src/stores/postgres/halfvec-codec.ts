/**
 * Binary wire encoding of pgvector's `halfvec[]`, so token vectors travel to
 * PostgreSQL as 2 bytes per value instead of as decimal text. node-postgres
 * sends a Buffer parameter in binary format; the server then decodes it with
 * `array_recv` + pgvector's `halfvec_recv` (big-endian, like all of PostgreSQL's
 * binary formats).
 */
import { ErrorCodes, TartanError } from '../../core/errors.js';

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

/**
 * IEEE float32 -> float16 bit pattern, rounding to nearest even (the rounding
 * PostgreSQL's own float4 -> halfvec cast uses). Overflow gives +-Infinity.
 */
export function float32ToFloat16Bits(value: number): number {
  f32[0] = value;
  const bits = u32[0];
  const sign = (bits >>> 16) & 0x8000;
  const exp = (bits >>> 23) & 0xff;
  const mant = bits & 0x7fffff;
  if (exp === 0xff) return sign | 0x7c00 | (mant !== 0 ? 0x200 : 0);
  const e = exp - 127 + 15;
  if (e >= 0x1f) return sign | 0x7c00;
  if (e <= 0) {
    // Subnormal half (or zero): shift the mantissa with its implicit leading 1.
    if (e < -10) return sign;
    const m = mant | 0x800000;
    const shift = 14 - e;
    let half = m >>> shift;
    const rest = m & ((1 << shift) - 1);
    const halfway = 1 << (shift - 1);
    if (rest > halfway || (rest === halfway && (half & 1) !== 0)) half++;
    return sign | half;
  }
  let half = sign | (e << 10) | (mant >>> 13);
  const rest = mant & 0x1fff;
  // Carry into the exponent is correct: it rounds up to the next power of two.
  if (rest > 0x1000 || (rest === 0x1000 && (half & 1) !== 0)) half++;
  return half;
}

/** float16 bit pattern -> number. */
export function float16BitsToFloat32(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exp = (h >>> 10) & 0x1f;
  const mant = h & 0x3ff;
  if (exp === 0) return sign * mant * 2 ** -24;
  if (exp === 0x1f) return mant ? NaN : sign * Infinity;
  return sign * (1 + mant / 1024) * 2 ** (exp - 15);
}

/** Largest finite float16. */
const HALF_MAX = 65504;

/**
 * Encodes rows `[startRow, endRow)` of a packed `rows x dim` Float32Array as
 * the binary form of a one-dimensional `halfvec[]` whose element type has the
 * given OID (looked up per database: pgvector's types have no fixed OIDs).
 * Throws NON_FINITE_VALUE for NaN, infinities and values outside float16 range,
 * which pgvector would reject with a less helpful message.
 */
export function encodeHalfvecArray(data: Float32Array, dim: number, startRow: number, endRow: number, halfvecOid: number): Buffer {
  const n = endRow - startRow;
  const elemBytes = 4 + 2 * dim;
  const buf = Buffer.allocUnsafe(20 + n * (4 + elemBytes));
  let o = 0;
  o = buf.writeInt32BE(1, o); // ndim
  o = buf.writeInt32BE(0, o); // no NULLs
  o = buf.writeUInt32BE(halfvecOid, o);
  o = buf.writeInt32BE(n, o); // length of dimension 1
  o = buf.writeInt32BE(1, o); // lower bound
  for (let r = startRow; r < endRow; r++) {
    o = buf.writeInt32BE(elemBytes, o);
    o = buf.writeInt16BE(dim, o);
    o = buf.writeInt16BE(0, o); // pgvector's unused field
    const base = r * dim;
    for (let j = 0; j < dim; j++) {
      const v = data[base + j];
      if (!(v >= -HALF_MAX && v <= HALF_MAX)) {
        throw new TartanError(
          ErrorCodes.NON_FINITE_VALUE,
          `token vector row ${r}, component ${j} is ${v}; halfvec stores finite values within +-${HALF_MAX}. ` +
            'Check the encoder output (vectors should be L2-normalised).',
        );
      }
      o = buf.writeUInt16BE(float32ToFloat16Bits(v), o);
    }
  }
  return buf;
}
