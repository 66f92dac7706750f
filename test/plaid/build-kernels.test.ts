import { test } from 'node:test';
import assert from 'node:assert/strict';
import { plaidNative, toFloat16Bulk } from '../../src/plaid/kernels.js';
import { CentroidEngine } from '../../src/plaid/centroid-engine.js';
import { encodeTokens } from '../../src/plaid/segment-encoding.js';
import { encodeResiduals, trainCodec } from '../../src/plaid/residual-codec.js';
import { residualsOf } from '../../src/plaid/codebook.js';
import { toFloat16 } from '../../src/scoring/float16.js';
import { randomRows, rng } from '../scoring/random-data.js';

const native = plaidNative();
const skipNative = native?.nearestI8 && native.encodeResiduals && native.toHalf ? false : 'skipped: the native addon is not built here';

test('toFloat16Bulk gives the same bits as toFloat16, subnormals, ties and overflow included', () => {
  const next = rng(4);
  const x = new Float32Array(100_003);
  for (let i = 0; i < x.length; i++) x[i] = (next() - 0.5) * (i % 5 === 0 ? 1e-6 : i % 7 === 0 ? 7e4 : 2);
  x.set([65504, 65520, 6.103515625e-5, 5.96e-8, -0, 2049, 2051], 0);
  assert.deepEqual(toFloat16Bulk(x), toFloat16(x));
});

test('build-time nearest centroid (int8) agrees with the exact float nearest on nearly every row', { skip: skipNative }, async () => {
  const dim = 64;
  const centroids = randomRows(rng(1), 256, dim);
  const x = randomRows(rng(2), 5000, dim);
  const engine = await CentroidEngine.create(centroids, dim);
  const exact = await engine.nearest(x);
  const fast = await engine.nearestForBuild(x);
  let same = 0;
  for (let i = 0; i < exact.length; i++) if (exact[i] === fast[i]) same++;
  // The int8 score error is about 1e-3; only near-ties may differ.
  assert.ok(same / exact.length > 0.97, `agreement ${same / exact.length}`);
  // A picked centroid is never much worse than the best one.
  for (let i = 0; i < exact.length; i++) {
    let dExact = 0,
      dFast = 0;
    for (let d = 0; d < dim; d++) {
      dExact += x[i * dim + d] * centroids[exact[i] * dim + d];
      dFast += x[i * dim + d] * centroids[fast[i] * dim + d];
    }
    assert.ok(dFast >= dExact - 0.02, `row ${i}: ${dFast} vs ${dExact}`);
  }
  await engine.dispose();
});

test('native residual packing equals the TypeScript encoder, and its squared-norm sum', { skip: skipNative }, async () => {
  const dim = 32;
  const centroids = randomRows(rng(5), 64, dim);
  const data = randomRows(rng(6), 3000, dim);
  for (const nbits of [1, 2, 4, 8]) {
    const engine = await CentroidEngine.create(centroids, dim);
    const codes = await engine.nearest(data);
    const { residuals, sqNormSum } = residualsOf(data, dim, centroids, codes);
    const codec = trainCodec(residuals, dim, nbits);
    const out = await encodeTokens({ centroids, k: 64, codec }, data);
    const assigned = Uint32Array.from(out.codes);
    const ts = residualsOf(data, dim, centroids, assigned);
    assert.deepEqual(out.residuals, encodeResiduals(codec, ts.residuals), `nbits ${nbits}`);
    assert.ok(Math.abs(out.sqResidualSum - ts.sqNormSum) < 1e-6 * Math.max(1, ts.sqNormSum));
    assert.ok(sqNormSum > 0);
    await engine.dispose();
  }
});
