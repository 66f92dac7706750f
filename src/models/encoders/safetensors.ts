/**
 * A reader for the safetensors format: an 8-byte little-endian header length, a JSON header
 * naming each tensor's dtype, shape and byte range, then the raw little-endian data.
 * Only what tartan needs: F32, F16 and BF16 tensors, converted to Float32Array.
 *
 * @example
 * ```ts
 * const file = await readSafetensors('1_Dense/model.safetensors');
 * const w = file.tensor('linear.weight'); // { shape: [96, 384], data: Float32Array }
 * ```
 */
import { readFile } from 'node:fs/promises';
import { ErrorCodes, TartanError } from '../../core/errors.js';

/** A tensor read from a safetensors file, as float32. */
export interface SafeTensor {
  readonly shape: number[];
  readonly data: Float32Array;
}

interface HeaderEntry {
  dtype: string;
  shape: number[];
  data_offsets: [number, number];
}

const BYTES_PER: Record<string, number> = { F32: 4, F16: 2, BF16: 2 };

/** The tensors of one safetensors file, converted on access. */
export class SafetensorsFile {
  private constructor(
    private readonly header: Record<string, HeaderEntry>,
    private readonly body: Buffer,
    readonly path: string,
  ) {}

  /** Parses a safetensors buffer; throws MODEL_CORRUPT on a malformed header. */
  static parse(buffer: Buffer, path = '<buffer>'): SafetensorsFile {
    const corrupt = (why: string) => new TartanError(ErrorCodes.MODEL_CORRUPT, `${path} is not a valid safetensors file (${why}); download it again.`);
    if (buffer.length < 8) throw corrupt('shorter than its 8-byte header length');
    const headerLength = Number(buffer.readBigUInt64LE(0));
    if (headerLength <= 0 || 8 + headerLength > buffer.length) throw corrupt(`header length ${headerLength} does not fit in ${buffer.length} bytes`);
    let parsed: Record<string, unknown>;
    try {
      parsed = JSON.parse(buffer.subarray(8, 8 + headerLength).toString('utf8')) as Record<string, unknown>;
    } catch {
      throw corrupt('header is not JSON');
    }
    if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) throw corrupt('header is not a JSON object');
    const body = buffer.subarray(8 + headerLength);
    const header: Record<string, HeaderEntry> = Object.create(null) as Record<string, HeaderEntry>;
    const count = (v: unknown) => Number.isSafeInteger(v) && (v as number) >= 0;
    for (const [name, entry] of Object.entries(parsed)) {
      if (name === '__metadata__') continue;
      const e = entry as HeaderEntry;
      // Negative, fractional or non-numeric offsets and dims would read outside the tensor or size arrays by garbage.
      const offsets = e !== null && typeof e === 'object' && Array.isArray(e.data_offsets) && e.data_offsets.length === 2 ? e.data_offsets : [];
      const [start, end] = offsets;
      if (
        typeof e?.dtype !== 'string' ||
        !Array.isArray(e.shape) ||
        !e.shape.every(count) ||
        !count(start) ||
        !count(end) ||
        end > body.length ||
        start > end
      ) {
        throw corrupt(`tensor '${name}' has an invalid dtype, shape or byte range`);
      }
      header[name] = e;
    }
    return new SafetensorsFile(header, body, path);
  }

  /** Names of the tensors in the file. */
  names(): string[] {
    return Object.keys(this.header);
  }

  /** Reads one tensor as float32. Throws MODEL_CORRUPT for a missing name or an unsupported dtype. */
  tensor(name: string): SafeTensor {
    const e = this.header[name];
    if (!e)
      throw new TartanError(ErrorCodes.MODEL_CORRUPT, `${this.path} has no tensor '${name}' (it has: ${this.names().join(', ')}); check the model files.`);
    const per = BYTES_PER[e.dtype];
    if (!per)
      throw new TartanError(
        ErrorCodes.MODEL_CORRUPT,
        `${this.path}: tensor '${name}' has dtype ${e.dtype}; tartan reads F32, F16 and BF16 only. Convert the layer to float32.`,
      );
    const count = e.shape.reduce((a, b) => a * b, 1);
    const [start, end] = e.data_offsets;
    if (end - start !== count * per)
      throw new TartanError(
        ErrorCodes.MODEL_CORRUPT,
        `${this.path}: tensor '${name}' holds ${end - start} bytes, its shape needs ${count * per}; download the file again.`,
      );
    const bytes = this.body.subarray(start, end);
    const data = new Float32Array(count);
    if (e.dtype === 'F32') {
      for (let i = 0; i < count; i++) data[i] = bytes.readFloatLE(i * 4);
    } else if (e.dtype === 'F16') {
      for (let i = 0; i < count; i++) data[i] = halfToFloat(bytes.readUInt16LE(i * 2));
    } else {
      // bfloat16 is the top half of a float32.
      const u32 = new Uint32Array(1);
      const f32 = new Float32Array(u32.buffer);
      for (let i = 0; i < count; i++) {
        u32[0] = bytes.readUInt16LE(i * 2) << 16;
        data[i] = f32[0];
      }
    }
    return { shape: [...e.shape], data };
  }
}

/** Reads and parses a safetensors file. */
export async function readSafetensors(path: string): Promise<SafetensorsFile> {
  let bytes: Buffer;
  try {
    bytes = await readFile(path);
  } catch (e) {
    throw new TartanError(
      ErrorCodes.MODEL_FILES_MISSING,
      `cannot read ${path} (${(e as NodeJS.ErrnoException).code ?? (e as Error).message}); download the model files again.`,
      { cause: e },
    );
  }
  return SafetensorsFile.parse(bytes, path);
}

/** Converts an IEEE 754 half-precision bit pattern to a number. */
export function halfToFloat(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exponent = (h >> 10) & 0x1f;
  const fraction = h & 0x3ff;
  if (exponent === 0) return sign * fraction * 2 ** -24;
  if (exponent === 0x1f) return fraction ? NaN : sign * Infinity;
  return sign * (1 + fraction / 1024) * 2 ** (exponent - 15);
}
