import { test } from 'node:test';
import assert from 'node:assert/strict';
import { centroidScoresI8, usesI8 } from '../../src/plaid/centroid-scores-i8.js';
import { quantizeRowsInt8 } from '../../src/scoring/quantize.js';
import { centroidsI8Of, decodeCentroids, encodeCentroidsI8 } from '../../src/plaid/centroid-bytes.js';
import { centroidScoresTs, plaidNative, setPlaidImpl } from '../../src/plaid/kernels.js';
import type { Codebook } from '../../src/plaid/codebook.js';
import { randomRows, rng } from '../scoring/random-data.js';

/** A codebook whose (unit-length, as randomRows makes them) centroids went through the int8 file format, as a format-3 index loads them. */
function codebookOf(centroids: Float32Array, dim: number): Codebook {
  const k = centroids.length / dim,
    bytes = encodeCentroidsI8(centroids, dim);
  const codec = { dim, nbits: 2, cutoffs: new Float32Array(dim * 3), weights: new Float32Array(dim * 4) };
  return { centroids: decodeCentroids(bytes, 'i8', k, dim), k, codec, i8: centroidsI8Of(bytes, k, dim) };
}

async function withTs<T>(fn: () => Promise<T>): Promise<T> {
  setPlaidImpl('ts');
  try {
    return await fn();
  } finally {
    setPlaidImpl('auto');
  }
}

test('int8 centroid file: values and scales decode to the float centroids, sums are the row sums', () => {
  const rand = rng(3);
  const dim = 12,
    c = randomRows(rand, 5, dim),
    bytes = encodeCentroidsI8(c, dim);
  const i8 = centroidsI8Of(bytes, 5, dim),
    f = decodeCentroids(bytes, 'i8', 5, dim);
  for (let k = 0; k < 5; k++) {
    let s = 0;
    for (let d = 0; d < dim; d++) {
      assert.equal(f[k * dim + d], Math.fround(i8.data[k * dim + d] * i8.scales[k]));
      s += i8.data[k * dim + d];
    }
    assert.equal(i8.sums[k], s);
  }
  assert.throws(() => centroidsI8Of(bytes.subarray(1), 5, dim), RangeError);
});

test('query quantisation (quantizeRowsInt8, as stage 1 uses it): per-row scale max|q| / 127, values within one step, zero rows stay zero', () => {
  const rand = rng(4);
  const dim = 16,
    q = randomRows(rand, 3, dim);
  q.fill(0, dim, 2 * dim);
  const { data: q8, scales } = quantizeRowsInt8(q, dim);
  assert.equal(scales[1], 0);
  for (let r = 0; r < 3; r++) {
    for (let d = 0; d < dim; d++) {
      assert.ok(Math.abs(q8[r * dim + d]) <= 127);
      assert.ok(Math.abs(q8[r * dim + d] * scales[r] - q[r * dim + d]) <= scales[r] / 2 + 1e-7, `row ${r} dim ${d}`);
    }
  }
});

test('int8 centroid scores: the native kernel and the onnxruntime twin give the same bits, within 0.01 of float32 scores', async () => {
  const rand = rng(9);
  for (const [rows, k, dim] of [
    [32, 300, 128],
    [1, 13, 96],
    [7, 1, 4],
    [40, 37, 64],
  ]) {
    const cb = codebookOf(randomRows(rand, k, dim), dim);
    assert.ok(usesI8(cb));
    const query = { data: randomRows(rand, rows, dim), rows, dim };
    const twin = await withTs(() => centroidScoresI8(query, cb));
    const exact = centroidScoresTs(query.data, rows, dim, cb.centroids);
    for (let i = 0; i < exact.length; i++) assert.ok(Math.abs(twin[i] - exact[i]) <= 0.01, `${rows}x${k}x${dim} [${i}]: ${twin[i]} vs ${exact[i]}`);
    if (plaidNative()) assert.deepEqual(await centroidScoresI8(query, cb), twin, `${rows}x${k}x${dim}: native = twin`);
  }
});

test('stage 1 stays float32 for float16 codebooks and dimensions that are not a multiple of 4', () => {
  const rand = rng(10);
  const cb = codebookOf(randomRows(rand, 8, 6), 6);
  assert.equal(usesI8(cb), false);
  assert.equal(usesI8({ ...codebookOf(randomRows(rand, 8, 8), 8), i8: undefined }), false);
});
