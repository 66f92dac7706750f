import { test } from 'node:test';
import assert from 'node:assert/strict';
import { maxsim, maxsimPair, resolveImpl } from '../../src/scoring/maxsim.js';
import { nativeKernels } from '../../src/scoring/maxsim-native.js';
import { dequantizeDocuments, dequantizeRowsInt8, quantizeRowsInt8, toF16Documents, toI8Documents } from '../../src/scoring/quantize.js';
import { fromFloat16, toFloat16 } from '../../src/scoring/float16.js';
import { ErrorCodes, isTartanError } from '../../src/core/errors.js';
import type { F32Documents, PackedDocuments } from '../../src/scoring/types.js';
import { oracleSumOfMax, randomDocs, randomQuery, rng } from './random-data.js';

const native = nativeKernels();
const noNative = native ? false : 'native addon not available (not built, or TARTAN_NATIVE=0): TypeScript path only';

/** Awkward shapes: no documents, empty documents, one-row documents, block tails, odd dims. */
const SHAPES: { qrows: number; dim: number; lengths: number[] }[] = [
  { qrows: 32, dim: 128, lengths: [] },
  { qrows: 32, dim: 128, lengths: [0, 1, 0, 12, 13, 24, 25, 180] },
  { qrows: 32, dim: 96, lengths: [1, 7, 11, 12, 31, 100] },
  { qrows: 32, dim: 768, lengths: [1, 5, 30] },
  { qrows: 1, dim: 1, lengths: [1, 2, 0, 3] },
  { qrows: 3, dim: 3, lengths: [4, 1, 9] },
  { qrows: 33, dim: 17, lengths: [1, 13, 29] },
  { qrows: 17, dim: 128, lengths: [6, 7, 40] },
  { qrows: 64, dim: 64, lengths: [12, 1] },
];

function assertClose(actual: Float32Array, expected: ArrayLike<number>, tol: number, label: string): void {
  assert.equal(actual.length, expected.length, `${label}: length`);
  for (let i = 0; i < actual.length; i++) {
    assert.ok(Math.abs(actual[i] - expected[i]) <= tol, `${label}: doc ${i}: ${actual[i]} vs ${expected[i]} (tol ${tol})`);
  }
}

test('TypeScript kernel matches a plain float64 oracle over awkward shapes', () => {
  const rand = rng(1);
  for (const { qrows, dim, lengths } of SHAPES) {
    const q = randomQuery(rand, qrows, dim);
    const docs = randomDocs(rand, lengths, dim);
    const s = maxsim(q, docs, { impl: 'ts' });
    const oracle = oracleSumOfMax(q.data, qrows, docs.data, docs.offsets, dim);
    assertClose(s.raw, oracle, 1e-5 * qrows, `ts ${qrows}x${dim}`);
    assertClose(
      s.normalized,
      oracle.map((v) => v / qrows),
      1e-5,
      `ts normalised ${qrows}x${dim}`,
    );
  }
});

test('native kernels (every instruction set this CPU has) agree with the TypeScript kernel within 1e-5 (f32)', { skip: noNative }, () => {
  const addon = native!;
  const original = addon.isa();
  try {
    for (const isa of addon.supportedIsas()) {
      addon.setIsa(isa);
      const rand = rng(2);
      for (const { qrows, dim, lengths } of SHAPES) {
        const q = randomQuery(rand, qrows, dim);
        const docs = randomDocs(rand, lengths, dim);
        for (const threads of [1, 2]) {
          const n = maxsim(q, docs, { impl: 'native', threads });
          const t = maxsim(q, docs, { impl: 'ts' });
          assertClose(n.normalized, t.normalized, 1e-5, `${isa} ${qrows}x${dim} threads=${threads}`);
          assertClose(n.raw, t.raw, 1e-5 * qrows, `${isa} raw ${qrows}x${dim}`);
        }
      }
    }
  } finally {
    addon.setIsa(original);
  }
});

test('float16 documents score as their decoded float32 values, in both implementations', () => {
  const rand = rng(3);
  for (const { qrows, dim, lengths } of SHAPES) {
    const q = randomQuery(rand, qrows, dim);
    const f16 = toF16Documents(randomDocs(rand, lengths, dim));
    const reference = maxsim(q, dequantizeDocuments(f16), { impl: 'ts' });
    const impls = native ? (['ts', 'native'] as const) : (['ts'] as const);
    for (const impl of impls) assertClose(maxsim(q, f16, { impl }).normalized, reference.normalized, 1e-5, `f16 ${impl} ${qrows}x${dim}`);
  }
});

test('int8 documents equal the dequantised-query x dequantised-document reference; max error vs float32 is small', () => {
  const rand = rng(4);
  let maxError = 0;
  for (const { qrows, dim, lengths } of SHAPES) {
    const q = randomQuery(rand, qrows, dim);
    const f32 = randomDocs(rand, lengths, dim);
    const i8 = toI8Documents(f32);
    const q8 = quantizeRowsInt8(q.data, dim);
    const dq = { data: dequantizeRowsInt8(q8, dim), rows: qrows, dim };
    const reference = maxsim(dq, dequantizeDocuments(i8), { impl: 'ts' });
    const exact = maxsim(q, f32, { impl: 'ts' });
    const impls = native ? (['ts', 'native'] as const) : (['ts'] as const);
    for (const impl of impls) {
      const s = maxsim(q, i8, { impl });
      assertClose(s.normalized, reference.normalized, 1e-5, `i8 ${impl} ${qrows}x${dim}`);
      for (let i = 0; i < s.normalized.length; i++) maxError = Math.max(maxError, Math.abs(s.normalized[i] - exact.normalized[i]));
    }
  }
  // Per-row int8 keeps each cosine within about dim * (1/254)^2 * 2; for these shapes that stays far below 0.02.
  assert.ok(maxError < 0.02, `int8 vs float32 normalised max error ${maxError}`);
  console.log(`int8 vs float32: max |normalised score error| = ${maxError.toExponential(2)}`);
});

test('native int8 and TypeScript int8 agree within 1e-5 on every instruction set', { skip: noNative }, () => {
  const addon = native!;
  const original = addon.isa();
  try {
    for (const isa of addon.supportedIsas()) {
      addon.setIsa(isa);
      const rand = rng(5);
      for (const { qrows, dim, lengths } of SHAPES) {
        const q = randomQuery(rand, qrows, dim);
        const i8 = toI8Documents(randomDocs(rand, lengths, dim));
        assertClose(maxsim(q, i8, { impl: 'native', threads: 2 }).normalized, maxsim(q, i8, { impl: 'ts' }).normalized, 1e-5, `${isa} i8 ${qrows}x${dim}`);
      }
    }
  } finally {
    addon.setIsa(original);
  }
});

// Query rows q0 = (1, 0), q1 = (0, 1); document rows d0 = (0.6, 0.8), d1 = (1, 0).
// Row maxima: q0 -> 1 (d1), q1 -> 0.8 (d0).
const HAND_QUERY = { data: Float32Array.of(1, 0, 0, 1), rows: 2, dim: 2 };
const HAND_DOCS: F32Documents = { dtype: 'f32', data: Float32Array.of(0.6, 0.8, 1, 0, 0, 1), offsets: Uint32Array.of(0, 2, 2, 3), dim: 2 };

for (const impl of ['ts', 'native'] as const) {
  test(`variants on a hand-computed case (${impl})`, { skip: impl === 'native' ? noNative : false }, () => {
    const sum = maxsim(HAND_QUERY, HAND_DOCS, { impl });
    // Doc 1 has no rows: 0. Doc 2 = (0, 1): q0 -> 0, q1 -> 1.
    assertClose(sum.raw, [1.8, 0, 1], 1e-6, 'sum raw');
    assertClose(sum.normalized, [0.9, 0, 0.5], 1e-6, 'sum normalised');
    const mean = maxsim(HAND_QUERY, HAND_DOCS, { impl, variant: 'mean' });
    assertClose(mean.raw, [0.9, 0, 0.5], 1e-6, 'mean raw');
    assertClose(mean.normalized, [0.9, 0, 0.5], 1e-6, 'mean normalised');
    const weighted = maxsim(HAND_QUERY, HAND_DOCS, { impl, variant: 'weighted', weights: Float32Array.of(1, 3) });
    assertClose(weighted.raw, [3.4, 0, 3], 1e-6, 'weighted raw');
    assertClose(weighted.normalized, [0.85, 0, 0.75], 1e-6, 'weighted normalised');
    assert.deepEqual(maxsimPair(HAND_QUERY, { data: Float32Array.of(0.6, 0.8, 1, 0), rows: 2, dim: 2 }, { impl }), {
      raw: sum.raw[0],
      normalized: sum.normalized[0],
    });
  });
}

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (e) {
    if (isTartanError(e)) return e.code;
    throw e;
  }
  return undefined;
}

for (const impl of ['ts', 'native'] as const) {
  test(`NaN and Infinity are refused in the query and in f32/f16/i8 documents (${impl})`, { skip: impl === 'native' ? noNative : false }, () => {
    const rand = rng(6);
    const q = randomQuery(rand, 4, 17);
    for (const bad of [NaN, Infinity, -Infinity]) {
      const qBad = { ...q, data: q.data.slice() };
      qBad.data[5] = bad;
      const docs = randomDocs(rand, [3, 14, 2], 17);
      assert.equal(
        codeOf(() => maxsim(qBad, docs, { impl })),
        ErrorCodes.NON_FINITE_VALUE,
      );
      const dBad = { ...docs, data: docs.data.slice() };
      dBad.data[(3 + 13) * 17 + 16] = bad; // last value of the last row of document 1
      assert.equal(
        codeOf(() => maxsim(q, dBad, { impl })),
        ErrorCodes.NON_FINITE_VALUE,
      );
      const early = { ...docs, data: docs.data.slice() };
      early.data[3 * 17] = bad; // first value of document 1 (inside a full native block)
      assert.equal(
        codeOf(() => maxsim(q, early, { impl })),
        ErrorCodes.NON_FINITE_VALUE,
      );
      const f16: PackedDocuments = { ...toF16Documents(docs), data: toFloat16(dBad.data) };
      assert.ok(!Number.isFinite(fromFloat16(f16.data)[(3 + 13) * 17 + 16]));
      assert.equal(
        codeOf(() => maxsim(q, f16, { impl })),
        ErrorCodes.NON_FINITE_VALUE,
      );
      const i8 = toI8Documents(docs);
      const scales = i8.scales.slice();
      scales[4] = bad;
      assert.equal(
        codeOf(() => maxsim(q, { ...i8, scales }, { impl })),
        ErrorCodes.NON_FINITE_VALUE,
      );
      try {
        maxsim(q, dBad, { impl });
      } catch (e) {
        assert.ok(isTartanError(e) && e.details?.document === 1, 'the error names the document');
      }
    }
  });
}

test('shape errors: dimension mismatch, bad offsets, bad weights, empty query', () => {
  const rand = rng(7);
  const q = randomQuery(rand, 4, 8);
  const docs = randomDocs(rand, [2, 3], 8);
  assert.equal(
    codeOf(() => maxsim(q, { ...docs, dim: 7 })),
    ErrorCodes.DIMENSION_MISMATCH,
  );
  assert.equal(
    codeOf(() => maxsim(q, { ...docs, offsets: Uint32Array.of(0, 3, 2) })),
    ErrorCodes.INVALID_ARGUMENT,
  );
  assert.equal(
    codeOf(() => maxsim(q, { ...docs, offsets: Uint32Array.of(1, 2, 5) })),
    ErrorCodes.INVALID_ARGUMENT,
  );
  assert.equal(
    codeOf(() => maxsim(q, { ...docs, offsets: Uint32Array.of(0, 2, 6) })),
    ErrorCodes.DIMENSION_MISMATCH,
  );
  assert.equal(
    codeOf(() => maxsim(q, { ...docs, offsets: new Uint32Array(0) })),
    ErrorCodes.INVALID_ARGUMENT,
  );
  assert.equal(
    codeOf(() => maxsim(q, docs, { variant: 'weighted', weights: new Float32Array(3) })),
    ErrorCodes.DIMENSION_MISMATCH,
  );
  assert.equal(
    codeOf(() => maxsim(q, docs, { variant: 'weighted', weights: new Float32Array(4) })),
    ErrorCodes.INVALID_ARGUMENT,
  );
  assert.equal(
    codeOf(() => maxsim(q, docs, { variant: 'weighted', weights: Float32Array.of(1, NaN, 1, 1) })),
    ErrorCodes.NON_FINITE_VALUE,
  );
  assert.equal(
    codeOf(() => maxsim(q, docs, { variant: 'sum', weights: Float32Array.of(1, 1, 1, 1) })),
    ErrorCodes.INVALID_ARGUMENT,
  );
  assert.equal(
    codeOf(() => maxsim({ data: new Float32Array(0), rows: 0, dim: 8 }, docs)),
    ErrorCodes.INVALID_ARGUMENT,
  );
  assert.equal(
    codeOf(() => maxsim(q, docs, { threads: 0 })),
    ErrorCodes.INVALID_ARGUMENT,
  );
  assert.equal(
    codeOf(() => maxsim(q, { ...toI8Documents(docs), scales: new Float32Array(2) })),
    ErrorCodes.DIMENSION_MISMATCH,
  );
  const none = maxsim(q, { ...docs, offsets: Uint32Array.of(0) });
  assert.equal(none.raw.length, 0);
});

test("impl 'native' without the addon is a coded error; 'auto' resolves to what is loaded", () => {
  assert.equal(resolveImpl('auto'), native ? 'native' : 'ts');
  assert.equal(resolveImpl('ts'), 'ts');
  if (!native)
    assert.equal(
      codeOf(() => resolveImpl('native')),
      ErrorCodes.NATIVE_UNAVAILABLE,
    );
  else assert.equal(resolveImpl('native'), 'native');
});
