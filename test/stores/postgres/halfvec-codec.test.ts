import { test } from 'node:test';
import assert from 'node:assert/strict';
import { encodeHalfvecArray, float16BitsToFloat32, float32ToFloat16Bits } from '../../../src/stores/postgres/halfvec-codec.js';
import { isTartanError, ErrorCodes } from '../../../src/core/errors.js';

test('float32 -> float16 bits matches IEEE 754 half-precision patterns', () => {
  // Reference bit patterns from the IEEE 754 binary16 definition.
  const cases: Array<[number, number]> = [
    [0, 0x0000],
    [-0, 0x8000],
    [1, 0x3c00],
    [-2, 0xc000],
    [0.5, 0x3800],
    [65504, 0x7bff],
    [65520, 0x7c00], // 65520 rounds up to infinity
    [0.1, 0x2e66],
    [1 / 3, 0x3555],
    [2 ** -14, 0x0400], // smallest normal
    [2 ** -24, 0x0001], // smallest subnormal
    [2 ** -26, 0x0000], // underflows to zero
    [1 + 2 ** -11, 0x3c00], // exactly halfway: ties to even (down)
    [1 + 3 * 2 ** -11, 0x3c02], // halfway above odd: ties to even (up)
    [Infinity, 0x7c00],
  ];
  for (const [value, bits] of cases) assert.equal(float32ToFloat16Bits(value), bits, `value ${value}`);
  assert.equal(float32ToFloat16Bits(NaN) & 0x7c00, 0x7c00);
});

test('float16 bits -> number inverts the encoding within half precision', () => {
  for (const v of [0.123, -0.9876, 3.5, 1e-5, 1000.25]) {
    const back = float16BitsToFloat32(float32ToFloat16Bits(v));
    assert.ok(Math.abs(back - v) <= Math.abs(v) * 2 ** -11 + 2 ** -25, `${v} -> ${back}`);
  }
  assert.equal(float16BitsToFloat32(0x7bff), 65504);
  assert.equal(float16BitsToFloat32(0x0001), 2 ** -24);
});

test('halfvec[] binary layout: array header, then per element length, dim, unused, big-endian halves', () => {
  const data = new Float32Array([1, 0.5, -2, 0.25, 9, 9]);
  const buf = encodeHalfvecArray(data, 2, 0, 2, 12345);
  assert.equal(buf.length, 20 + 2 * (4 + 4 + 4));
  assert.equal(buf.readInt32BE(0), 1); // one dimension
  assert.equal(buf.readInt32BE(4), 0); // no nulls
  assert.equal(buf.readUInt32BE(8), 12345); // element type oid
  assert.equal(buf.readInt32BE(12), 2); // two elements
  assert.equal(buf.readInt32BE(16), 1); // lower bound
  assert.equal(buf.readInt32BE(20), 8); // element bytes
  assert.equal(buf.readInt16BE(24), 2); // dim
  assert.equal(buf.readUInt16BE(28), 0x3c00); // 1
  assert.equal(buf.readUInt16BE(30), 0x3800); // 0.5
  assert.equal(buf.readUInt16BE(40), 0xc000); // -2 (second element)
  assert.equal(buf.readUInt16BE(42), 0x3400); // 0.25
});

test('non-finite and out-of-range values are refused with NON_FINITE_VALUE', () => {
  for (const bad of [NaN, Infinity, 70000]) {
    assert.throws(
      () => encodeHalfvecArray(new Float32Array([0, bad]), 2, 0, 1, 1),
      (e) => isTartanError(e, ErrorCodes.NON_FINITE_VALUE),
    );
  }
});
