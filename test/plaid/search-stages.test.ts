import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { TokenMatrix, TokenMatrixBatch } from '../../src/core/tensors.js';
import { trainCodebook } from '../../src/plaid/codebook.js';
import { memorySegment } from '../../src/plaid/segment-encoding.js';
import { searchPlaid } from '../../src/plaid/search.js';
import { decompressPassage, rerankRows } from '../../src/plaid/search-stages.js';
import { tableBytes } from '../../src/plaid/token-stages.js';
import { setPlaidImpl } from '../../src/plaid/kernels.js';
import type { Codebook, DocScore, PlaidIndex, PlaidSegment } from '../../src/plaid/types.js';
import { PlaidStore } from '../../src/stores/file/plaid-store.js';
import { Snapshot } from '../../src/stores/file/snapshot.js';
import { readManifest } from '../../src/stores/file/manifest.js';
import { clusteredBatch, exactScores, queryFrom, tempDir, topIds } from '../stores/file/helpers.js';

const dim = 64;
const docsOf = (n: number) => Array.from({ length: n }, (_, i) => ({ id: `d${i}`, text: `text ${i}` }));

/** Documents from..to of `batch` as one in-memory segment (one passage per document). */
function segmentOf(cb: Codebook, batch: TokenMatrixBatch, from: number, to: number, rerank: 'f16' | 'none'): Promise<PlaidSegment> {
  const t0 = batch.offsets[from];
  const offsets = Uint32Array.from(batch.offsets.subarray(from, to + 1), (o) => o - t0);
  const data = batch.data.subarray(t0 * dim, batch.offsets[to] * dim);
  return memorySegment(
    cb,
    data,
    offsets,
    Uint32Array.from({ length: to - from }, (_, i) => i),
    from,
    rerank,
  );
}

function top(scored: DocScore[], k: number): DocScore[] {
  return [...scored].sort((a, b) => b.raw - a.raw || a.doc - b.doc).slice(0, k);
}

/** Mean recall@10 of `index` against exact MaxSim over `batch` on 20 queries taken from its documents. */
async function recallAt10(index: PlaidIndex, batch: TokenMatrixBatch, allowed: Uint8Array, nprobe = 8): Promise<number> {
  let hit = 0,
    total = 0;
  const docs = batch.offsets.length - 1;
  for (let q = 0; q < 20; q++) {
    const query = queryFrom(batch, (q * 37) % docs, 16, 500 + q);
    const exact = exactScores(query, batch).map((s, d) => (allowed[d] ? s : -Infinity));
    const expected = topIds(exact, 10);
    const got = top(await searchPlaid(index, query, { nprobe, ndocs: 64 }, allowed), 10).map((s) => `d${s.doc}`);
    for (const id of got) assert.ok(allowed[Number(id.slice(1))], `${id} is not allowed but was returned`);
    hit += got.filter((id) => expected.includes(id)).length;
    total += 10;
  }
  return hit / total;
}

test('plaid search over an in-memory index (no folder): recall@10 against exact MaxSim, one or two segments, filters', async () => {
  const batch = clusteredBatch(400, dim, { seed: 21, topics: 40 });
  const cb = await trainCodebook(batch.data, dim, 2, 128, 7);
  const all = new Uint8Array(400).fill(1);
  const one: PlaidIndex = { codebook: cb, segments: [await segmentOf(cb, batch, 0, 400, 'f16')] };
  const recallOne = await recallAt10(one, batch, all);
  assert.ok(recallOne >= 0.95, `one segment: recall@10 ${recallOne}`);

  // The TypeScript twins (stage 1 on onnxruntime, loaded on demand) find the same documents.
  setPlaidImpl('ts');
  try {
    const recallTs = await recallAt10(one, batch, all);
    assert.ok(recallTs >= 0.95, `TypeScript kernels: recall@10 ${recallTs}`);
  } finally {
    setPlaidImpl('auto');
  }

  const two: PlaidIndex = { codebook: cb, segments: [await segmentOf(cb, batch, 0, 150, 'f16'), await segmentOf(cb, batch, 150, 400, 'f16')] };
  const recallTwo = await recallAt10(two, batch, all);
  assert.ok(recallTwo >= 0.95, `two segments: recall@10 ${recallTwo}`);

  // Every other document allowed: hits come only from those, and still match exact MaxSim over them.
  const odd = Uint8Array.from({ length: 400 }, (_, d) => d % 2);
  const recallOdd = await recallAt10(two, batch, odd);
  assert.ok(recallOdd >= 0.95, `filtered: recall@10 ${recallOdd}`);

  // Without float16 originals the rerank scores decompressed codes: lower fidelity, still close.
  const coded: PlaidIndex = { codebook: cb, segments: [await segmentOf(cb, batch, 0, 400, 'none')] };
  const recallCoded = await recallAt10(coded, batch, all);
  assert.ok(recallCoded >= 0.8, `decompressed rerank: recall@10 ${recallCoded}`);
  assert.ok(tableBytes(coded) > 0);
});

test("plaid search: an in-memory index built from the file store's codebook returns the file store's hits and scores", async (t) => {
  const dir = tempDir(t);
  const batch = clusteredBatch(300, dim, { seed: 5, topics: 32 });
  const store = await PlaidStore.create(dir, { dim, nbits: 2, centroids: 64 });
  t.after(() => store.close());
  await store.add(docsOf(150), { data: batch.data.subarray(0, batch.offsets[150] * dim), offsets: batch.offsets.subarray(0, 151), dim });
  const rest = batch.offsets.subarray(150).map((o) => o - batch.offsets[150]);
  await store.add(docsOf(300).slice(150), { data: batch.data.subarray(batch.offsets[150] * dim), offsets: rest, dim });

  const snap = new Snapshot(dir, readManifest(dir));
  t.after(() => snap.retire());
  const cb = snap.codebook!;
  assert.ok(cb.i8, 'the file store keeps int8 centroids, so stage 1 runs on int8 in both');
  const memory: PlaidIndex = { codebook: cb, segments: [await segmentOf(cb, batch, 0, 150, 'f16'), await segmentOf(cb, batch, 150, 300, 'f16')] };
  const file = snap.plaidIndex()!;
  assert.deepEqual(Array.from(memory.segments[1].codes), Array.from(file.segments[1].codes));

  const all = new Uint8Array(300).fill(1);
  for (let q = 0; q < 10; q++) {
    const query: TokenMatrix = queryFrom(batch, (q * 31) % 300, 12, 900 + q);
    const hits = await store.search(query, { k: 10, nprobe: 4, ndocs: 32 });
    const mine = top(await searchPlaid(memory, query, { nprobe: 4, ndocs: 32 }, all), 10);
    assert.deepEqual(
      mine.map((s) => `d${s.doc}`),
      hits.map((h) => h.id),
      `query ${q}`,
    );
    mine.forEach((s, i) => assert.ok(Math.abs(s.raw - hits[i].score) < 1e-5, `query ${q} rank ${i}: ${s.raw} vs ${hits[i].score}`));
  }

  // The rows the rerank scores are the originals as float16; decompressed rows are unit vectors near them.
  const rows = rerankRows(memory, memory.segments[0], 3);
  const t0 = batch.offsets[3],
    n = batch.offsets[4] - t0;
  assert.equal(rows.length, n * dim);
  for (let i = 0; i < rows.length; i++) assert.ok(Math.abs(rows[i] - batch.data[t0 * dim + i]) < 1e-3);
  const decoded = new Float32Array(n * dim);
  decompressPassage(memory, memory.segments[0], 3, decoded, 0);
  let cos = 0;
  for (let d = 0; d < dim; d++) cos += decoded[d] * batch.data[t0 * dim + d];
  assert.ok(cos > 0.8, `decompressed token 0 has cosine ${cos} with its original`);
});

test('importing the plaid search modules does not load onnxruntime', () => {
  const modules = ['search.js', 'search-stages.js', 'token-stages.js', 'codebook.js', 'segment-encoding.js'].map((m) =>
    fileURLToPath(new URL(`../../src/plaid/${m}`, import.meta.url)),
  );
  const script = `import { createRequire } from 'node:module';
for (const m of ${JSON.stringify(modules)}) await import(m);
const loaded = Object.keys(createRequire(import.meta.url).cache).filter((k) => k.includes('onnxruntime'));
console.log(JSON.stringify(loaded));`;
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  assert.deepEqual(JSON.parse(r.stdout.trim()), []);
});
