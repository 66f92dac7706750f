import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { ErrorCodes, isTartanError } from '../../../src/core/errors.js';
import { TextCrossEncoder } from '../../../src/models/encoders/cross-encoder.js';
import { makeSyntheticModel } from '../../../src/models/synthetic/index.js';
import { SHARED, sharedSuite } from '../../shared-fixtures.js';

const { test, before, after } = sharedSuite(SHARED.tokenizer);

let root = '';
let model: TextCrossEncoder;
before(async () => {
  root = await mkdtemp(join(tmpdir(), 'tartan-ce-'));
  await makeSyntheticModel(join(root, 'ce'), { arch: 'tiny', kind: 'cross-encoder', seed: 4 });
  model = await TextCrossEncoder.load(join(root, 'ce'), { threads: 1 });
});
after(async () => {
  await model?.dispose();
  await rm(root, { recursive: true, force: true });
});

async function collect(it: AsyncIterable<number>): Promise<number[]> {
  const out: number[] = [];
  for await (const s of it) out.push(s);
  return out;
}

test('the score is the raw logit of [CLS] q [SEP] d [SEP] with token types', async () => {
  const [score] = await model.score('what is', ['the world']);
  // [CLS] what is [SEP] the world [SEP], ids from the bert-base-uncased vocabulary.
  const ids = [101, 2054, 2003, 102, 1996, 2088, 102];
  const types = [0, 0, 0, 0, 1, 1, 1];
  const session = await ort.InferenceSession.create(join(root, 'ce', 'model.onnx'));
  const t = (a: number[]) => new ort.Tensor('int64', BigInt64Array.from(a.map(BigInt)), [1, a.length]);
  const out = await session.run({ input_ids: t(ids), attention_mask: t(ids.map(() => 1)), token_type_ids: t(types) });
  await session.release();
  assert.ok(Math.abs((out.logits.data as Float32Array)[0] - score) < 1e-5);
  // Token types matter: the same ids with all-zero types give another logit.
  const zeroTypes = await ort.InferenceSession.create(join(root, 'ce', 'model.onnx'));
  const out0 = await zeroTypes.run({ input_ids: t(ids), attention_mask: t(ids.map(() => 1)), token_type_ids: t(ids.map(() => 0)) });
  await zeroTypes.release();
  assert.notEqual((out0.logits.data as Float32Array)[0], score);
});

test('one score per document, batch equals single, order kept', async () => {
  const docs = ['a long document about vector databases and semantic search engines', 'short', 'medium sized document here', 'x y'];
  const batched = await collect(model.rerank('vector search', docs, { batchSize: 3 }));
  assert.equal(batched.length, docs.length);
  for (let i = 0; i < docs.length; i++) {
    const [single] = await model.score('vector search', [docs[i]], { batchSize: 1 });
    assert.ok(Math.abs(single - batched[i]) <= 1e-5, `doc ${i}`);
  }
  async function* stream() {
    yield* docs;
  }
  assert.deepEqual(await collect(model.rerank('vector search', stream(), { batchSize: 2 })), batched);
});

test('long documents are truncated to 512 tokens; bad input is coded', async () => {
  const [s] = await model.score('query', ['word '.repeat(3000)]);
  assert.ok(Number.isFinite(s));
  await assert.rejects(collect(model.rerank('', ['doc'])), (e: unknown) => isTartanError(e, ErrorCodes.EMPTY_TEXT));
  await assert.rejects(model.score('q', ['ok', 7 as unknown as string]), (e: unknown) => isTartanError(e, ErrorCodes.NOT_A_STRING));
  await assert.rejects(model.score('q', ['z'.repeat(1_000_001)]), (e: unknown) => isTartanError(e, ErrorCodes.TEXT_TOO_LONG));
});
