import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildSyntheticGraph, SYNTHETIC_ARCHITECTURES } from '../../../src/models/synthetic/index.js';
import { colbertSettings } from '../../../src/models/synthetic/folder-files.js';

/** BertModel parameters without the pooler, by the architecture's formula (written out here, independent of the builder). */
function bertParams(layers: number, h: number, ffn: number): number {
  const embeddings = (30522 + 512 + 2) * h + 2 * h;
  const layer = 4 * (h * h + h) + 2 * h + (h * ffn + ffn) + (ffn * h + h) + 2 * h;
  return embeddings + layers * layer;
}

// Cross-checks against the real models: bert-base-uncased's torch count is 109,482,240 with its
// 768x768 pooler; bge-small-en-v1.5's card says 33.4M, ms-marco-MiniLM-L-6-v2's 22.7M.
const BERT_BASE_WITHOUT_POOLER = bertParams(12, 768, 3072);
const BERT_SMALL_WITHOUT_POOLER = bertParams(12, 384, 1536);
const MINILM_L6_CROSS_ENCODER = bertParams(6, 384, 1536) + (384 * 384 + 384) + (384 + 1);

test("the formula itself matches bert-base-uncased's known count", () => {
  assert.equal(BERT_BASE_WITHOUT_POOLER + 768 * 768 + 768, 109_482_240);
  assert.equal(Math.round((BERT_SMALL_WITHOUT_POOLER + 384 * 384 + 384) / 1e5) / 10, 33.4);
  assert.equal(Math.round(MINILM_L6_CROSS_ENCODER / 1e5) / 10, 22.7);
});

test("synthetic graphs have the real models' parameter counts (no weights are generated to count them)", () => {
  const base = buildSyntheticGraph(SYNTHETIC_ARCHITECTURES['bert-base'], 'backbone', 'onnx', 0, 1);
  assert.equal(base.params, BERT_BASE_WITHOUT_POOLER);
  const small = buildSyntheticGraph(SYNTHETIC_ARCHITECTURES['bert-small'], 'dense', 'onnx', 0, 1);
  assert.equal(small.params, BERT_SMALL_WITHOUT_POOLER);
  const colbert = buildSyntheticGraph(SYNTHETIC_ARCHITECTURES['bert-base'], 'colbert', 'onnx', 128, 1);
  assert.equal(colbert.params, BERT_BASE_WITHOUT_POOLER + 768 * 128);
  assert.equal(colbert.output, 'token_embeddings');
  const minilm = buildSyntheticGraph(SYNTHETIC_ARCHITECTURES['minilm-l6'], 'cross-encoder', 'onnx', 0, 1);
  assert.equal(minilm.params, MINILM_L6_CROSS_ENCODER);
  assert.equal(minilm.output, 'logits');
});

test('model.onnx size is the float32 weights plus a small graph overhead', () => {
  for (const arch of ['bert-base', 'bert-small', 'minilm-l6'] as const) {
    const g = buildSyntheticGraph(SYNTHETIC_ARCHITECTURES[arch], 'backbone', 'onnx', 0, 1);
    const overhead = g.model.byteLength - g.params * 4;
    assert.ok(overhead > 0 && overhead < 100_000, `${arch}: ${overhead} bytes beyond the weights`);
  }
});

test('ColBERT settings follow the model they stand for: 180-token documents for colbertv2.0 (bert-base), 300 otherwise', () => {
  assert.equal(colbertSettings(SYNTHETIC_ARCHITECTURES['bert-base']).document_length, 180);
  assert.equal(colbertSettings(SYNTHETIC_ARCHITECTURES['bert-small']).document_length, 300);
  assert.equal(colbertSettings(SYNTHETIC_ARCHITECTURES['bert-small']).query_length, 32);
});
