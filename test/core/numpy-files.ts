/**
 * A tiny writer of numpy files for tests: .npy bytes (any version, dtype, order) and zip archives of them
 * (.npz), stored or deflated, with or without zip64 records, laid out as numpy and Python's zipfile write them.
 */
import { crc32, deflateRawSync } from 'node:zlib';

export interface NpyOptions {
  /** Format major version 1, 2 or 3 (default 1). */
  version?: 1 | 2 | 3;
  fortranOrder?: boolean;
  /** Replaces the header dict text (for malformed files). */
  header?: string;
}

/** The nearest float16 bits of a value that is normal in half precision (or zero). */
function toHalf(v: number): number {
  if (v === 0) return 0;
  const sign = v < 0 ? 0x8000 : 0;
  const a = Math.abs(v);
  const exp = Math.floor(Math.log2(a));
  const frac = Math.round((a / 2 ** exp - 1) * 1024);
  return sign | ((exp + 15) << 10) | frac;
}

/** The bytes of a .npy file holding `values` (row-major) of `shape` and dtype `descr` (e.g. `<f4`, `<f2`, `<i8`, `>f4`). */
export function npyBytes(values: ArrayLike<number>, shape: readonly number[], descr = '<f4', o: NpyOptions = {}): Buffer {
  const version = o.version ?? 1;
  const shapeText = shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(', ')})`;
  let dict = o.header ?? `{'descr': '${descr}', 'fortran_order': ${o.fortranOrder ? 'True' : 'False'}, 'shape': ${shapeText}, }`;
  const lenBytes = version === 1 ? 2 : 4;
  // numpy pads the header with spaces and a newline so the data starts 64-byte aligned.
  const pad = (64 - ((8 + lenBytes + dict.length + 1) % 64)) % 64;
  dict = dict + ' '.repeat(pad) + '\n';
  const head = Buffer.alloc(8 + lenBytes);
  Buffer.from([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, version, 0]).copy(head);
  if (version === 1) head.writeUInt16LE(dict.length, 8);
  else head.writeUInt32LE(dict.length, 8);
  const type = descr.slice(1);
  const little = descr[0] !== '>';
  const size = Number(type.slice(1));
  const body = Buffer.alloc(values.length * size);
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    const at = i * size;
    if (type === 'f4') {
      if (little) body.writeFloatLE(v, at);
      else body.writeFloatBE(v, at);
    } else if (type === 'f8') {
      if (little) body.writeDoubleLE(v, at);
      else body.writeDoubleBE(v, at);
    } else if (type === 'f2') body.writeUInt16LE(toHalf(v), at);
    else if (type === 'i4') body.writeInt32LE(v, at);
    else if (type === 'i8') body.writeBigInt64LE(BigInt(v), at);
    else if (type === 'u1') body.writeUInt8(v, at);
    else throw new Error(`npyBytes: no writer for ${descr}`);
  }
  return Buffer.concat([head, Buffer.from(dict, 'latin1'), body]);
}

export interface ZipOptions {
  /** Deflate the entries (np.savez_compressed) instead of storing them (np.savez). */
  deflate?: boolean;
  /** Write zip64 sizes, offsets and end records everywhere (as zipfile does for files over 4 GiB). */
  zip64?: boolean;
}

/** A zip archive of `entries` (name -> bytes), in the given order. */
export function zipBytes(entries: ReadonlyArray<[string, Uint8Array]>, o: ZipOptions = {}): Buffer {
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  const max = 0xffffffff;
  for (const [name, data] of entries) {
    const nameBytes = Buffer.from(name, 'utf8');
    const packed = o.deflate ? deflateRawSync(data) : Buffer.from(data);
    const crc = crc32(data);
    const z64 = Buffer.alloc(20);
    z64.writeUInt16LE(1, 0);
    z64.writeUInt16LE(16, 2);
    z64.writeBigUInt64LE(BigInt(data.length), 4);
    z64.writeBigUInt64LE(BigInt(packed.length), 12);
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(o.zip64 ? 45 : 20, 4);
    local.writeUInt16LE(o.deflate ? 8 : 0, 8);
    local.writeUInt32LE(crc, 14);
    local.writeUInt32LE(o.zip64 ? max : packed.length, 18);
    local.writeUInt32LE(o.zip64 ? max : data.length, 22);
    local.writeUInt16LE(nameBytes.length, 26);
    local.writeUInt16LE(o.zip64 ? z64.length : 0, 28);
    const localExtra = o.zip64 ? z64 : Buffer.alloc(0);
    locals.push(local, nameBytes, localExtra, packed);
    const cExtra = Buffer.alloc(28);
    cExtra.writeUInt16LE(1, 0);
    cExtra.writeUInt16LE(24, 2);
    cExtra.writeBigUInt64LE(BigInt(data.length), 4);
    cExtra.writeBigUInt64LE(BigInt(packed.length), 12);
    cExtra.writeBigUInt64LE(BigInt(offset), 20);
    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE(o.zip64 ? 45 : 20, 4);
    central.writeUInt16LE(o.zip64 ? 45 : 20, 6);
    central.writeUInt16LE(o.deflate ? 8 : 0, 10);
    central.writeUInt32LE(crc, 16);
    central.writeUInt32LE(o.zip64 ? max : packed.length, 20);
    central.writeUInt32LE(o.zip64 ? max : data.length, 24);
    central.writeUInt16LE(nameBytes.length, 28);
    central.writeUInt16LE(o.zip64 ? cExtra.length : 0, 30);
    central.writeUInt32LE(o.zip64 ? max : offset, 42);
    centrals.push(central, nameBytes, o.zip64 ? cExtra : Buffer.alloc(0));
    offset += local.length + nameBytes.length + localExtra.length + packed.length;
  }
  const cd = Buffer.concat(centrals);
  const tail: Buffer[] = [];
  if (o.zip64) {
    const rec = Buffer.alloc(56);
    rec.writeUInt32LE(0x06064b50, 0);
    rec.writeBigUInt64LE(44n, 4);
    rec.writeUInt16LE(45, 12);
    rec.writeUInt16LE(45, 14);
    rec.writeBigUInt64LE(BigInt(entries.length), 24);
    rec.writeBigUInt64LE(BigInt(entries.length), 32);
    rec.writeBigUInt64LE(BigInt(cd.length), 40);
    rec.writeBigUInt64LE(BigInt(offset), 48);
    const locator = Buffer.alloc(20);
    locator.writeUInt32LE(0x07064b50, 0);
    locator.writeBigUInt64LE(BigInt(offset + cd.length), 8);
    locator.writeUInt32LE(1, 16);
    tail.push(rec, locator);
  }
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(o.zip64 ? 0xffff : entries.length, 8);
  end.writeUInt16LE(o.zip64 ? 0xffff : entries.length, 10);
  end.writeUInt32LE(o.zip64 ? max : cd.length, 12);
  end.writeUInt32LE(o.zip64 ? max : offset, 16);
  return Buffer.concat([...locals, cd, ...tail, end]);
}

/** A .npz of float32 arrays (name -> [rows, dim] values), as np.savez / np.savez_compressed write it. */
export function npzBytes(arrays: ReadonlyArray<[string, ArrayLike<number>, readonly number[]]>, o: ZipOptions & { descr?: string } = {}): Buffer {
  return zipBytes(
    arrays.map(([key, values, shape]) => [`${key}.npy`, npyBytes(values, shape, o.descr ?? '<f4')]),
    o,
  );
}
