import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { centroidFileBytes, decodeCentroids, encodeCentroidsI8 } from '../../src/plaid/centroid-bytes.js';
import { PlaidStore } from '../../src/stores/file/plaid-store.js';
import { checkIndex } from '../../src/stores/file/check.js';
import { readManifest, sha256, writeManifest } from '../../src/stores/file/manifest.js';
import { toFloat16 } from '../../src/scoring/float16.js';
import { matrixAt, packMatrices } from '../../src/core/tensors.js';
import { clusteredBatch, queryFrom, tempDir } from '../stores/file/helpers.js';

test('int8 centroids: dim + 4 bytes each, decoded within half a step of every value, zero rows stay zero', () => {
  const dim = 12,
    k = 5;
  const c = Float32Array.from({ length: k * dim }, (_, i) => (i < dim ? 0 : Math.sin(i * 1.7) * (1 + (i % 3))));
  const bytes = encodeCentroidsI8(c, dim);
  assert.equal(bytes.byteLength, k * dim + 4 * k);
  assert.equal(bytes.byteLength, centroidFileBytes('i8', k, dim));
  const back = decodeCentroids(bytes, 'i8', k, dim);
  for (let r = 0; r < k; r++) {
    const row = c.subarray(r * dim, (r + 1) * dim);
    const step = Math.max(...row.map(Math.abs)) / 127;
    for (let d = 0; d < dim; d++) assert.ok(Math.abs(back[r * dim + d] - row[d]) <= step / 2 + 1e-7, `row ${r} dim ${d}`);
  }
  assert.ok(back.subarray(0, dim).every((v) => v === 0));
  // Decoding what was decoded and encoded again gives the same values: training rounds once, files reproduce it.
  assert.deepEqual(decodeCentroids(encodeCentroidsI8(back, dim), 'i8', k, dim), back);
  assert.throws(() => decodeCentroids(bytes.subarray(1), 'i8', k, dim), /expected/);
});

test('plaid index: new codebooks are int8; an index whose manifest names no centroid type reads float16 centroids', async (t) => {
  const dim = 16;
  const batch = clusteredBatch(20, dim, { seed: 3, minRows: 4, maxRows: 10, topics: 6 });
  const dir = tempDir(t);
  const store = await PlaidStore.create(dir, { dim, centroids: 8 });
  await store.add(
    Array.from({ length: 20 }, (_, i) => ({ id: `d${i}` })),
    packMatrices(
      Array.from({ length: 20 }, (_, i) => matrixAt(batch, i)),
      dim,
    ),
  );
  await store.close();
  const m = readManifest(dir);
  assert.equal(m.codebook?.centroidType, 'i8');
  const entry = m.codebook!.files.centroids;
  assert.equal(entry.bytes, 8 * dim + 8 * 4);

  // Rewrite the codebook as a format-2 index stored it: float16 values, no centroidType.
  const decoded = decodeCentroids(readFileSync(join(dir, entry.name)), 'i8', 8, dim);
  const half = toFloat16(decoded);
  const bytes = new Uint8Array(half.buffer, half.byteOffset, half.byteLength);
  writeFileSync(join(dir, entry.name), bytes);
  const { centroidType: _t, ...rest } = m.codebook!;
  writeManifest(dir, {
    ...m,
    codebook: { ...rest, files: { ...rest.files, centroids: { name: entry.name, bytes: bytes.byteLength, sha256: sha256(bytes) } } },
  });
  assert.ok((await checkIndex(dir)).ok);
  const reopened = await PlaidStore.open(dir);
  try {
    const hits = await reopened.search(queryFrom(batch, 7, 4, 2), { k: 3, nprobe: 8, ndocs: 50 });
    assert.equal(hits[0]?.id, 'd7');
  } finally {
    await reopened.close();
  }

  // A float16 file whose size does not match is named as damaged, not misread.
  writeManifest(dir, {
    ...m,
    codebook: { ...m.codebook!, files: { ...m.codebook!.files, centroids: { name: entry.name, bytes: bytes.byteLength, sha256: sha256(bytes) } } },
  });
  await assert.rejects(PlaidStore.open(dir), (e: Error) => e.message.includes(entry.name) || e.message.includes('centroids'));
});
