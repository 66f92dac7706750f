import { test } from 'node:test';
import assert from 'node:assert/strict';
import { trainCodec, encodeResiduals, decompress, residualBytes, checkNbits } from '../../src/plaid/residual-codec.js';
import { kmeans, CentroidAssigner } from '../../src/plaid/kmeans.js';
import { residualsOf } from '../../src/plaid/codebook.js';
import { clusteredBatch } from '../stores/file/helpers.js';
import { isTartanError } from '../../src/core/errors.js';

const dim = 64;
const batch = clusteredBatch(200, dim, { seed: 3 });
const centroids = kmeans(batch.data, dim, 64, { seed: 1 });
const codes = new CentroidAssigner(centroids, dim).assign(batch.data);
const { residuals } = residualsOf(batch.data, dim, centroids, codes);

function roundTripCosine(nbits: number): { mean: number; min: number } {
  const codec = trainCodec(residuals, dim, nbits);
  const packed = encodeResiduals(codec, residuals);
  assert.equal(packed.length, (batch.data.length / dim) * residualBytes(dim, nbits));
  const out = new Float32Array(batch.data.length);
  decompress(codec, centroids, codes, packed, out);
  let sum = 0,
    min = 1;
  const rows = batch.data.length / dim;
  for (let r = 0; r < rows; r++) {
    let c = 0,
      n = 0;
    for (let d = 0; d < dim; d++) {
      c += out[r * dim + d] * batch.data[r * dim + d];
      n += out[r * dim + d] ** 2;
    }
    assert.ok(Math.abs(n - 1) < 1e-4, 'decompressed rows are unit norm');
    sum += c;
    min = Math.min(min, c);
  }
  return { mean: sum / rows, min };
}

test('residual codec: reconstruction improves with nbits and stays within bounds', () => {
  const centroidOnly = (() => {
    let s = 0;
    const rows = batch.data.length / dim;
    for (let r = 0; r < rows; r++) {
      let c = 0;
      for (let d = 0; d < dim; d++) c += centroids[codes[r] * dim + d] * batch.data[r * dim + d];
      s += c;
    }
    return s / rows;
  })();
  const results = [1, 2, 4, 8].map((b) => roundTripCosine(b));
  // Bounds measured once and kept loose: each extra bit must help, 8 bits is near lossless.
  assert.ok(results[0].mean > centroidOnly, `1 bit (${results[0].mean}) beats the centroid alone (${centroidOnly})`);
  for (let i = 1; i < results.length; i++) assert.ok(results[i].mean > results[i - 1].mean, `nbits step ${i} improves`);
  assert.ok(results[1].mean > 0.9, `2 bits mean cosine ${results[1].mean}`);
  assert.ok(results[2].mean > 0.98, `4 bits mean cosine ${results[2].mean}`);
  assert.ok(results[3].mean > 0.999 && results[3].min > 0.99, `8 bits mean ${results[3].mean} min ${results[3].min}`);
});

test('residual codec: bytes per residual and invalid nbits', () => {
  assert.equal(residualBytes(128, 2), 32);
  assert.equal(residualBytes(96, 2), 24);
  assert.equal(residualBytes(128, 1), 16);
  assert.throws(
    () => checkNbits(3),
    (e) => isTartanError(e, 'E_INVALID_ARGUMENT'),
  );
});

test('residual codec: a hand-made code packs low bits first', () => {
  const codec = { nbits: 2, dim: 4, cutoffs: new Float32Array([-1, 0, 1, -1, 0, 1, -1, 0, 1, -1, 0, 1]), weights: new Float32Array(16) };
  const packed = encodeResiduals(codec, new Float32Array([-2, -0.5, 0.5, 2]));
  // codes 0,1,2,3 -> 0b11100100
  assert.deepEqual(Array.from(packed), [0b11100100]);
});
