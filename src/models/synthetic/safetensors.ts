/**
 * Writes the safetensors format: an 8-byte little-endian header length, a JSON
 * header (dtype, shape, data_offsets per tensor) padded with spaces to a
 * multiple of 8, then the raw little-endian tensor bytes.
 */

/** One float32 tensor to store. */
export interface SafetensorsEntry {
  readonly name: string;
  readonly shape: readonly number[];
  readonly data: Float32Array;
}

/**
 * Encodes float32 tensors as one safetensors file.
 *
 * @example
 * ```ts
 * const bytes = encodeSafetensors([{ name: 'linear.weight', shape: [96, 384], data }]);
 * ```
 */
export function encodeSafetensors(entries: readonly SafetensorsEntry[]): Buffer {
  const header: Record<string, { dtype: string; shape: readonly number[]; data_offsets: [number, number] }> = {};
  let offset = 0;
  for (const e of entries) {
    const expected = e.shape.reduce((a, b) => a * b, 1);
    if (expected !== e.data.length) throw new Error(`tensor ${e.name}: shape [${e.shape.join(', ')}] needs ${expected} values, got ${e.data.length}`);
    header[e.name] = { dtype: 'F32', shape: e.shape, data_offsets: [offset, offset + e.data.byteLength] };
    offset += e.data.byteLength;
  }
  let json = Buffer.from(JSON.stringify(header), 'utf8');
  const padded = Math.ceil(json.length / 8) * 8;
  json = Buffer.concat([json, Buffer.alloc(padded - json.length, 0x20)]);
  const out = Buffer.alloc(8 + json.length + offset);
  out.writeBigUInt64LE(BigInt(json.length), 0);
  json.copy(out, 8);
  let at = 8 + json.length;
  for (const e of entries) {
    out.set(new Uint8Array(e.data.buffer, e.data.byteOffset, e.data.byteLength), at);
    at += e.data.byteLength;
  }
  return out;
}
