import { test } from 'node:test';
import assert from 'node:assert/strict';
import { centroidScoresTs, decompressTokens, plaidNative, probe, rerankNative, setPlaidImpl } from '../../src/plaid/kernels.js';
import { decompress, encodeResiduals, residualBytes, trainCodec } from '../../src/plaid/residual-codec.js';
import { maxsim } from '../../src/scoring/maxsim.js';
import { PlaidStore } from '../../src/stores/file/plaid-store.js';
import { oracleSumOfMax, randomRows, rng } from '../scoring/random-data.js';
import { clusteredBatch, queryFrom, tempDir } from '../stores/file/helpers.js';

const noNative = plaidNative() ? false : 'native PLAID kernels not available (addon not built, older, or TARTAN_NATIVE=0)';

/** Runs `fn` with the TypeScript twins forced, restoring the default after. */
function withTs<T>(fn: () => T): T {
  setPlaidImpl('ts');
  try {
    return fn();
  } finally {
    setPlaidImpl('auto');
  }
}

function assertClose(a: ArrayLike<number>, b: ArrayLike<number>, tol: number, label: string): void {
  assert.equal(a.length, b.length, `${label}: length`);
  for (let i = 0; i < a.length; i++) assert.ok(Math.abs(a[i] - b[i]) <= tol, `${label}: [${i}] ${a[i]} vs ${b[i]}`);
}

test('probe: the nprobe best centroids per query row, best first, ties to the lower id; native equals TypeScript', () => {
  const rows = 3,
    k = 10;
  const scores = new Float32Array(k * rows);
  // Row 0: centroid c scores c % 4 (ties among 3, 7 at the top; then 2, 6).
  for (let c = 0; c < k; c++) {
    scores[c * rows] = c % 4;
    scores[c * rows + 1] = -c;
    scores[c * rows + 2] = c === 9 ? 5 : 0;
  }
  const expected = [3, 7, 2, 0, 1, 2, 9, 0, 1];
  assert.deepEqual(Array.from(withTs(() => probe(scores, rows, k, 3))), expected);
  assert.deepEqual(Array.from(probe(scores, rows, k, 3)), expected);
  // More probes than centroids: every centroid, then the "none" marker.
  assert.deepEqual(Array.from(probe(Float32Array.of(1, 2), 1, 2, 4)), [1, 0, 0xffffffff, 0xffffffff]);
  assert.deepEqual(Array.from(withTs(() => probe(Float32Array.of(1, 2), 1, 2, 4))), [1, 0, 0xffffffff, 0xffffffff]);
  const rand = rng(5);
  const big = randomRows(rand, 300, 32);
  for (const nprobe of [1, 4, 33])
    assert.deepEqual(
      probe(big, 32, 300, nprobe),
      withTs(() => probe(big, 32, 300, nprobe)),
      `nprobe ${nprobe}`,
    );
});

test('centroid scores: native kernel matches the TypeScript loop (odd shapes)', { skip: noNative }, () => {
  const rand = rng(11);
  for (const [rows, dim, k] of [
    [32, 128, 100],
    [5, 96, 13],
    [33, 17, 25],
    [1, 1, 1],
  ]) {
    const q = randomRows(rand, rows, dim),
      c = randomRows(rand, k, dim);
    const out = new Float32Array(k * rows);
    plaidNative()!.centroidScores(q, rows, dim, c, out);
    assertClose(out, centroidScoresTs(q, rows, dim, c), 1e-5, `${rows}x${dim}x${k}`);
  }
});

function codecFixture(dim: number, nbits: number, seed: number) {
  const rand = rng(seed);
  const k = 16,
    n = 90;
  const centroids = randomRows(rand, k, dim);
  const codes = Uint16Array.from({ length: n }, () => Math.floor(rand() * k));
  const residuals = new Float32Array(n * dim).map(() => (rand() - 0.5) * 0.4);
  const codec = trainCodec(residuals, dim, nbits);
  return { centroids, codes, codec, packed: encodeResiduals(codec, residuals), n };
}

test('decompression: native equals TypeScript within float32 rounding for every nbits and odd dims', () => {
  for (const nbits of [1, 2, 4, 8]) {
    for (const dim of [128, 96, 20]) {
      const f = codecFixture(dim, nbits, nbits * 100 + dim);
      const ts = new Float32Array(f.n * dim),
        nat = new Float32Array(f.n * dim);
      decompress(f.codec, f.centroids, f.codes, f.packed, ts);
      decompressTokens(f.codec, f.centroids, f.codes, f.packed, nat);
      assertClose(nat, ts, 2e-6, `nbits ${nbits} dim ${dim}`);
    }
  }
});

test('rerank: native fused decompress + MaxSim equals decompress then MaxSim (weights, empty and long candidates)', { skip: noNative }, () => {
  const dim = 128;
  const f = codecFixture(dim, 2, 3);
  const rand = rng(4);
  const rows = 32;
  const query = randomRows(rand, rows, dim);
  const offsets = Uint32Array.from([0, 5, 5, 30, 31, 90]); // an empty candidate, one of 59 rows (several batches)
  const weights = Float32Array.from({ length: rows }, (_, i) => 0.5 + (i % 3));
  const data = new Float32Array(f.n * dim);
  decompress(f.codec, f.centroids, f.codes, f.packed, data);
  const expected = maxsim({ data: query, rows, dim }, { dtype: 'f32', data, offsets, dim }, { variant: 'weighted', weights, impl: 'ts' }).raw;
  const got = rerankNative(query, rows, weights, f.codec, f.centroids, f.codes, f.packed, offsets)!;
  assertClose(got, expected, 1e-5 * rows, 'weighted');
  assert.equal(got[1], 0, 'a candidate without tokens scores 0');
  const ones = new Float32Array(rows).fill(1);
  const oracle = oracleSumOfMax(query, rows, data, offsets, dim);
  assertClose(rerankNative(query, rows, ones, f.codec, f.centroids, Uint32Array.from(f.codes), f.packed, offsets)!, oracle, 1e-4, '32-bit codes vs oracle');
});

test('native decompression refuses out-of-range centroid codes and short buffers', { skip: noNative }, () => {
  const f = codecFixture(32, 2, 8);
  const native = plaidNative()!;
  const bad = f.codes.slice();
  bad[3] = 16; // k = 16
  assert.throws(() => native.decompress(32, 2, f.centroids, new Float32Array(4 * 32), bad, f.packed, new Float32Array(f.n * 32)), /outside the centroid table/);
  assert.throws(
    () => native.decompress(32, 2, f.centroids, new Float32Array(4 * 32), f.codes, f.packed.subarray(0, 10), new Float32Array(f.n * 32)),
    /one residual per code/,
  );
  assert.equal(residualBytes(32, 2), 8);
});

test('plaid store: search with native kernels returns the same hits as with the TypeScript twins', async (t) => {
  const dir = tempDir(t);
  const dim = 64;
  const batch = clusteredBatch(150, dim, { seed: 21, topics: 24 });
  const store = await PlaidStore.create(dir, { dim, nbits: 2, centroids: 32 });
  await store.add(
    Array.from({ length: 150 }, (_, i) => ({ id: `d${i}` })),
    batch,
  );
  for (let q = 0; q < 4; q++) {
    const query = queryFrom(batch, q * 31, 12, 50 + q);
    const nat = await store.search(query, { k: 10, nprobe: 2, ndocs: 16 });
    setPlaidImpl('ts');
    let ts;
    try {
      ts = await store.search(query, { k: 10, nprobe: 2, ndocs: 16 });
    } finally {
      setPlaidImpl('auto');
    }
    assert.deepEqual(
      nat.map((h) => h.id),
      ts.map((h) => h.id),
      `query ${q}`,
    );
    assertClose(
      nat.map((h) => h.score),
      ts.map((h) => h.score),
      1e-4,
      `query ${q} scores`,
    );
  }
  await store.close();
});

test('nearest centroid (build): native fused argmax equals a brute-force scan, first centroid on ties', { skip: noNative }, () => {
  const rand = rng(13);
  for (const [n, dim, k, threads] of [
    [1500, 128, 50, 2],
    [37, 20, 13, 1],
    [5, 3, 1, 1],
  ]) {
    const x = randomRows(rand, n, dim),
      c = randomRows(rand, k, dim);
    const got = new Uint32Array(n);
    plaidNative()!.nearest(x, dim, c, got, threads);
    const want = new Uint32Array(n);
    const scores = centroidScoresTs(x, n, dim, c);
    for (let r = 0; r < n; r++) {
      let b = -Infinity;
      for (let j = 0; j < k; j++)
        if (scores[j * n + r] > b) {
          b = scores[j * n + r];
          want[r] = j;
        }
    }
    assert.deepEqual(got, want, `${n}x${dim}, k ${k}`);
  }
  const twins = Float32Array.of(1, 0, 1, 0); // two equal centroids: the first wins
  const out = new Uint32Array(1);
  plaidNative()!.nearest(Float32Array.of(1, 0), 2, twins, out, 1);
  assert.equal(out[0], 0);
});
