import assert from 'node:assert/strict';
import { mkdtemp, rm, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { makeSyntheticModel } from '../../../src/models/synthetic/index.js';
import { maxAbsDiff, runBatch, SAMPLE_SEQUENCES } from './onnx-run.js';
import { SHARED, sharedSuite } from '../../shared-fixtures.js';

const { test } = sharedSuite(SHARED.tokenizer);

/** Parses a safetensors file by the format's definition (independently of the writer). */
function parseSafetensors(bytes: Buffer): Map<string, { dtype: string; shape: number[]; data: Float32Array }> {
  const headerLength = Number(bytes.readBigUInt64LE(0));
  const header = JSON.parse(bytes.subarray(8, 8 + headerLength).toString('utf8')) as Record<
    string,
    { dtype: string; shape: number[]; data_offsets: [number, number] }
  >;
  const base = 8 + headerLength;
  const out = new Map<string, { dtype: string; shape: number[]; data: Float32Array }>();
  for (const [name, t] of Object.entries(header)) {
    if (name === '__metadata__') continue;
    const [start, end] = t.data_offsets;
    const copy = Buffer.from(bytes.subarray(base + start, base + end)); // aligned copy for Float32Array
    out.set(name, { dtype: t.dtype, shape: t.shape, data: new Float32Array(copy.buffer, copy.byteOffset, (end - start) / 4) });
  }
  return out;
}

test('pylate layout: backbone ONNX + 1_Dense safetensors [dim, hidden] + sentence-transformers files', async () => {
  const root = await mkdtemp(join(tmpdir(), 'tartan-synthetic-pylate-'));
  try {
    const dir = join(root, 'pylate');
    const info = await makeSyntheticModel(dir, { arch: 'tiny', kind: 'colbert', dim: 24, seed: 8, layout: 'pylate' });
    assert.equal(info.output, 'last_hidden_state');
    const bytes = await readFile(join(dir, '1_Dense', 'model.safetensors'));
    const headerLength = Number(bytes.readBigUInt64LE(0));
    assert.equal((8 + headerLength) % 8, 0, 'data starts 8-byte aligned, as the real file does');
    const tensors = parseSafetensors(bytes);
    assert.deepEqual([...tensors.keys()], ['linear.weight']);
    const w = tensors.get('linear.weight')!;
    assert.deepEqual([w.dtype, w.shape], ['F32', [24, 64]]);
    assert.equal(bytes.length, 8 + headerLength + 24 * 64 * 4);
    const std = Math.sqrt(w.data.reduce((a, v) => a + v * v, 0) / w.data.length);
    assert.ok(std > 0.015 && std < 0.025, `projection std ${std} is near 0.02`);

    assert.deepEqual(JSON.parse(await readFile(join(dir, '1_Dense', 'config.json'), 'utf8')), {
      in_features: 64,
      out_features: 24,
      bias: false,
      activation_function: 'torch.nn.modules.linear.Identity',
    });
    const modules = JSON.parse(await readFile(join(dir, 'modules.json'), 'utf8')) as { path: string }[];
    assert.deepEqual(
      modules.map((m) => m.path),
      ['', '1_Dense'],
    );
    const st = JSON.parse(await readFile(join(dir, 'config_sentence_transformers.json'), 'utf8'));
    assert.equal(st.skiplist_words.length, 32);
  } finally {
    await rm(root, { recursive: true, force: true });
  }
});

test('pylate and onnx layouts of one seed compute the same token embeddings (backbone @ linear.weight^T)', async () => {
  const root = await mkdtemp(join(tmpdir(), 'tartan-synthetic-layouts-'));
  const sessions: ort.InferenceSession[] = [];
  try {
    await makeSyntheticModel(join(root, 'onnx'), { arch: 'tiny', kind: 'colbert', dim: 24, seed: 21 });
    await makeSyntheticModel(join(root, 'pylate'), { arch: 'tiny', kind: 'colbert', dim: 24, seed: 21, layout: 'pylate' });
    const full = await ort.InferenceSession.create(join(root, 'onnx', 'model.onnx'));
    const backbone = await ort.InferenceSession.create(join(root, 'pylate', 'model.onnx'));
    sessions.push(full, backbone);
    const w = parseSafetensors(await readFile(join(root, 'pylate', '1_Dense', 'model.safetensors'))).get('linear.weight')!;
    const seq = SAMPLE_SEQUENCES[0];
    const projected = await runBatch(full, [seq], 'token_embeddings');
    const hidden = await runBatch(backbone, [seq], 'last_hidden_state');
    const [dim, h] = w.shape;
    const expected = new Float32Array(seq.ids.length * dim);
    for (let t = 0; t < seq.ids.length; t++) {
      for (let o = 0; o < dim; o++) {
        let s = 0;
        for (let i = 0; i < h; i++) s += hidden.data[t * h + i] * w.data[o * h + i];
        expected[t * dim + o] = s;
      }
    }
    assert.ok(maxAbsDiff(projected.data, expected) < 1e-4);
  } finally {
    for (const s of sessions) await s.release();
    await rm(root, { recursive: true, force: true });
  }
});
