import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { makeSyntheticModel, SYNTHETIC_ARCHITECTURES } from '../../../src/models/synthetic/index.js';
import { materialiseWeight } from '../../../src/models/synthetic/weights.js';
import { runBatch, SAMPLE_SEQUENCES } from './onnx-run.js';
import { referenceColbert, referenceHidden, referenceLogit, type WeightLookup } from './reference-bert.js';
import { SHARED, sharedSuite } from '../../shared-fixtures.js';

const { test } = sharedSuite(SHARED.tokenizer);

const arch = SYNTHETIC_ARCHITECTURES.tiny;
const SEED = 77;
const cache = new Map<string, Float32Array>();
/** Weights regenerated from (seed, name) as the builder defines them; cached because the reference reads them often. */
const weight: WeightLookup = (name, count, std = 0.02) => {
  const key = `${name}/${count}/${std}`;
  if (!cache.has(key)) cache.set(key, materialiseWeight(count, SEED, name, { normal: std }));
  return cache.get(key)!;
};

function maxDiff(onnx: Float32Array, ref: Float64Array[]): number {
  let m = 0;
  ref.forEach((row, t) => row.forEach((v, i) => (m = Math.max(m, Math.abs(onnx[t * row.length + i] - v)))));
  return m;
}

test('the ONNX graphs compute BERT as defined: hidden states, ColBERT projection and cross-encoder logit match a float64 reference', async () => {
  const root = await mkdtemp(join(tmpdir(), 'tartan-synthetic-ref-'));
  const sessions: ort.InferenceSession[] = [];
  try {
    await makeSyntheticModel(join(root, 'dense'), { arch: 'tiny', kind: 'dense', seed: SEED });
    await makeSyntheticModel(join(root, 'colbert'), { arch: 'tiny', kind: 'colbert', dim: 16, seed: SEED });
    await makeSyntheticModel(join(root, 'ce'), { arch: 'tiny', kind: 'cross-encoder', seed: SEED });
    const open = async (name: string) => {
      const s = await ort.InferenceSession.create(join(root, name, 'model.onnx'));
      sessions.push(s);
      return s;
    };
    const [dense, colbert, ce] = [await open('dense'), await open('colbert'), await open('ce')];
    for (const seq of SAMPLE_SEQUENCES) {
      const hidden = await runBatch(dense, [seq], 'last_hidden_state');
      const refHidden = referenceHidden(arch, weight, seq.ids, seq.types);
      assert.ok(maxDiff(hidden.data, refHidden) < 1e-5, `hidden states differ by ${maxDiff(hidden.data, refHidden)}`);
      const tokens = await runBatch(colbert, [seq], 'token_embeddings');
      const refTokens = referenceColbert(arch, weight, 16, seq.ids, seq.types);
      assert.ok(maxDiff(tokens.data, refTokens) < 1e-5, `token embeddings differ by ${maxDiff(tokens.data, refTokens)}`);
      const logit = await runBatch(ce, [seq], 'logits');
      assert.ok(Math.abs(logit.data[0] - referenceLogit(arch, weight, seq.ids, seq.types)) < 1e-5);
    }
  } finally {
    for (const s of sessions) await s.release();
    await rm(root, { recursive: true, force: true });
  }
});
