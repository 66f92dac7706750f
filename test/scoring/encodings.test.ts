import { test } from 'node:test';
import assert from 'node:assert/strict';
import { floatToHalf, fromFloat16, halfToFloat, toFloat16 } from '../../src/scoring/float16.js';
import { dequantizeRowsInt8, quantizeRowsInt8 } from '../../src/scoring/quantize.js';
import { randomRows, rng } from './random-data.js';

test('float16 bit patterns of known values (IEEE 754 binary16)', () => {
  const cases: [number, number][] = [
    [0, 0x0000],
    [-0, 0x8000],
    [1, 0x3c00],
    [-2, 0xc000],
    [0.5, 0x3800],
    [65504, 0x7bff],
    [65520, 0x7c00],
    [Infinity, 0x7c00],
    [-Infinity, 0xfc00],
    [2 ** -24, 0x0001],
    [2 ** -14, 0x0400],
    [1 + 2 ** -11, 0x3c00],
    [1 + 3 * 2 ** -11, 0x3c02],
    [0.1, 0x2e66],
    [2 ** -26, 0x0000],
  ];
  for (const [x, h] of cases) assert.equal(floatToHalf(x), h, `floatToHalf(${x})`);
  assert.ok(Number.isNaN(halfToFloat(floatToHalf(NaN))));
});

test('every finite float16 survives half -> float -> half', () => {
  for (let h = 0; h < 0x10000; h++) {
    if ((h & 0x7c00) === 0x7c00) continue;
    assert.equal(floatToHalf(halfToFloat(h)), h);
  }
});

test('float16 round trip keeps 11 significant bits', () => {
  const data = randomRows(rng(31), 50, 64, false);
  const back = fromFloat16(toFloat16(data));
  for (let i = 0; i < data.length; i++) assert.ok(Math.abs(back[i] - data[i]) <= Math.abs(data[i]) * 2 ** -11 + 2 ** -25);
});

test('int8 rows: the largest magnitude maps to +-127, error at most half a step, zero rows stay zero', () => {
  const dim = 33;
  const data = randomRows(rng(32), 20, dim, false);
  data.fill(0, 5 * dim, 6 * dim);
  const q = quantizeRowsInt8(data, dim);
  const back = dequantizeRowsInt8(q, dim);
  for (let r = 0; r < 20; r++) {
    const row = data.subarray(r * dim, (r + 1) * dim);
    const maxAbs = Math.max(...row.map(Math.abs));
    if (r === 5) {
      assert.equal(q.scales[r], 0);
      continue;
    }
    assert.equal(Math.max(...q.data.subarray(r * dim, (r + 1) * dim).map(Math.abs)), 127);
    for (let k = 0; k < dim; k++) assert.ok(Math.abs(back[r * dim + k] - row[k]) <= maxAbs / 254 + 1e-7);
  }
  assert.deepEqual([...quantizeRowsInt8(Float32Array.of(0.5, -1), 2).data], [64, -127]);
});
