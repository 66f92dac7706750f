import { test } from 'node:test';
import assert from 'node:assert/strict';
import { kmeans, CentroidAssigner, defaultCentroidCount, dot } from '../../src/plaid/kmeans.js';
import { clusteredBatch } from '../stores/file/helpers.js';

test('kmeans: finds well-separated clusters (every point near its centroid)', () => {
  const dim = 32;
  const b = clusteredBatch(100, dim, { topics: 8, noise: 0.1, seed: 5 });
  const c = kmeans(b.data, dim, 8, { iterations: 8, seed: 2 });
  const assign = new CentroidAssigner(c, dim).assign(b.data);
  let mean = 0;
  const rows = b.data.length / dim;
  for (let r = 0; r < rows; r++) mean += dot(b.data, r * dim, c, assign[r] * dim, dim);
  assert.ok(mean / rows > 0.95, `mean similarity to centroid ${mean / rows}`);
  for (let k = 0; k < 8; k++) assert.ok(Math.abs(dot(c, k * dim, c, k * dim, dim) - 1) < 1e-5, 'centroids are unit norm');
});

test('kmeans: two-level assignment agrees with the exact scan on most points', () => {
  const dim = 16;
  const b = clusteredBatch(300, dim, { topics: 200, noise: 0.3, seed: 9 });
  const c = kmeans(b.data, dim, 2048, { iterations: 1, seed: 3 });
  const approx = new CentroidAssigner(c, dim).assign(b.data);
  const exact = new CentroidAssigner(c, dim, 0).assign(b.data);
  let same = 0;
  for (let i = 0; i < exact.length; i++) if (approx[i] === exact[i]) same++;
  assert.ok(same / exact.length > 0.8, `agreement ${same / exact.length}`);
});

test('defaultCentroidCount: power of two at or below 16*sqrt(n), capped', () => {
  assert.equal(defaultCentroidCount(10_000), 1024); // 16*100 = 1600 -> 1024
  assert.equal(defaultCentroidCount(1_000_000), 8192); // 16000 -> 8192
  assert.equal(defaultCentroidCount(1_000_000, 65536), 8192);
  assert.equal(defaultCentroidCount(4_000_000, 65536), 16384); // 32000 -> 16384
  assert.equal(defaultCentroidCount(5), 5);
});
