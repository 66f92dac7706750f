/**
 * Centroid drift: a fresh index built in several segments of the same data
 * reports ~1 and no rebuild; adding clearly different data raises it; an index
 * grown far past the size its centroids were chosen for is told to rebuild.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { PlaidStore } from '../../../src/stores/file/plaid-store.js';
import { Index } from '../../../src/retrieval/index-facade.js';
import { matrixAt, packMatrices, type TokenMatrixBatch } from '../../../src/core/tensors.js';
import { clusteredBatch, tempDir } from './helpers.js';

const dim = 64;
const docs = (n: number, offset: number) => Array.from({ length: n }, (_, i) => ({ id: `d${i + offset}` }));
const slice = (b: TokenMatrixBatch, from: number, to: number) =>
  packMatrices(
    Array.from({ length: to - from }, (_, i) => matrixAt(b, from + i)),
    b.dim,
  );

interface DriftInfo {
  drift?: number;
  rebuildRecommended?: boolean;
  segments?: number;
}

test('one build of homogeneous data in three segments: drift ~1, no rebuild; then different data raises it', async (t) => {
  const store = await PlaidStore.create(tempDir(t), { dim, nbits: 2 });
  const same = clusteredBatch(600, dim, { seed: 11, topics: 48 });
  for (let s = 0; s < 3; s++) await store.add(docs(200, s * 200), slice(same, s * 200, s * 200 + 200));
  const fresh = (await store.info()) as DriftInfo;
  assert.equal(fresh.segments, 3);
  assert.ok(fresh.drift! > 0.85 && fresh.drift! < 1.15, `drift of a fresh homogeneous build: ${fresh.drift}`);
  assert.equal(fresh.rebuildRecommended, false);

  // The same generator with another seed draws other topic centres: data the centroids never saw.
  await store.add(docs(600, 600), clusteredBatch(600, dim, { seed: 99, topics: 48 }));
  const drifted = (await store.info()) as DriftInfo;
  assert.ok(drifted.drift! > 1.25, `drift after different data: ${drifted.drift}`);
  assert.equal(drifted.rebuildRecommended, true);
  await store.close();
});

test('an index grown far past its first add is told to rebuild even when the data is alike', async (t) => {
  const store = await PlaidStore.create(tempDir(t), { dim, nbits: 2 });
  const same = clusteredBatch(1000, dim, { seed: 5, topics: 48 });
  await store.add(docs(40, 0), slice(same, 0, 40));
  assert.equal(((await store.info()) as DriftInfo).rebuildRecommended, false);
  await store.add(docs(960, 40), slice(same, 40, 1000));
  assert.equal(((await store.info()) as DriftInfo).rebuildRecommended, true);
  await store.close();
});

test('Index.add streaming one corpus into several segments (as tartan index does) reports no rebuild', async (t) => {
  const dir = tempDir(t);
  const words = ['fever', 'aspirin', 'blood', 'pressure', 'salt', 'vaccine', 'virus', 'sleep', 'memory', 'tea', 'caffeine', 'bone', 'vitamin', 'heart'];
  const corpus = Array.from({ length: 240 }, (_, i) => ({
    id: `d${i}`,
    text: Array.from({ length: 14 }, (_, j) => words[(i * 5 + j * 3 + ((i * j) % 7)) % words.length]).join(' '),
  }));
  const index = await Index.create(join(dir, 'idx'), { model: 'lexical', mode: 'plaid' });
  await index.add(corpus, { segmentTokens: 500 });
  const info = (await index.info()) as DriftInfo;
  assert.ok(info.segments! >= 3, `segments: ${info.segments}`);
  assert.ok(info.drift! < 1.15, `drift: ${info.drift}`);
  assert.equal(info.rebuildRecommended, false);
  await index.close();
});
