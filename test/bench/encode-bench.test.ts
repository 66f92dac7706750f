import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { int8Agreement, runEncodeBench } from '../../bench/encode-bench.js';
import { makeSyntheticModel } from '../../src/models/synthetic/index.js';
import type { TokenMatrix } from '../../src/core/tensors.js';
import { SHARED, needsShared } from '../shared-fixtures.js';

function matrix(rows: number[][]): TokenMatrix {
  return { data: Float32Array.from(rows.flat()), rows: rows.length, dim: rows[0].length };
}

test('int8 agreement: identical vectors agree exactly', () => {
  const docs = [
    matrix([
      [1, 0],
      [0, 1],
    ]),
    matrix([[0.6, 0.8]]),
  ];
  const a = int8Agreement(docs, docs);
  assert.equal(a.passages, 2);
  assert.equal(a.tokens, 3);
  assert.ok(Math.abs(a.min_cosine - 1) < 1e-6 && Math.abs(a.mean_cosine - 1) < 1e-6);
  assert.equal(a.maxsim_max_abs_diff, 0);
});

test('int8 agreement: cosines per token and MaxSim differences of consecutive passages', () => {
  const fp32 = [
    matrix([
      [1, 0],
      [0, 1],
    ]),
    matrix([[1, 0]]),
  ];
  const int8 = [
    matrix([
      [0.6, 0.8],
      [0, 1],
    ]),
    matrix([[1, 0]]),
  ];
  const a = int8Agreement(fp32, int8);
  assert.equal(a.min_cosine, Math.fround(0.6));
  assert.ok(Math.abs(a.mean_cosine - (0.6 + 1 + 1) / 3) < 1e-6);
  // MaxSim(passage 0 as query, passage 1): fp32 1 + 0 = 1; int8 0.6 + 0 = 0.6.
  assert.ok(Math.abs(a.maxsim_max_abs_diff - 0.4) < 1e-6);
  assert.ok(Math.abs(a.maxsim_mean_abs_diff - 0.4) < 1e-6);
});

test('runEncodeBench: tartan at fp32 and int8 and transformers.js at fp32 and q8 all encode the same passages', needsShared(SHARED.tokenizer), async () => {
  const root = await mkdtemp(join(tmpdir(), 'tartan-encb-'));
  process.env.TARTAN_HOME = join(root, 'home'); // int8 graphs are cached there, not in ~/.tartan
  try {
    const model = join(root, 'm');
    await makeSyntheticModel(model, { arch: 'tiny', kind: 'colbert', dim: 16, seed: 4 });
    const docs = join(root, 'docs.jsonl');
    const texts = ['late interaction scores every query token', 'a short one', 'ColBERT keeps one vector per token of the passage', 'int8 weights'];
    await writeFile(docs, texts.map((text, i) => JSON.stringify({ _id: String(i), title: '', text })).join('\n'));
    const r = await runEncodeBench({ model, docs, threads: 1, batchSize: 2, agreementPassages: 3 });
    assert.deepEqual(
      r.results.map((x) => x.impl),
      ['tartan', 'tartan-int8', 'transformers.js', 'transformers.js-q8'],
    );
    assert.equal(r.config.passages, 4);
    assert.ok(r.config.tokens > 4 * 3);
    for (const x of r.results) assert.ok(x.passages_per_s > 0 && Number.isFinite(x.passages_per_s));
    for (const k of ['ratio_vs_transformers', 'ratio_int8_vs_transformers', 'ratio_int8_vs_transformers_q8', 'ratio_int8_vs_fp32'] as const)
      assert.ok((r[k] ?? 0) > 0, k);
    assert.equal(r.int8_agreement?.passages, 3);
    assert.ok(r.int8_agreement!.min_cosine > 0.99 && r.int8_agreement!.min_cosine < 1);
  } finally {
    await rm(root, { recursive: true, force: true });
  }
});
