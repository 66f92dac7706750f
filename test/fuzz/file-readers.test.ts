/**
 * Fuzz run over the binary and index file readers: valid files are damaged
 * (bytes flipped, truncated, garbage appended, random bytes, a JSON header
 * value replaced by a hostile one) and read back. Each read must either
 * succeed or throw a coded TartanError; anything else fails with the seed.
 * Model, dataset, input and cache readers are in file-readers-text.test.ts;
 * well-formed manifests with hostile values in manifest-lying.test.ts.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Index } from '../../src/retrieval/index-facade.js';
import { openFileStore } from '../../src/stores/open.js';
import { MANIFEST_NAME } from '../../src/stores/file/manifest.js';
import { loadVectors, saveVectors } from '../../src/core/vectors-file.js';
import { Bm25Index } from '../../src/lexical/bm25.js';
import { BM25_FILE, loadBm25, saveBm25 } from '../../src/lexical/bm25-file.js';
import { DenseIndex } from '../../src/retrieval/dense-index.js';
import { SafetensorsFile } from '../../src/models/encoders/safetensors.js';
import { LexicalColbert } from '../../src/lexical/lexical-colbert.js';
import { TartanError } from '../../src/core/errors.js';
import { sharedDir } from '../../src/core/paths.js';
import { FuzzStats, mutate, mutateJson, rng } from './mutate.js';

/** Cases per reader (TARTAN_FUZZ_FILE_CASES overrides); the seed of case i is BASE + i. */
const CASES = Number(process.env.TARTAN_FUZZ_FILE_CASES ?? 150);
const BASE = Number(process.env.TARTAN_FUZZ_SEED ?? 1);
const stats = new FuzzStats();
let root: string;
before(() => {
  root = mkdtempSync(join(tmpdir(), 'tartan-fuzz-files-'));
});
after(() => {
  rmSync(root, { recursive: true, force: true });
  console.log(`fuzz cases: ${stats.total} (${stats.summary()})`);
});

const DOCS = [
  { id: 'a', text: 'Aspirin lowers fever and pain.', metadata: { topic: 'drugs' } },
  { id: 'b', text: 'Green tea contains caffeine and theanine.' },
  { id: 'c', text: 'Vaccines train the immune system against viruses.' },
];

/** Rebuilds a "length prefix + JSON header + rest" file around a mutated header, so the damage is in the meaning, not the framing. */
function withHeader(prefix: Buffer, header: string, rest: Buffer, lengthBytes: 4 | 8, lengthAt: number): Buffer {
  const h = Buffer.from(header, 'utf8');
  const p = Buffer.from(prefix);
  if (lengthBytes === 4) p.writeUInt32LE(h.length, lengthAt);
  else p.writeBigUInt64LE(BigInt(h.length), lengthAt);
  return Buffer.concat([p, h, rest]);
}

/** An index folder per mode with a few documents and a deletion, plus its good manifest. */
async function buildIndexes(name: string): Promise<Array<{ mode: string; dir: string; good: Buffer }>> {
  const out = [];
  for (const mode of ['plaid', 'flat'] as const) {
    const dir = join(root, `${name}-${mode}`);
    const index = await Index.create(dir, { encoder: new LexicalColbert({ dim: 16 }), model: 'lexical:16', mode });
    await index.add(DOCS);
    await index.delete(['b']);
    await index.close();
    out.push({ mode, dir, good: readFileSync(join(dir, MANIFEST_NAME)) });
  }
  return out;
}

/** Opens the store, reads info, searches and fetches: what `tartan search` does with a manifest. */
async function useIndex(dir: string): Promise<void> {
  const store = await openFileStore(dir);
  try {
    await store.info();
    const hits = await store.search(new LexicalColbert({ dim: 16 }).embedQuery('fever aspirin'), { k: 3 });
    for (const h of hits) assert.ok(typeof h.id === 'string' && Number.isFinite(h.score), `hit ${JSON.stringify(h)}`);
    await store.get(['a', 'c']);
  } finally {
    await store.close();
  }
}

test('index manifest: byte-damaged manifests are refused with a code (or still read)', { timeout: 300_000 }, async () => {
  for (const { mode, dir, good } of await buildIndexes('damaged')) {
    for (let i = 0; i < CASES; i++) {
      const { bytes, how } = mutate(good, rng(BASE + i), true);
      writeFileSync(join(dir, MANIFEST_NAME), bytes);
      await stats.run('manifest', `${mode} seed ${BASE + i} (${how})`, () => useIndex(dir));
    }
    writeFileSync(join(dir, MANIFEST_NAME), good);
    await useIndex(dir); // the fuzz changed nothing but the manifest
  }
});

test('vectors file: damaged files load or refuse with a code', async () => {
  const path = join(root, 'vectors.bin');
  const enc = new LexicalColbert({ dim: 8 });
  const docs = [enc.embedText('aspirin fever'), enc.embedText('green tea')];
  const pack = (ms: typeof docs) => {
    const offsets = new Uint32Array(ms.length + 1);
    ms.forEach((m, i) => {
      offsets[i + 1] = offsets[i] + m.rows;
    });
    const data = new Float32Array(offsets[ms.length] * 8);
    ms.forEach((m, i) => data.set(m.data, offsets[i] * 8));
    return { data, offsets, dim: 8 };
  };
  saveVectors(path, { model: 'lexical:8', dim: 8, docIds: ['a', 'b'], docs: pack(docs), queryIds: ['q'], queries: pack([enc.embedText('fever')]) });
  const good = readFileSync(path);
  const hlen = Number(good.readBigUInt64LE(0));
  for (let i = 0; i < CASES; i++) {
    const r = rng(BASE + i);
    let bytes: Buffer, how: string;
    if (r() < 0.5) {
      const header = mutateJson(good.subarray(8, 8 + hlen).toString('utf8'), r) ?? '{}';
      bytes = withHeader(good.subarray(0, 8), `${header}\n`, good.subarray(8 + hlen), 8, 0);
      how = 'header json-value';
    } else ({ bytes, how } = mutate(good, r));
    writeFileSync(path, bytes);
    await stats.run('vectors', `seed ${BASE + i} (${how})`, () => {
      const c = loadVectors(path);
      // a successful load is self-consistent: offsets end inside the data
      assert.ok(c.docs.offsets[c.docs.offsets.length - 1] * c.dim <= c.docs.data.length);
      assert.equal(c.docIds.length + 1, c.docs.offsets.length);
    });
  }
  await stats.run('vectors', 'missing file', () => loadVectors(join(root, 'nope.bin')));
});

test('BM25 file: damaged files load (and search) or refuse with a code', async () => {
  const dir = join(root, 'bm25');
  const index = new Bm25Index();
  DOCS.forEach((d) => index.add(d.id, d.text));
  saveBm25(index, dir);
  const path = join(dir, BM25_FILE);
  const good = readFileSync(path);
  const hlen = good.readUInt32LE(8);
  for (let i = 0; i < CASES; i++) {
    const r = rng(BASE + i);
    let bytes: Buffer, how: string;
    if (r() < 0.5) {
      const header = mutateJson(good.subarray(12, 12 + hlen).toString('utf8'), r) ?? '{}';
      // keep the sections where they were: pad the header to its old length when it shrank
      const padded = header.length <= hlen ? header.padEnd(hlen, ' ') : header;
      bytes = withHeader(good.subarray(0, 12), padded, good.subarray(12 + hlen), 4, 8);
      how = 'header json-value';
    } else ({ bytes, how } = mutate(good, r));
    writeFileSync(path, bytes);
    await stats.run('bm25', `seed ${BASE + i} (${how})`, () => {
      const loaded = loadBm25(dir);
      for (const q of ['fever aspirin', 'tea', 'immune virus system']) {
        const hits = loaded.search(q, 5);
        assert.equal(new Set(hits.map((h) => h.id)).size, hits.length);
        for (const h of hits) assert.ok(Number.isFinite(h.score));
      }
    });
  }
});

test('dense index file: damaged files load (and search) or refuse with a code', async () => {
  const dir = join(root, 'dense');
  const dense = new DenseIndex(4);
  dense.add('a', Float32Array.of(1, 0, 0, 0));
  dense.add('b', Float32Array.of(0, 1, 0, 0));
  dense.add('c', Float32Array.of(0.5, 0.5, 0.5, 0.5));
  dense.save(dir);
  const path = join(dir, 'dense.bin');
  const good = readFileSync(path);
  const magic = 'TARTAN-DENSE-1\n'.length;
  const hlen = good.readUInt32LE(magic);
  for (let i = 0; i < CASES; i++) {
    const r = rng(BASE + i);
    let bytes: Buffer, how: string;
    if (r() < 0.5) {
      const header = mutateJson(good.subarray(magic + 4, magic + 4 + hlen).toString('utf8'), r) ?? '{}';
      bytes = withHeader(good.subarray(0, magic + 4), header, good.subarray(magic + 4 + hlen), 4, magic);
      how = 'header json-value';
    } else ({ bytes, how } = mutate(good, r));
    writeFileSync(path, bytes);
    await stats.run('dense', `seed ${BASE + i} (${how})`, () => {
      const loaded = DenseIndex.load(dir);
      const hits = loaded.search(new Float32Array(loaded.dim).fill(0.5), 3);
      for (const h of hits) assert.ok(typeof h.id === 'string' && Number.isFinite(h.score), JSON.stringify(h));
    });
  }
});

test('safetensors: damaged files parse (and read every tensor) or refuse with a code', async () => {
  // three tensors, one per supported dtype, and an unsupported one
  const header = {
    __metadata__: { format: 'pt' },
    'linear.weight': { dtype: 'F32', shape: [2, 3], data_offsets: [0, 24] },
    'half.weight': { dtype: 'F16', shape: [4], data_offsets: [24, 32] },
    'brain.bias': { dtype: 'BF16', shape: [2], data_offsets: [32, 36] },
    ints: { dtype: 'I64', shape: [1], data_offsets: [36, 44] },
  };
  const body = Buffer.alloc(44);
  for (let i = 0; i < 6; i++) body.writeFloatLE(i / 7, i * 4);
  for (let i = 0; i < 6; i++) body.writeUInt16LE(0x3c00 + i, 24 + i * 2);
  const json = JSON.stringify(header);
  const len = Buffer.alloc(8);
  len.writeBigUInt64LE(BigInt(json.length));
  const good = Buffer.concat([len, Buffer.from(json), body]);
  const fixture = (() => {
    try {
      return readFileSync(join(sharedDir(), 'fixtures', 'models', 'answerai-colbert-small-v1', '1_Dense', 'model.safetensors'));
    } catch {
      return undefined;
    }
  })();
  for (let i = 0; i < CASES; i++) {
    const r = rng(BASE + i);
    const seed = fixture && r() < 0.25 ? fixture : good;
    const hlen = Number(seed.readBigUInt64LE(0));
    let bytes: Buffer, how: string;
    if (r() < 0.5) {
      const h = mutateJson(seed.subarray(8, 8 + hlen).toString('utf8'), r) ?? '{}';
      bytes = withHeader(seed.subarray(0, 8), h, seed.subarray(8 + hlen), 8, 0);
      how = 'header json-value';
    } else ({ bytes, how } = mutate(seed, r));
    await stats.run('safetensors', `seed ${BASE + i} (${how}${seed === fixture ? ', fixture' : ''})`, () => {
      const file = SafetensorsFile.parse(bytes, 'fuzz.safetensors');
      for (const name of file.names()) {
        try {
          const t = file.tensor(name);
          assert.equal(
            t.data.length,
            t.shape.reduce((a, b) => a * b, 1),
          );
        } catch (e) {
          if (!(e instanceof TartanError)) throw e;
        }
      }
    });
  }
  // the mutators do change the files: a run where nothing fails to parse would prove nothing
  assert.ok(stats.summary().includes('refused'), stats.summary());
});
