import assert from 'node:assert/strict';
import { mkdtemp, rm, mkdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { ErrorCodes, isTartanError } from '../../../src/core/errors.js';
import { TextEmbedding } from '../../../src/models/encoders/dense.js';
import { makeSyntheticModel } from '../../../src/models/synthetic/index.js';
import { SHARED, sharedSuite } from '../../shared-fixtures.js';

const { test, before, after } = sharedSuite(SHARED.tokenizer);

let root = '';
before(async () => {
  root = await mkdtemp(join(tmpdir(), 'tartan-dense-'));
  await makeSyntheticModel(join(root, 'dense'), { arch: 'tiny', kind: 'dense', seed: 3 });
});
after(async () => {
  await rm(root, { recursive: true, force: true });
});

/** The raw last hidden state of a fixed input, straight from onnxruntime. */
async function rawHidden(dir: string, ids: number[]): Promise<Float32Array> {
  const session = await ort.InferenceSession.create(join(dir, 'model.onnx'));
  const t = (a: number[]) => new ort.Tensor('int64', BigInt64Array.from(a.map(BigInt)), [1, a.length]);
  const out = await session.run({ input_ids: t(ids), attention_mask: t(ids.map(() => 1)), token_type_ids: t(ids.map(() => 0)) });
  await session.release();
  return out.last_hidden_state.data as Float32Array;
}

const normalise = (v: number[]) => {
  const n = Math.hypot(...v);
  return v.map((x) => x / n);
};

test('CLS pooling + L2 normalisation', async () => {
  const model = await TextEmbedding.load(join(root, 'dense'), { threads: 1 });
  try {
    assert.equal(model.pooling, 'cls');
    assert.equal(model.dim, 64);
    const [v] = await model.embed(['hello world']);
    // [CLS] hello world [SEP] in the bert-base-uncased vocabulary.
    const hidden = await rawHidden(join(root, 'dense'), [101, 7592, 2088, 102]);
    const expected = normalise(Array.from(hidden.subarray(0, 64)));
    expected.forEach((x, k) => assert.ok(Math.abs(x - v[k]) < 1e-5, `dim ${k}`));
    assert.ok(Math.abs(Math.hypot(...v) - 1) < 1e-5);
  } finally {
    await model.dispose();
  }
});

test('mean pooling when 1_Pooling/config.json says so', async () => {
  const dir = join(root, 'mean');
  await makeSyntheticModel(dir, { arch: 'tiny', kind: 'dense', seed: 3 });
  await mkdir(join(dir, '1_Pooling'), { recursive: true });
  await writeFile(
    join(dir, '1_Pooling', 'config.json'),
    JSON.stringify({ word_embedding_dimension: 64, pooling_mode_cls_token: false, pooling_mode_mean_tokens: true }),
  );
  const model = await TextEmbedding.load(dir, { threads: 1 });
  try {
    assert.equal(model.pooling, 'mean');
    const [v] = await model.embed(['hello world']);
    const hidden = await rawHidden(dir, [101, 7592, 2088, 102]);
    const mean = Array.from({ length: 64 }, (_, k) => (hidden[k] + hidden[64 + k] + hidden[128 + k] + hidden[192 + k]) / 4);
    normalise(mean).forEach((x, k) => assert.ok(Math.abs(x - v[k]) < 1e-5, `dim ${k}`));
  } finally {
    await model.dispose();
  }
});

test('batch equals one-by-one; streams keep order; bad input is coded', async () => {
  const model = await TextEmbedding.load(join(root, 'dense'), { threads: 1, batchSize: 3 });
  try {
    const texts = ['a long text with quite a few words in it to pad others', 'short', 'medium length text', 'x'];
    const batched: Float32Array[] = [];
    for await (const v of model.passageEmbed(texts)) batched.push(v);
    for (let i = 0; i < texts.length; i++) {
      const [single] = await model.embed([texts[i]], { batchSize: 1 });
      single.forEach((x, k) => assert.ok(Math.abs(x - batched[i][k]) <= 1e-5));
    }
    const q: Float32Array[] = [];
    for await (const v of model.queryEmbed(['short'])) q.push(v);
    assert.deepEqual(Array.from(q[0]), Array.from(batched[1]));
    await assert.rejects(model.embed(['ok', '']), (e: unknown) => isTartanError(e, ErrorCodes.EMPTY_TEXT) && /#1/.test(e.message));
    await assert.rejects(model.embed([undefined as unknown as string]), (e: unknown) => isTartanError(e, ErrorCodes.NOT_A_STRING));
    await assert.rejects(model.embed(['y'.repeat(1_000_001)]), (e: unknown) => isTartanError(e, ErrorCodes.TEXT_TOO_LONG));
    const [long] = await model.embed(['word '.repeat(3000)]);
    assert.equal(long.length, 64);
  } finally {
    await model.dispose();
  }
});
