import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { cp, mkdtemp, readFile, rm, writeFile, copyFile, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { ErrorCodes, isTartanError } from '../../../src/core/errors.js';
import { fixtureTokenizerDir, sharedDir } from '../../../src/core/paths.js';
import { LateInteractionTextEmbedding } from '../../../src/models/encoders/late-interaction.js';
import { detectKind, loadModelFolder, readModelFolder } from '../../../src/models/encoders/model-folder.js';
import { makeSyntheticModel } from '../../../src/models/synthetic/index.js';
import { SHARED, sharedSuite } from '../../shared-fixtures.js';

const { skip, test, before, after } = sharedSuite(SHARED.tokenizer, SHARED.colbertSmall);

let root = '';
const fixture = join(sharedDir(), 'fixtures', 'models', 'answerai-colbert-small-v1');
const vocab = skip ? Promise.resolve<string[]>([]) : (async () => (await readFile(join(fixtureTokenizerDir(), 'vocab.txt'), 'utf8')).split('\n'))();

before(async () => {
  root = await mkdtemp(join(tmpdir(), 'tartan-folder-'));
  // A 384-wide random backbone stands in for answerai's BERT-small; the projection is the real one.
  await makeSyntheticModel(join(root, 'backbone'), { arch: 'minilm-l6', kind: 'backbone', seed: 5 });
  await cp(fixture, join(root, 'answerai'), { recursive: true });
  await copyFile(join(root, 'backbone', 'model.onnx'), join(root, 'answerai', 'model.onnx'));
  await makeSyntheticModel(join(root, 'tiny'), { arch: 'tiny', kind: 'colbert', dim: 8, seed: 2, layout: 'pylate' });
});
after(async () => {
  await rm(root, { recursive: true, force: true });
});

/** Reads a float32 safetensors tensor without the code under test. */
async function readWeight(file: string): Promise<{ rows: number; cols: number; data: Float32Array }> {
  const buf = await readFile(file);
  const n = Number(buf.readBigUInt64LE(0));
  const header = JSON.parse(buf.subarray(8, 8 + n).toString('utf8')) as Record<string, { shape: number[]; data_offsets: number[] }>;
  const e = header['linear.weight'];
  const bytes = buf.subarray(8 + n + e.data_offsets[0], 8 + n + e.data_offsets[1]);
  const data = new Float32Array(bytes.length / 4);
  for (let i = 0; i < data.length; i++) data[i] = bytes.readFloatLE(i * 4);
  return { rows: e.shape[0], cols: e.shape[1], data };
}

test('PyLate folder: 96-d vectors equal normalise(W h) with the real projection weights', async () => {
  const folder = await loadModelFolder(join(root, 'answerai'), { threads: 1 });
  assert.equal(folder.kind, 'colbert');
  assert.deepEqual(folder.layout, { type: 'pylate', onnxFile: 'model.onnx', denseFile: join('1_Dense', 'model.safetensors') });
  assert.deepEqual(
    {
      q: folder.colbert?.queryLength,
      d: folder.colbert?.documentLength,
      a: folder.colbert?.attendToExpansionTokens,
      qm: folder.colbert?.queryMarkerId,
      dm: folder.colbert?.documentMarkerId,
      mask: folder.colbert?.maskTokenId,
    },
    { q: 32, d: 300, a: false, qm: 1, dm: 2, mask: 103 },
  );
  const model = await LateInteractionTextEmbedding.fromFolder(folder);
  try {
    assert.equal(model.dim, 96);
    const [doc] = await model.embed(['Qdrant is fast'], false);
    const v = await vocab;
    const ids = ['[CLS]', '[unused1]', 'q', '##dran', '##t', 'is', 'fast', '[SEP]'].map((t) => v.indexOf(t));
    assert.equal(doc.rows, ids.length);
    // The backbone's raw hidden states, straight from onnxruntime.
    const session = await ort.InferenceSession.create(join(root, 'answerai', 'model.onnx'));
    const t = (a: number[]) => new ort.Tensor('int64', BigInt64Array.from(a.map(BigInt)), [1, a.length]);
    const out = await session.run({ input_ids: t(ids), attention_mask: t(ids.map(() => 1)), token_type_ids: t(ids.map(() => 0)) });
    const hidden = out.last_hidden_state.data as Float32Array;
    await session.release();
    const w = await readWeight(join(fixture, '1_Dense', 'model.safetensors'));
    assert.deepEqual([w.rows, w.cols], [96, 384]);
    for (const row of [0, 3, 7]) {
      const y = new Float64Array(96);
      for (let o = 0; o < 96; o++) for (let k = 0; k < 384; k++) y[o] += w.data[o * 384 + k] * hidden[row * 384 + k];
      const norm = Math.hypot(...y);
      for (let o = 0; o < 96; o++) assert.ok(Math.abs(y[o] / norm - doc.data[row * 96 + o]) < 1e-4, `row ${row} dim ${o}`);
    }
    const [q] = await model.embed(['Qdrant is fast'], true);
    assert.deepEqual([q.rows, q.dim], [32, 96]);
    const [long] = await model.embed(['word '.repeat(1000)], false);
    assert.equal(long.rows, 300);
  } finally {
    await model.dispose();
  }
});

test('settings come from config_sentence_transformers.json', async () => {
  const dir = join(root, 'tiny');
  const file = join(dir, 'config_sentence_transformers.json');
  const config = JSON.parse(await readFile(file, 'utf8')) as Record<string, unknown>;
  await writeFile(
    file,
    JSON.stringify({ ...config, query_prefix: '[unused5]', document_length: 6, query_length: 12, attend_to_expansion_tokens: true, skiplist_words: ['a'] }),
  );
  try {
    const model = await LateInteractionTextEmbedding.load(dir, { threads: 1 });
    try {
      assert.equal(model.dim, 8);
      assert.deepEqual(
        model.vectorTokens('a, b c d e f', false).map((t) => t.text),
        ['[CLS]', '[unused1]', ',', 'b', '[SEP]'],
      );
      const q = model.vectorTokens('a b', true);
      assert.equal(q.length, 12);
      assert.equal(q[1].text, '[unused5]');
      assert.ok(model.processor.prepareQuery('a b').attention.every((x) => x === 1));
    } finally {
      await model.dispose();
    }
    await writeFile(file, JSON.stringify({ ...config, query_prefix: '[no-such-token]' }));
    await assert.rejects(loadModelFolder(dir), (e: unknown) => isTartanError(e, ErrorCodes.TOKENIZER) && /no-such-token/.test(e.message));
  } finally {
    await writeFile(file, JSON.stringify(config));
  }
});

test('detectKind reads the folder files', async () => {
  assert.equal(detectKind(join(root, 'answerai')), 'colbert');
  await makeSyntheticModel(join(root, 'ce'), { arch: 'tiny', kind: 'cross-encoder', seed: 1 });
  assert.equal(detectKind(join(root, 'ce')), 'cross-encoder');
  assert.equal(detectKind(join(root, 'backbone')), 'dense');
});

test('missing files are MODEL_FILES_MISSING naming the files and the folder', async () => {
  const dir = join(root, 'broken');
  await cp(join(root, 'tiny'), dir, { recursive: true });
  const missingWith = (name: RegExp) => (e: unknown) => isTartanError(e, ErrorCodes.MODEL_FILES_MISSING) && name.test(e.message) && e.message.includes(dir);
  await rm(join(dir, '1_Dense', 'model.safetensors'));
  await assert.rejects(loadModelFolder(dir), missingWith(/1_Dense[/\\]model\.safetensors/));
  await rm(join(dir, '1_Dense'), { recursive: true });
  await rm(join(dir, 'model.onnx'));
  await assert.rejects(loadModelFolder(dir), missingWith(/model\.onnx/));
  await copyFile(join(root, 'tiny', 'model.onnx'), join(dir, 'model.onnx'));
  await rm(join(dir, 'tokenizer.json'));
  await assert.rejects(loadModelFolder(dir), missingWith(/tokenizer\.json/));
  await assert.rejects(loadModelFolder(join(root, 'does-not-exist')), (e: unknown) => isTartanError(e, ErrorCodes.MODEL_FILES_MISSING));
});

test('a corrupt ONNX file is MODEL_CORRUPT; a non-identity projection is MODEL_LAYOUT_UNKNOWN', async () => {
  const dir = join(root, 'corrupt');
  await cp(join(root, 'tiny'), dir, { recursive: true });
  await writeFile(join(dir, 'model.onnx'), randomBytes(4096));
  await assert.rejects(loadModelFolder(dir), (e: unknown) => isTartanError(e, ErrorCodes.MODEL_CORRUPT) && e.message.includes('model.onnx'));
  // Reading settings and tokenizer does not touch the graph.
  const info = await readModelFolder(dir);
  assert.equal(info.colbert?.queryLength, 32);
  assert.equal(info.projection[0].outFeatures, 8);
  const odd = join(root, 'tanh');
  await cp(join(root, 'tiny'), odd, { recursive: true });
  await mkdir(join(odd, '1_Dense'), { recursive: true });
  await writeFile(
    join(odd, '1_Dense', 'config.json'),
    JSON.stringify({ in_features: 64, out_features: 8, bias: false, activation_function: 'torch.nn.modules.activation.Tanh' }),
  );
  await assert.rejects(loadModelFolder(odd), (e: unknown) => isTartanError(e, ErrorCodes.MODEL_LAYOUT_UNKNOWN) && /Tanh/.test(e.message));
});
