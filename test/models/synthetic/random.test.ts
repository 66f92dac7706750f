import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fillNormal, tensorSeed, Xoshiro128 } from '../../../src/models/synthetic/random.js';

test('a seed gives the same stream every time, another seed a different one', () => {
  const a = new Xoshiro128(1);
  const b = new Xoshiro128(1);
  const c = new Xoshiro128(2);
  const sa = Array.from({ length: 16 }, () => a.nextU32());
  assert.deepEqual(
    sa,
    Array.from({ length: 16 }, () => b.nextU32()),
  );
  assert.notDeepEqual(
    sa,
    Array.from({ length: 16 }, () => c.nextU32()),
  );
  assert.equal(new Set(sa).size, 16);
  assert.ok(sa.every((v) => Number.isInteger(v) && v >= 0 && v < 2 ** 32));
  // Uniform bits: each of the 32 bit positions is set about half the time.
  const r = new Xoshiro128(5);
  const ones = new Array<number>(32).fill(0);
  for (let i = 0; i < 4000; i++) {
    const x = r.nextU32();
    for (let b = 0; b < 32; b++) ones[b] += (x >>> b) & 1;
  }
  assert.ok(
    ones.every((c) => c > 1800 && c < 2200),
    `bit counts ${ones.join(',')}`,
  );
});

test('tensor seeds depend on both the model seed and the tensor name', () => {
  assert.equal(tensorSeed(1, 'a.weight'), tensorSeed(1, 'a.weight'));
  assert.notEqual(tensorSeed(1, 'a.weight'), tensorSeed(2, 'a.weight'));
  assert.notEqual(tensorSeed(1, 'a.weight'), tensorSeed(1, 'b.weight'));
});

test('fillNormal draws normal(0, std): mean, std and tail mass match a Gaussian', () => {
  const n = 200_000;
  const x = new Float32Array(n);
  fillNormal(x, new Xoshiro128(123), 0.02);
  let sum = 0;
  let sq = 0;
  let beyond2 = 0;
  for (const v of x) {
    sum += v;
    sq += v * v;
    if (Math.abs(v) > 0.04) beyond2++;
  }
  const mean = sum / n;
  const std = Math.sqrt(sq / n - mean * mean);
  assert.ok(Math.abs(mean) < 2e-4, `mean ${mean}`);
  assert.ok(Math.abs(std - 0.02) < 2e-4, `std ${std}`);
  // P(|z| > 2) = 4.55% for a Gaussian; a uniform of the same std would give 0.
  assert.ok(Math.abs(beyond2 / n - 0.0455) < 0.003, `tail ${beyond2 / n}`);
  // Odd lengths are filled completely.
  const odd = new Float32Array(5).fill(NaN);
  fillNormal(odd, new Xoshiro128(1), 1);
  assert.ok(odd.every(Number.isFinite));
});
