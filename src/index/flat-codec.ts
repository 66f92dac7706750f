/**
 * Flat (uncompressed-structure) storage of token vectors: IEEE float16, or
 * int8 with one float32 scale per vector. Used by the flat mode for small
 * collections and exact search.
 */

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

/** float32 -> IEEE float16 bits (round to nearest even). */
export function toHalf(v: number): number {
  f32[0] = v;
  const x = u32[0];
  const sign = (x >>> 16) & 0x8000;
  const exp = (x >>> 23) & 0xff;
  let mant = x & 0x7fffff;
  if (exp === 0xff) return sign | 0x7c00 | (mant ? 0x200 : 0);
  let e = exp - 127 + 15;
  if (e >= 0x1f) return sign | 0x7c00;
  if (e <= 0) {
    if (e < -10) return sign;
    mant |= 0x800000;
    const shift = 14 - e;
    let h = mant >>> shift;
    const rem = mant & ((1 << shift) - 1), half = 1 << (shift - 1);
    if (rem > half || (rem === half && (h & 1))) h++;
    return sign | h;
  }
  let h = (e << 10) | (mant >>> 13);
  const rem = mant & 0x1fff;
  if (rem > 0x1000 || (rem === 0x1000 && (h & 1))) h++;
  return sign | h;
}

/** Packs float32 values into float16 bits. */
export function encodeF16(data: Float32Array): Uint16Array {
  const out = new Uint16Array(data.length);
  for (let i = 0; i < data.length; i++) out[i] = toHalf(data[i]);
  return out;
}

/** Quantises rows to int8 with a per-row scale (value = q * scale). */
export function encodeI8(data: Float32Array, dim: number): { values: Int8Array; scales: Float32Array } {
  const rows = data.length / dim;
  const values = new Int8Array(data.length);
  const scales = new Float32Array(rows);
  for (let r = 0; r < rows; r++) {
    let m = 0;
    for (let d = 0; d < dim; d++) m = Math.max(m, Math.abs(data[r * dim + d]));
    const scale = m > 0 ? m / 127 : 1;
    scales[r] = scale;
    for (let d = 0; d < dim; d++) values[r * dim + d] = Math.round(data[r * dim + d] / scale);
  }
  return { values, scales };
}
