import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ErrorCodes, isTartanError } from '../../src/core/errors.js';
import { defaultModel, findModelSpec, getModelSpec, listModels } from '../../src/models/registry.js';

test('defaults per kind', () => {
  assert.equal(defaultModel('colbert').id, 'answerdotai/answerai-colbert-small-v1');
  assert.equal(defaultModel('colbert').dim, 96);
  assert.equal(defaultModel('dense').id, 'BAAI/bge-small-en-v1.5');
  assert.equal(defaultModel('dense').pooling, 'cls');
  assert.equal(defaultModel('cross-encoder').id, 'Xenova/ms-marco-MiniLM-L-6-v2');
  for (const kind of ['colbert', 'dense', 'cross-encoder'] as const) assert.equal(listModels(kind).filter((m) => m.isDefault).length, 1);
});

test('the seed models and their files', () => {
  const colbert = getModelSpec('colbert-ir/colbertv2.0');
  assert.equal(colbert.dim, 128);
  assert.deepEqual(colbert.layout, { type: 'onnx', onnxFile: 'model.onnx' });
  assert.equal(colbert.colbert?.queryMarkerId, 1);
  assert.equal(colbert.colbert?.documentMarkerId, 2);
  assert.equal(colbert.colbert?.maskTokenId, 103);
  assert.ok(getModelSpec('answerdotai/answerai-colbert-small-v1').files.includes('vespa_colbert.onnx'));
  assert.equal(getModelSpec('BAAI/bge-small-en-v1.5').layout.onnxFile, 'onnx/model.onnx');
  const jina = getModelSpec('jinaai/jina-colbert-v2');
  assert.equal(jina.colbert?.queryMarkerId, 250002);
  assert.equal(jina.colbert?.attendToExpansionTokens, true);
  for (const m of listModels()) {
    assert.ok(m.files.includes(m.layout.onnxFile), `${m.id} fetches its ONNX file`);
    assert.ok(m.files.includes('tokenizer.json'), `${m.id} fetches its tokenizer`);
    assert.ok(m.sizeBytes > 0 && m.license.length > 0);
  }
  assert.match(getModelSpec('mixedbread-ai/mxbai-edge-colbert-v0-17m').unsupported ?? '', /ONNX/);
});

test('unknown ids are UNKNOWN_MODEL listing the known ids; lookups are case-insensitive and copies', () => {
  assert.throws(
    () => getModelSpec('nobody/nothing'),
    (e: unknown) => isTartanError(e, ErrorCodes.UNKNOWN_MODEL) && /colbert-ir\/colbertv2\.0/.test(e.message),
  );
  assert.equal(findModelSpec('baai/BGE-small-en-v1.5')?.id, 'BAAI/bge-small-en-v1.5');
  const a = getModelSpec('colbert-ir/colbertv2.0');
  a.dim = 1;
  assert.equal(getModelSpec('colbert-ir/colbertv2.0').dim, 128);
});
