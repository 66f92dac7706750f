import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ErrorCodes, isTartanError } from '../../../src/core/errors.js';
import { OnnxSession, resolvePrecision, resolveThreads } from '../../../src/models/runtime/onnx-session.js';
import { makeSyntheticModel } from '../../../src/models/synthetic/index.js';
import { GraphBuilder, TensorType, modelProto } from '../../../src/models/runtime/onnx-graph.js';
import { writeChunks } from '../../../src/models/synthetic/stream-file.js';
import { SHARED, sharedSuite } from '../../shared-fixtures.js';

const { test, before, after } = sharedSuite(SHARED.tokenizer);

/** A two-input graph (no token_type_ids, like answerai's vespa_colbert.onnx) echoing [id, mask] per token. */
async function writeEchoGraph(path: string): Promise<void> {
  const g = new GraphBuilder('echo');
  const ids = g.input('input_ids', TensorType.INT64, ['batch', 'seq']);
  const mask = g.input('attention_mask', TensorType.INT64, ['batch', 'seq']);
  const axes = g.int64([2]);
  const col = (x: string) => g.op('Unsqueeze', [g.op('Cast', [x], { to: { int: TensorType.FLOAT } }), axes]);
  const out = g.op('Concat', [col(ids), col(mask)], { axis: { int: 2 } });
  g.output(out, TensorType.FLOAT, ['batch', 'seq', 2], 'token_embeddings');
  await writeChunks(path, modelProto(g, { opset: 17 }).chunks());
}

let root = '';
before(async () => {
  root = await mkdtemp(join(tmpdir(), 'tartan-ort-'));
  process.env.TARTAN_HOME = join(root, 'home'); // int8 graphs are cached there, not in ~/.tartan
  await makeSyntheticModel(join(root, 'c'), { arch: 'tiny', kind: 'colbert', dim: 16, seed: 9 });
});
after(async () => {
  await rm(root, { recursive: true, force: true });
});

test('thread count: option, else TARTAN_ONNX_THREADS, else runtime default; bad values refused', () => {
  assert.equal(resolveThreads(3, {}), 3);
  assert.equal(resolveThreads(undefined, { TARTAN_ONNX_THREADS: '2' }), 2);
  assert.equal(resolveThreads(4, { TARTAN_ONNX_THREADS: '2' }), 4);
  assert.equal(resolveThreads(undefined, {}), undefined);
  assert.throws(
    () => resolveThreads(0, {}),
    (e: unknown) => isTartanError(e, ErrorCodes.INVALID_ARGUMENT),
  );
  assert.throws(
    () => resolveThreads(undefined, { TARTAN_ONNX_THREADS: 'many' }),
    (e: unknown) => isTartanError(e, ErrorCodes.INVALID_ARGUMENT),
  );
});

test('runs int64 inputs and picks the output by name', async () => {
  const s = await OnnxSession.create(join(root, 'c', 'model.onnx'), { threads: 1, interOpThreads: 1 });
  try {
    assert.deepEqual([...s.inputNames].sort(), ['attention_mask', 'input_ids', 'token_type_ids']);
    assert.equal(s.pickOutput(['nope', 'token_embeddings']), 'token_embeddings');
    assert.equal(s.pickOutput(['nope']), s.outputNames[0]);
    const out = await s.run({ ids: [101, 2, 7592, 102], attention: [1, 1, 1, 1], batch: 1, seqLen: 4 }, ['token_embeddings']);
    assert.deepEqual(out.dims, [1, 4, 16]);
    assert.equal(out.data.length, 64);
  } finally {
    await s.release();
  }
});

test('graphs without a token_type_ids input get only the inputs they declare', async () => {
  await writeEchoGraph(join(root, 'echo.onnx'));
  const s = await OnnxSession.create(join(root, 'echo.onnx'), { threads: 1 });
  try {
    assert.deepEqual([...s.inputNames].sort(), ['attention_mask', 'input_ids']);
    const out = await s.run({ ids: [101, 7, 102, 0], attention: [1, 1, 1, 0], typeIds: [0, 0, 1, 1], batch: 2, seqLen: 2 }, ['token_embeddings']);
    assert.deepEqual(out.dims, [2, 2, 2]);
    assert.deepEqual(Array.from(out.data), [101, 1, 7, 1, 102, 1, 0, 0]);
  } finally {
    await s.release();
  }
});

test('missing, corrupt and failing graphs give coded errors', async () => {
  await assert.rejects(OnnxSession.create(join(root, 'none.onnx')), (e: unknown) => isTartanError(e, ErrorCodes.MODEL_FILES_MISSING));
  await writeFile(join(root, 'junk.onnx'), randomBytes(2048));
  await assert.rejects(OnnxSession.create(join(root, 'junk.onnx')), (e: unknown) => isTartanError(e, ErrorCodes.MODEL_CORRUPT) && /junk\.onnx/.test(e.message));
  const s = await OnnxSession.create(join(root, 'c', 'model.onnx'), { threads: 1 });
  try {
    // An id far outside the 30522-token vocabulary makes the embedding lookup fail inside onnxruntime.
    await assert.rejects(s.run({ ids: [101, 9_999_999, 102], attention: [1, 1, 1], batch: 1, seqLen: 3 }, ['token_embeddings']), (e: unknown) =>
      isTartanError(e, ErrorCodes.MODEL_RUNTIME),
    );
  } finally {
    await s.release();
  }
});

test('precision: option, else TARTAN_PRECISION, else fp32; unknown names refused', () => {
  assert.equal(resolvePrecision(undefined, {}), 'fp32');
  assert.equal(resolvePrecision(undefined, { TARTAN_PRECISION: 'int8' }), 'int8');
  assert.equal(resolvePrecision('fp32', { TARTAN_PRECISION: 'int8' }), 'fp32');
  assert.throws(
    () => resolvePrecision('fp16', {}),
    (e: unknown) => isTartanError(e, ErrorCodes.INVALID_ARGUMENT) && /fp32, int8/.test(e.message),
  );
});

test('int8 sessions run the quantised graph: same shapes, outputs close to fp32 but not identical', async () => {
  const path = join(root, 'c', 'model.onnx');
  const f = await OnnxSession.create(path, { threads: 1 });
  const q = await OnnxSession.create(path, { threads: 1, precision: 'int8' });
  try {
    assert.equal(f.precision, 'fp32');
    assert.equal(q.precision, 'int8');
    // The tiny synthetic BERT: 2 layers x 6 weight MatMuls, plus the projection.
    assert.deepEqual(q.quantized, { matmuls: 13, fusedBiases: 12, keptFloat: 4 });
    const input = { ids: [101, 2, 7592, 2088, 102], attention: [1, 1, 1, 1, 1], batch: 1, seqLen: 5 };
    const a = await f.run(input, ['token_embeddings']);
    const b = await q.run(input, ['token_embeddings']);
    assert.deepEqual(b.dims, a.dims);
    let dot = 0,
      na = 0,
      nb = 0,
      same = true;
    for (let i = 0; i < a.data.length; i++) {
      dot += a.data[i] * b.data[i];
      na += a.data[i] ** 2;
      nb += b.data[i] ** 2;
      same &&= a.data[i] === b.data[i];
    }
    assert.ok(!same);
    assert.ok(dot / Math.sqrt(na * nb) > 0.99, `cosine ${dot / Math.sqrt(na * nb)}`);
  } finally {
    await f.release();
    await q.release();
  }
});

test('int8 on a graph without weight MatMuls is refused rather than silently running fp32', async () => {
  await writeEchoGraph(join(root, 'echo8.onnx'));
  await assert.rejects(
    OnnxSession.create(join(root, 'echo8.onnx'), { precision: 'int8' }),
    (e: unknown) => isTartanError(e, ErrorCodes.UNSUPPORTED_MODEL) && /fp32/.test(e.message),
  );
  await writeFile(join(root, 'junk8.onnx'), randomBytes(64));
  await assert.rejects(
    OnnxSession.create(join(root, 'junk8.onnx'), { precision: 'int8' }),
    (e: unknown) => isTartanError(e, ErrorCodes.MODEL_CORRUPT) && /int8/.test(e.message),
  );
});
