import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { symmetricEigen } from '../../src/plaid/symmetric-eigen.js';
import { decodeProjection, encodeProjection, learnProjection, project, storedDim, unproject } from '../../src/plaid/projection.js';
import { PlaidStore } from '../../src/stores/file/plaid-store.js';
import { FlatStore } from '../../src/stores/file/flat-store.js';
import type { FileStore } from '../../src/stores/file/file-store.js';
import { MANIFEST_NAME, readManifest, serializeManifest } from '../../src/stores/file/manifest.js';
import { checkIndex } from '../../src/stores/file/check.js';
import { seededRandom } from '../../src/plaid/kmeans.js';
import { isTartanError } from '../../src/core/errors.js';
import { matrixAt, packMatrices } from '../../src/core/tensors.js';
import type { TokenMatrixBatch } from '../../src/core/tensors.js';
import { clusteredBatch, exactScores, queryFrom, tempDir, topIds } from '../stores/file/helpers.js';

const gaussian = (rand: () => number) => Math.sqrt(-2 * Math.log(rand() + 1e-12)) * Math.cos(2 * Math.PI * rand());

/** `rows` unit vectors of dim `dim` lying in a random `rank`-dimensional subspace. */
function subspaceRows(rows: number, dim: number, rank: number, seed: number): Float32Array {
  const rand = seededRandom(seed);
  const basis = Array.from({ length: rank }, () => Float64Array.from({ length: dim }, () => gaussian(rand)));
  const data = new Float32Array(rows * dim);
  for (let r = 0; r < rows; r++) {
    const x = new Float64Array(dim);
    for (const b of basis) {
      const c = gaussian(rand);
      for (let d = 0; d < dim; d++) x[d] += c * b[d];
    }
    const n = Math.hypot(...x);
    for (let d = 0; d < dim; d++) data[r * dim + d] = x[d] / n;
  }
  return data;
}

const dot = (a: Float32Array, ai: number, b: Float32Array, bi: number, n: number) => {
  let s = 0;
  for (let d = 0; d < n; d++) s += a[ai * n + d] * b[bi * n + d];
  return s;
};

test('symmetricEigen: known values, A v = lambda v, orthonormal vectors in descending order', () => {
  const two = symmetricEigen(Float64Array.of(2, 1, 1, 2), 2);
  assert.ok(Math.abs(two.values[0] - 3) < 1e-12 && Math.abs(two.values[1] - 1) < 1e-12, `values ${[...two.values]}`);
  assert.ok(Math.abs(two.vectors[0] - Math.SQRT1_2) < 1e-12 && Math.abs(two.vectors[1] - Math.SQRT1_2) < 1e-12);
  const n = 40,
    rand = seededRandom(5);
  const a = new Float64Array(n * n);
  for (let i = 0; i < n; i++)
    for (let j = i; j < n; j++) {
      const v = rand() - 0.5;
      a[i * n + j] = v;
      a[j * n + i] = v;
    }
  const { values, vectors } = symmetricEigen(a, n);
  for (let i = 0; i < n; i++) {
    if (i > 0) assert.ok(values[i] <= values[i - 1]);
    for (let j = 0; j < n; j++) {
      let s = 0;
      for (let k = 0; k < n; k++) s += vectors[i * n + k] * vectors[j * n + k];
      assert.ok(Math.abs(s - (i === j ? 1 : 0)) < 1e-10, `<v${i}, v${j}> = ${s}`);
    }
    for (let k = 0; k < n; k++) {
      let av = 0;
      for (let j = 0; j < n; j++) av += a[k * n + j] * vectors[i * n + j];
      assert.ok(Math.abs(av - values[i] * vectors[i * n + k]) < 1e-10);
    }
  }
  // A diagonal matrix with repeated values (the degenerate case) still gives an orthonormal basis.
  const eye = symmetricEigen(Float64Array.of(1, 0, 0, 0, 1, 0, 0, 0, 1), 3);
  assert.deepEqual([...eye.values], [1, 1, 1]);
});

test('projection: data in a rank-6 subspace keeps its dot products at pcaDim >= 6; rows orthonormal; deterministic', () => {
  const dim = 32,
    rank = 6;
  const data = subspaceRows(2000, dim, rank, 3);
  for (const outDim of [rank, rank + 2]) {
    const p = learnProjection(data, dim, outDim);
    for (let i = 0; i < outDim; i++) {
      for (let j = 0; j < outDim; j++) {
        const s = dot(p.matrix, i, p.matrix, j, dim);
        assert.ok(Math.abs(s - (i === j ? 1 : 0)) < 1e-5, `axes ${i}, ${j}: ${s}`);
      }
    }
    const y = project(p, data);
    let worst = 0;
    for (let r = 0; r < 300; r++) {
      assert.ok(Math.abs(dot(y, r, y, r, outDim) - 1) < 1e-5, 'projected rows are unit');
      for (let q = r + 1; q < 300; q += 7) worst = Math.max(worst, Math.abs(dot(data, r, data, q, dim) - dot(y, r, y, q, outDim)));
    }
    assert.ok(worst < 1e-3, `pcaDim ${outDim}: worst dot product error ${worst}`);
    // Mapping back with the transpose recovers the rows (they lie in the learned subspace).
    const back = unproject(p, y.subarray(0, 10 * outDim));
    for (let i = 0; i < back.length; i++) assert.ok(Math.abs(back[i] - data[i]) < 1e-4);
  }
  const a = learnProjection(data, dim, 8),
    b = learnProjection(Float32Array.from(data), dim, 8);
  assert.deepEqual(Buffer.from(encodeProjection(a)), Buffer.from(encodeProjection(b)), 'same input, same projection');
  const round = decodeProjection(encodeProjection(a), dim, 8);
  assert.deepEqual(round.matrix, a.matrix);
  assert.throws(() => decodeProjection(encodeProjection(a), dim, 7), RangeError);
  assert.equal(storedDim({ dim: 128 }), 128);
  assert.equal(storedDim({ dim: 128, pcaDim: 0 }), 128);
  assert.equal(storedDim({ dim: 128, pcaDim: 32 }), 32);
});

const dim = 64,
  pcaDim = 32;
const docs = (n: number, offset = 0) => Array.from({ length: n }, (_, i) => ({ id: `d${i + offset}`, text: `text of ${i + offset}` }));
const slice = (b: TokenMatrixBatch, from: number, to: number) =>
  packMatrices(
    Array.from({ length: to - from }, (_, i) => matrixAt(b, from + i)),
    b.dim,
  );

/** recall@10 of the store against exact MaxSim over the full-dimension vectors of the live documents. */
async function recall(store: FileStore, batch: TokenMatrixBatch, live: (i: number) => boolean): Promise<number> {
  let hit = 0,
    total = 0;
  const n = batch.offsets.length - 1;
  for (let q = 0; q < 12; q++) {
    let doc = (q * 29) % n;
    while (!live(doc)) doc = (doc + 1) % n;
    const query = queryFrom(batch, doc, 16, 100 + q);
    const expected = topIds(
      exactScores(query, batch).map((s, i) => (live(i) ? s : -Infinity)),
      10,
    );
    const got = (await store.search(query, { k: 10, nprobe: 16, ndocs: 128 })).map((h) => h.id);
    hit += got.filter((id) => expected.includes(id)).length;
    total += 10;
  }
  return hit / total;
}

for (const mode of ['plaid', 'flat'] as const) {
  test(`pcaDim (${mode}): stores dim/2, recall@10 vs exact full-dim MaxSim, reopen, second add, delete + compact, check`, async (t) => {
    const dir = tempDir(t);
    // Noise in every dimension: halving it loses some ranking detail (recall@10 about 0.95 here, 1.0 at full dim).
    const batch = clusteredBatch(400, dim, { seed: 21, topics: 48 });
    const open = () => (mode === 'plaid' ? PlaidStore.open(dir) : FlatStore.open(dir));
    let store: FileStore =
      mode === 'plaid' ? await PlaidStore.create(dir, { dim, pcaDim, nbits: 4, centroids: 64 }) : await FlatStore.create(dir, { dim, pcaDim });
    await store.add(docs(300), slice(batch, 0, 300));
    const first = slice(batch, 0, 300);
    const r1 = await recall(store, first, () => true);
    assert.ok(r1 >= 0.8, `recall@10 ${r1}`);

    let m = readManifest(dir);
    assert.equal(m.settings.pcaDim, pcaDim);
    assert.equal(m.version, 4);
    assert.ok(m.projection && m.projection.bytes === pcaDim * dim * 4, 'projection file named with its size');
    const seg = m.segments[0];
    assert.equal(seg.files.vectors.bytes, seg.tokens * pcaDim * 2, 'float16 vectors of the reduced dim');
    if (mode === 'plaid') assert.equal(seg.files.residuals.bytes, (seg.tokens * pcaDim * 4) / 8, '4-bit residuals of the reduced dim');
    const info = await store.info();
    assert.equal(info.dim, dim);
    assert.equal(info.pcaDim, pcaDim);
    assert.equal(store.dim, dim);

    // Reopened, the same hits.
    const query = queryFrom(first, 7, 12, 5);
    const before = await store.search(query, { k: 10 });
    await store.close();
    store = await open();
    assert.deepEqual(
      (await store.search(query, { k: 10 })).map((h) => [h.id, h.score]),
      before.map((h) => [h.id, h.score]),
    );
    const weights = new Float32Array(query.rows).fill(1);
    weights[0] = 2;
    assert.equal((await store.search(query, { k: 5, weights })).length, 5, 'weights stay one per query row');

    // A second add uses the same projection.
    await store.add(docs(100, 300), slice(batch, 300, 400));
    m = readManifest(dir);
    assert.equal(m.segments.length, 2);
    assert.equal(m.segments[1].files.vectors.bytes, m.segments[1].tokens * pcaDim * 2);
    const r2 = await recall(store, batch, () => true);
    assert.ok(r2 >= 0.8, `recall@10 after a second add ${r2}`);

    // Delete and compact: the projection file stays (never collected as unreferenced) and is checked.
    const deleted = new Set(Array.from({ length: 40 }, (_, i) => i * 10));
    assert.equal(await store.delete([...deleted].map((i) => `d${i}`)), deleted.size);
    await store.compact();
    m = readManifest(dir);
    assert.equal(m.segments.length, 1);
    assert.equal(m.segments[0].files.vectors.bytes, m.segments[0].tokens * pcaDim * 2);
    assert.ok(m.projection && readdirSync(dir).includes(m.projection.name));
    const r3 = await recall(store, batch, (i) => !deleted.has(i));
    assert.ok(r3 >= 0.8, `recall@10 after delete + compact ${r3}`);
    const hits = await store.search(queryFrom(batch, 10, 12, 9), { k: 400 });
    assert.ok(
      hits.every((h) => !deleted.has(Number(h.id.slice(1)))),
      'deleted documents are never returned',
    );
    const report = await store.check();
    assert.ok(report.ok, JSON.stringify(report.problems));
    const files = 1 + Object.keys(m.segments[0].files).length + Object.keys(m.codebook?.files ?? {}).length + 1;
    assert.equal(report.files, files, 'check counts the projection file');
    await store.close();

    // A damaged projection is reported by check.
    writeFileSync(join(dir, m.projection!.name), Buffer.alloc(m.projection!.bytes));
    const damaged = await checkIndex(dir);
    assert.ok(!damaged.ok && damaged.problems.some((p) => p.file === m.projection!.name), JSON.stringify(damaged.problems));
  });
}

test('pcaDim: bad values are refused with E_INVALID_ARGUMENT before anything is written', async (t) => {
  for (const bad of [0.5, -1, dim, dim + 1, '16', Number.NaN]) {
    for (const create of [PlaidStore.create.bind(PlaidStore), FlatStore.create.bind(FlatStore)]) {
      const dir = join(tempDir(t), 'idx');
      await assert.rejects(
        create(dir, { dim, pcaDim: bad as number }),
        (e: unknown) => isTartanError(e, 'E_INVALID_ARGUMENT') && /pcaDim/.test(e.message),
        `pcaDim ${String(bad)}`,
      );
      assert.ok(!existsSync(dir), `nothing written for pcaDim ${String(bad)}`);
    }
  }
  // 0 (and absent) means off: the full dimension is stored and the manifest stays version 3.
  const dir = tempDir(t);
  const store = await FlatStore.create(dir, { dim, pcaDim: 0 });
  const batch = clusteredBatch(5, dim);
  await store.add(docs(5), batch);
  const m = readManifest(dir);
  assert.equal(m.version, 3);
  assert.equal(m.projection, undefined);
  assert.equal(m.segments[0].files.vectors.bytes, m.segments[0].tokens * dim * 2);
  assert.equal((await store.info()).pcaDim, undefined);
  await store.close();
});

test('pcaDim: the manifest is refused when it names no projection for stored vectors, or one of the wrong size', async (t) => {
  const dir = tempDir(t);
  const store = await FlatStore.create(dir, { dim, pcaDim });
  await store.add(docs(20), clusteredBatch(20, dim, { seed: 4 }));
  await store.close();
  const m = readManifest(dir);
  const path = join(dir, MANIFEST_NAME);
  const good = readFileSync(path);
  const { projection: _p, ...without } = m;
  writeFileSync(path, serializeManifest(without));
  await assert.rejects(FlatStore.open(dir), (e: unknown) => isTartanError(e, 'E_INDEX_CORRUPT') && /projection/.test(e.message));
  writeFileSync(path, serializeManifest({ ...m, projection: { ...m.projection!, bytes: 4 } }));
  await assert.rejects(FlatStore.open(dir), (e: unknown) => isTartanError(e, 'E_INDEX_CORRUPT') && /projection/.test(e.message));
  writeFileSync(path, serializeManifest({ ...m, settings: { ...m.settings, pcaDim: 0 } }));
  await assert.rejects(FlatStore.open(dir), (e: unknown) => isTartanError(e, 'E_INDEX_CORRUPT'));
  writeFileSync(path, good);
  const reopened = await FlatStore.open(dir);
  assert.equal((await reopened.search(queryFrom(clusteredBatch(20, dim, { seed: 4 }), 3, 4, 1), { k: 3 })).length, 3);
  await reopened.close();
});
