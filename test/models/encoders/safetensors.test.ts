import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { ErrorCodes, isTartanError } from '../../../src/core/errors.js';
import { sharedDir } from '../../../src/core/paths.js';
import { SafetensorsFile, halfToFloat, readSafetensors } from '../../../src/models/encoders/safetensors.js';
import { SHARED, needsShared } from '../../shared-fixtures.js';

/** Builds a safetensors buffer by hand: header length, JSON header, raw bytes. */
function build(entries: { name: string; dtype: string; shape: number[]; bytes: Buffer }[]): Buffer {
  let offset = 0;
  const header: Record<string, unknown> = { __metadata__: { format: 'pt' } };
  for (const e of entries) {
    header[e.name] = { dtype: e.dtype, shape: e.shape, data_offsets: [offset, offset + e.bytes.length] };
    offset += e.bytes.length;
  }
  const json = Buffer.from(JSON.stringify(header));
  const len = Buffer.alloc(8);
  len.writeBigUInt64LE(BigInt(json.length));
  return Buffer.concat([len, json, ...entries.map((e) => e.bytes)]);
}

const u16 = (...v: number[]) => {
  const b = Buffer.alloc(v.length * 2);
  v.forEach((x, i) => b.writeUInt16LE(x, i * 2));
  return b;
};

test('reads F32, F16 and BF16 tensors as float32', () => {
  const f32 = Buffer.alloc(8);
  f32.writeFloatLE(1.5, 0);
  f32.writeFloatLE(-2.25, 4);
  const file = SafetensorsFile.parse(
    build([
      { name: 'a', dtype: 'F32', shape: [2], bytes: f32 },
      // half: 1.0 = 0x3c00, -2.0 = 0xc000, 0.5 = 0x3800, 65504 = 0x7bff
      { name: 'h', dtype: 'F16', shape: [2, 2], bytes: u16(0x3c00, 0xc000, 0x3800, 0x7bff) },
      // bfloat16: 1.0 = 0x3f80, -3.0 = 0xc040
      { name: 'b', dtype: 'BF16', shape: [2], bytes: u16(0x3f80, 0xc040) },
    ]),
  );
  assert.deepEqual(file.names().sort(), ['a', 'b', 'h']);
  assert.deepEqual(Array.from(file.tensor('a').data), [1.5, -2.25]);
  assert.deepEqual(file.tensor('h').shape, [2, 2]);
  assert.deepEqual(Array.from(file.tensor('h').data), [1, -2, 0.5, 65504]);
  assert.deepEqual(Array.from(file.tensor('b').data), [1, -3]);
  assert.equal(halfToFloat(0x0001), 2 ** -24);
  assert.equal(halfToFloat(0x7c00), Infinity);
});

test('malformed files and unsupported dtypes are MODEL_CORRUPT', () => {
  const corrupt = (e: unknown) => isTartanError(e, ErrorCodes.MODEL_CORRUPT);
  assert.throws(() => SafetensorsFile.parse(Buffer.from([1, 2, 3])), corrupt);
  const bad = Buffer.alloc(16);
  bad.writeBigUInt64LE(1000n);
  assert.throws(() => SafetensorsFile.parse(bad), corrupt);
  const notJson = Buffer.concat([Buffer.from([4, 0, 0, 0, 0, 0, 0, 0]), Buffer.from('{{{{')]);
  assert.throws(() => SafetensorsFile.parse(notJson), corrupt);
  const i8 = SafetensorsFile.parse(build([{ name: 'q', dtype: 'I8', shape: [2], bytes: Buffer.from([1, 2]) }]));
  assert.throws(
    () => i8.tensor('q'),
    (e: unknown) => corrupt(e) && /F32, F16 and BF16/.test((e as Error).message),
  );
  assert.throws(() => i8.tensor('nope'), corrupt);
  const short = SafetensorsFile.parse(build([{ name: 'x', dtype: 'F32', shape: [3], bytes: Buffer.alloc(8) }]));
  assert.throws(() => short.tensor('x'), corrupt);
});

test('reads the real answerai 384->96 projection', needsShared(SHARED.colbertSmall), async () => {
  const file = await readSafetensors(join(sharedDir(), 'fixtures', 'models', 'answerai-colbert-small-v1', '1_Dense', 'model.safetensors'));
  const w = file.tensor('linear.weight');
  assert.deepEqual(w.shape, [96, 384]);
  assert.equal(w.data.length, 96 * 384);
  assert.ok(w.data.every(Number.isFinite));
  assert.ok(w.data.some((x) => x !== 0));
});
