import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { externalReader } from '../../../src/models/runtime/onnx-session.js';
import { quantizeColumns, quantizeModelInt8, QuantizeError } from '../../../src/models/runtime/quantize-int8.js';
import { fieldString, readFields } from '../../../src/models/runtime/protobuf-reader.js';
import { GraphBuilder, modelProto, TensorType } from '../../../src/models/runtime/onnx-graph.js';
import { ProtoMessage } from '../../../src/models/runtime/protobuf-writer.js';

const K = 24;
const N = 16;

function floats(values: Float32Array): Uint8Array {
  return new Uint8Array(values.buffer.slice(0));
}

function pseudoRandom(n: number, seed: number): Float32Array {
  const out = new Float32Array(n);
  let s = seed;
  for (let i = 0; i < n; i++) {
    s = (s * 1103515245 + 12345) % 2147483648;
    out[i] = s / 2147483648 - 0.5;
  }
  return out;
}

/**
 * y = x @ W + b (fusable), z = y @ y^T-like product with a non-constant right side (stays float),
 * and W also read by an Identity output when `shareWeight` (so the float W must stay).
 */
function graphBytes(opts: { shareWeight?: boolean } = {}): Buffer {
  const g = new GraphBuilder('probe');
  const x = g.input('x', TensorType.FLOAT, ['rows', K]);
  const w = g.initializer('W', TensorType.FLOAT, [K, N], floats(pseudoRandom(K * N, 7)));
  const b = g.initializer('b', TensorType.FLOAT, [N], floats(pseudoRandom(N, 3)));
  const y = g.op('Add', [g.op('MatMul', [x, w]), b]);
  const z = g.op('MatMul', [y, g.op('Transpose', [y])]);
  g.output(y, TensorType.FLOAT, ['rows', N], 'y');
  g.output(z, TensorType.FLOAT, ['rows', 'rows'], 'z');
  if (opts.shareWeight) g.output(g.op('Identity', [w]), TensorType.FLOAT, [K, N], 'w_copy');
  return modelProto(g, { opset: 17 }).toBuffer();
}

function initializerNames(bytes: Uint8Array): string[] {
  const graph = [...readFields(bytes)].find((f) => f.field === 7)!;
  return [...readFields(bytes, graph.valueStart, graph.valueEnd)]
    .filter((f) => f.field === 5)
    .map((f) =>
      fieldString(
        bytes,
        [...readFields(bytes, f.valueStart, f.valueEnd)].find((x) => x.field === 8)!,
      ),
    );
}

async function run(bytes: Uint8Array, x: Float32Array): Promise<Record<string, Float32Array>> {
  const s = await ort.InferenceSession.create(bytes, { intraOpNumThreads: 1 });
  try {
    const out = await s.run({ x: new ort.Tensor('float32', x, [x.length / K, K]) });
    return Object.fromEntries(Object.entries(out).map(([k, v]) => [k, v.data as Float32Array]));
  } finally {
    await s.release();
  }
}

test('per-column symmetric quantisation: scale = max |column| / qmax, values rounded and clamped', () => {
  const m = Float32Array.of(0.7, -0.5, 0, -2, 0.2, 0); // 2 rows x 3 columns; the last column is all zero
  const { q, scales } = quantizeColumns(m, 2, 3);
  assert.deepEqual([...scales], [Math.fround(2 / 127), Math.fround(0.5 / 127), 1]);
  assert.deepEqual([...q], [44, -127, 0, -127, 51, 0]); // 0.7 / (2/127) = 44.45, 0.2 / (0.5/127) = 50.8
  const reduced = quantizeColumns(m, 2, 3, 63);
  assert.deepEqual([...reduced.q], [22, -63, 0, -63, 25, 0]); // 22.05, 25.2
});

test('a weight MatMul and its bias Add become one DynamicQuantizeMatMul; a MatMul of two activations stays float', async () => {
  const original = graphBytes();
  const { bytes, report } = quantizeModelInt8(original);
  assert.deepEqual(report, { matmuls: 1, fusedBiases: 1, keptFloat: 1 });
  const names = initializerNames(bytes);
  assert.ok(names.includes('W_int8') && names.includes('W_scale') && names.includes('b'));
  assert.ok(!names.includes('W'), 'the float weight is dropped once nothing else reads it');
  assert.ok(bytes.byteLength < original.byteLength);

  const x = pseudoRandom(5 * K, 11);
  const want = await run(original, x);
  const got = await run(bytes, x);
  let maxErr = 0;
  let maxAbs = 0;
  for (let i = 0; i < want.y.length; i++) {
    maxErr = Math.max(maxErr, Math.abs(want.y[i] - got.y[i]));
    maxAbs = Math.max(maxAbs, Math.abs(want.y[i]));
  }
  assert.ok(maxErr > 0, 'int8 products differ from float32 ones in the last bits');
  assert.ok(maxErr < 0.02 * maxAbs, `int8 error ${maxErr} too large against outputs up to ${maxAbs}`);
  assert.equal(got.z.length, 25);
});

test('a weight that something else also reads stays in float beside its int8 copy', async () => {
  const { bytes, report } = quantizeModelInt8(graphBytes({ shareWeight: true }));
  assert.equal(report.matmuls, 1);
  assert.ok(initializerNames(bytes).includes('W'));
  const out = await run(bytes, pseudoRandom(2 * K, 5));
  assert.deepEqual([...out.w_copy.subarray(0, 4)], [...pseudoRandom(K * N, 7).subarray(0, 4)]);
});

test('7-bit weights (reduceRange) still track float32 outputs', async () => {
  const original = graphBytes();
  const x = pseudoRandom(3 * K, 2);
  const want = await run(original, x);
  const got = await run(quantizeModelInt8(original, { reduceRange: true }).bytes, x);
  for (let i = 0; i < want.y.length; i++) assert.ok(Math.abs(want.y[i] - got.y[i]) < 0.05, `row value ${i}: ${got.y[i]} vs ${want.y[i]}`);
});

test('bytes that are not a model, and weights in external files, are refused with a reason', () => {
  assert.throws(() => quantizeModelInt8(Uint8Array.of(0xff, 0xff, 0xff)), QuantizeError);
  assert.throws(() => quantizeModelInt8(new ProtoMessage().varint(1, 8).toBuffer()), /no graph/);
  const external = new ProtoMessage().varint(1, K).varint(1, N).varint(2, TensorType.FLOAT).string(8, 'W').varint(14, 1);
  const graph = new ProtoMessage().message(5, external);
  const model = new ProtoMessage().varint(1, 8).message(7, graph).toBuffer();
  assert.throws(() => quantizeModelInt8(model), /external data/);
});

test('weights in an external data file are read, quantised, and everything else comes out inline', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'tartan-ext-'));
  try {
    const w = floats(pseudoRandom(K * N, 7));
    const b = floats(pseudoRandom(N, 3));
    await writeFile(join(dir, 'model.onnx_data'), Buffer.concat([Buffer.alloc(16), Buffer.from(w), Buffer.from(b)]));
    const ext = (name: string, dims: number[], offset: number, length: number) => {
      const t = new ProtoMessage();
      for (const d of dims) t.varint(1, d);
      t.varint(2, TensorType.FLOAT).string(8, name);
      for (const [k, v] of [
        ['location', 'model.onnx_data'],
        ['offset', String(offset)],
        ['length', String(length)],
      ])
        t.message(13, new ProtoMessage().string(1, k).string(2, v));
      return t.varint(14, 1);
    };
    // The same graph as graphBytes(), with W and b in the data file.
    const g = new GraphBuilder('ext');
    const x = g.input('x', TensorType.FLOAT, ['rows', K]);
    const y = g.op('Add', [g.op('MatMul', [x, 'W']), 'b']);
    g.output(y, TensorType.FLOAT, ['rows', N], 'y');
    const graph = g
      .toProto()
      .message(5, ext('W', [K, N], 16, w.byteLength))
      .message(5, ext('b', [N], 16 + w.byteLength, b.byteLength));
    const model = new ProtoMessage().varint(1, 8).message(7, graph).message(8, new ProtoMessage().string(1, '').varint(2, 17)).toBuffer();
    const path = join(dir, 'model.onnx');
    await writeFile(path, model);

    const xs = pseudoRandom(4 * K, 13);
    const fp32 = await ort.InferenceSession.create(path, { intraOpNumThreads: 1 }); // onnxruntime itself reads the data file
    const want = (await fp32.run({ x: new ort.Tensor('float32', xs, [4, K]) })).y.data as Float32Array;
    await fp32.release();
    assert.throws(() => quantizeModelInt8(model), /external data file model\.onnx_data/);
    const { bytes, report } = quantizeModelInt8(model, { readExternal: externalReader(path) });
    assert.deepEqual(report, { matmuls: 1, fusedBiases: 1, keptFloat: 0 });
    const got = (await run(bytes, xs)).y;
    for (let i = 0; i < want.length; i++) assert.ok(Math.abs(want[i] - got[i]) < 0.02, `${got[i]} vs ${want[i]}`);

    const reader = externalReader(path);
    assert.throws(() => reader('../escape.bin', 0, 4), /outside the model folder/);
    assert.throws(() => reader('absent.bin', 0, 4), /missing/);
    assert.throws(() => reader('model.onnx_data', 0, 1 << 20), /wants bytes/);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
