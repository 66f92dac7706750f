import { test } from 'node:test';
import assert from 'node:assert/strict';
import { naiveMaxSim, runMaxSimBench } from '../../bench/maxsim-bench.js';
import { maxsim } from '../../src/scoring/maxsim.js';
import { nativeKernels } from '../../src/scoring/maxsim-native.js';
import { toI8Documents } from '../../src/scoring/quantize.js';
import { randomDocs, randomQuery, rng } from '../scoring/random-data.js';

test('the naive baseline computes the same scores as maxsim (f32 and i8)', () => {
  const rand = rng(41);
  const q = randomQuery(rand, 5, 24);
  const docs = randomDocs(rand, [3, 1, 0, 9], 24);
  const naive = naiveMaxSim(q, docs);
  const ref = maxsim(q, docs, { impl: 'ts' }).raw;
  naive.forEach((v, i) => assert.ok(Math.abs(v - ref[i]) < 1e-5, `doc ${i}: ${v} vs ${ref[i]}`));
  // int8: the naive loop uses the float query against dequantised rows, so it is only close.
  const i8 = toI8Documents(docs);
  const naive8 = naiveMaxSim(q, i8);
  const ref8 = maxsim(q, i8, { impl: 'ts' }).raw;
  naive8.forEach((v, i) => assert.ok(Math.abs(v - ref8[i]) < 0.05, `i8 doc ${i}: ${v} vs ${ref8[i]}`));
});

test('a small benchmark run reports every implementation and dtype in the documented JSON shape', () => {
  const r = runMaxSimBench({ docTokens: 2000, queryTokens: 8, dim: 32, repeats: 1, threads: 2, tsTokens: 400, naiveTokens: 200 });
  assert.equal(r.config.doc_tokens, 2000);
  const native = nativeKernels() !== null;
  const expected = ['f32', 'f16', 'i8'].flatMap((d) => [...(native ? [`native ${d} 1`, `native ${d} 2`] : []), `ts ${d} 1`, `naive ${d} 1`]);
  assert.deepEqual(
    r.results.map((x) => `${x.impl} ${x.dtype} ${x.threads}`),
    expected,
  );
  for (const x of r.results) {
    assert.ok(x.tokens_per_s > 0 && x.gflops > 0, `${x.impl} ${x.dtype}`);
    assert.ok(Math.abs(x.gflops - (2 * 8 * x.doc_tokens * 32) / x.median_s / 1e9) < 1e-9);
  }
  assert.ok(r.results.find((x) => x.impl === 'ts')!.doc_tokens <= 400);
  if (native) {
    assert.ok(r.peak_gflops !== null && r.peak_gflops > 0);
    assert.ok(r.goals.some((g) => g.goal.includes('FMA peak')));
  } else {
    assert.equal(r.peak_gflops, null);
  }
});
