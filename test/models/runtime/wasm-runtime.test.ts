import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { makeSyntheticModel } from '../../../src/models/synthetic/index.js';
import { OnnxSession, type Precision } from '../../../src/models/runtime/onnx-session.js';
import { loadRuntime, resolveRuntimeChoice } from '../../../src/models/runtime/load-ort.js';
import { isTartanError } from '../../../src/core/errors.js';
import { tartan } from '../../cli/run-cli.js';

const IDS = [101, 2054, 2003, 1996, 3007, 1997, 2605, 102, 101, 7592, 2088, 102, 0, 0, 0, 0];
const MASK = IDS.map((id, i) => (i < 12 ? 1 : 0));

async function runBoth(precision: Precision): Promise<{ native: Float32Array; wasm: Float32Array }> {
  const dir = await mkdtemp(join(tmpdir(), 'tartan-wasm-'));
  try {
    await makeSyntheticModel(dir, { arch: 'tiny', kind: 'colbert', dim: 16, seed: 3 });
    const out: Record<string, Float32Array> = {};
    for (const runtime of ['native', 'wasm'] as const) {
      const s = await OnnxSession.create(join(dir, 'model.onnx'), { runtime, precision, threads: 1 });
      assert.equal(s.runtime.kind, runtime);
      out[runtime] = (await s.run({ ids: IDS, attention: MASK, batch: 2, seqLen: 8 }, ['token_embeddings'])).data;
      await s.release();
    }
    return { native: out.native, wasm: out.wasm };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

function maxAbsDiff(a: Float32Array, b: Float32Array): number {
  assert.equal(a.length, b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

test('the WebAssembly runtime (onnxruntime-web) gives the native runtime’s vectors on the same graph, fp32 and int8', async () => {
  for (const precision of ['fp32', 'int8'] as const) {
    const { native, wasm } = await runBoth(precision);
    assert.ok(native.some((x) => x !== 0));
    assert.ok(maxAbsDiff(native, wasm) < (precision === 'fp32' ? 1e-4 : 5e-2), `${precision}: ${maxAbsDiff(native, wasm)}`);
  }
});

test('the runtime choice: auto loads native here; wasm says which package; a bad TARTAN_RUNTIME is a coded error', async () => {
  assert.equal(resolveRuntimeChoice(undefined, {}), 'auto');
  assert.equal(resolveRuntimeChoice(undefined, { TARTAN_RUNTIME: 'wasm' }), 'wasm');
  assert.throws(
    () => resolveRuntimeChoice(undefined, { TARTAN_RUNTIME: 'gpu' }),
    (e: unknown) => isTartanError(e) && e.code === 'E_INVALID_ARGUMENT' && /TARTAN_RUNTIME/.test(e.message),
  );
  assert.equal((await loadRuntime('auto')).info.kind, 'native');
  const wasm = (await loadRuntime('wasm')).info;
  assert.deepEqual([wasm.kind, wasm.package], ['wasm', 'onnxruntime-web']);
});

test('doctor says which ONNX runtime models run on', async () => {
  const wasm = await tartan(['doctor', '--json'], { env: { TARTAN_RUNTIME: 'wasm' } });
  assert.equal(wasm.status, 0, wasm.stderr);
  assert.match(String((JSON.parse(wasm.stdout) as Record<string, unknown>).runtime), /^wasm \(onnxruntime-web 1\.\d+\.\d+, WebAssembly/);
  const native = await tartan(['doctor', '--json']);
  assert.match(String((JSON.parse(native.stdout) as Record<string, unknown>).runtime), /^native \(onnxruntime-node 1\.\d+\.\d+\)$/);
});
