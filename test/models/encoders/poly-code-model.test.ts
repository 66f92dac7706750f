import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ErrorCodes, isTartanError } from '../../../src/core/errors.js';
import { packMatrices } from '../../../src/core/tensors.js';
import { GraphBuilder, modelProto, TensorType } from '../../../src/models/runtime/onnx-graph.js';
import { PolyCodeModel, polyCodeModelBytes } from '../../../src/models/encoders/poly-code-model.js';
import { polyCodesBatch } from '../../../src/representations/poly.js';
import { randomQuery, rng, randomRows } from '../../scoring/random-data.js';

const DIM = 16;
const dir = mkdtempSync(join(tmpdir(), 'tartan-poly-model-'));
test.after(() => rmSync(dir, { recursive: true, force: true }));

test('a code export of the reference construction gives the codes tartan computes (padding masked, batches of any size)', async () => {
  const rand = rng(11);
  const queries = randomRows(rand, 4, DIM);
  const path = join(dir, 'poly.onnx');
  writeFileSync(path, polyCodeModelBytes(queries, DIM, 0.05));
  const model = await PolyCodeModel.load(path, DIM);
  try {
    assert.equal(model.codes, 4);
    // 70 documents of 1 to 40 rows: three onnxruntime batches, each padded to its longest document.
    const docs = packMatrices(
      Array.from({ length: 70 }, (_, i) => randomQuery(rand, 1 + ((i * 7) % 40), DIM)),
      DIM,
    );
    const got = await model.represent(docs);
    const want = polyCodesBatch(docs, queries, 0.05);
    assert.deepEqual(Array.from(got.offsets), Array.from(want.offsets));
    let worst = 0;
    for (let i = 0; i < want.data.length; i++) worst = Math.max(worst, Math.abs(got.data[i] - want.data[i]));
    assert.ok(worst < 1e-4, `max |diff| ${worst}`);
    await assert.rejects(model.represent(packMatrices([randomQuery(rand, 3, DIM + 1)], DIM + 1)), (e) => isTartanError(e, ErrorCodes.DIMENSION_MISMATCH));
  } finally {
    await model.release();
  }
});

test('files that are not a code export get coded errors saying what was found', async () => {
  await assert.rejects(PolyCodeModel.load(join(dir, 'absent.onnx'), DIM), (e) => isTartanError(e, ErrorCodes.MODEL_FILES_MISSING));
  const garbage = join(dir, 'garbage.onnx');
  writeFileSync(garbage, 'not onnx');
  await assert.rejects(PolyCodeModel.load(garbage, DIM), (e) => isTartanError(e, ErrorCodes.MODEL_CORRUPT));
  const g = new GraphBuilder('other');
  g.output(g.op('Relu', [g.input('x', TensorType.FLOAT, ['n', DIM])]), TensorType.FLOAT, ['n', DIM], 'y');
  const other = join(dir, 'other.onnx');
  writeFileSync(other, modelProto(g, { opset: 17 }).toBuffer());
  await assert.rejects(
    PolyCodeModel.load(other, DIM),
    (e) => isTartanError(e, ErrorCodes.MODEL_LAYOUT_UNKNOWN) && /its inputs are x/.test(e.message) && /token_embeddings/.test(e.message),
  );
  // An export for another token dimension fails its probe run.
  const wide = join(dir, 'wide.onnx');
  writeFileSync(wide, polyCodeModelBytes(randomRows(rng(2), 2, DIM * 2), DIM * 2, 0.05));
  await assert.rejects(PolyCodeModel.load(wide, DIM), (e) => isTartanError(e, ErrorCodes.MODEL_LAYOUT_UNKNOWN));
});
