import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { loadOnnxRuntime, loadRuntime } from '../../../src/models/runtime/load-ort.js';

test('loadOnnxRuntime imports onnxruntime-node once and returns its API', async () => {
  const first = loadRuntime();
  assert.equal(loadRuntime(), first, 'one import per process');
  const ort = await loadOnnxRuntime();
  assert.equal(ort, (await first).ort);
  assert.equal(typeof ort.InferenceSession.create, 'function');
  assert.equal(new ort.Tensor('float32', new Float32Array(2), [1, 2]).size, 2);
});

test('importing the session module does not load onnxruntime-node; the first loadOnnxRuntime does', () => {
  const fromSource = import.meta.url.endsWith('.ts');
  const session = new URL(`../../../src/models/runtime/onnx-session.${fromSource ? 'ts' : 'js'}`, import.meta.url).href;
  const loader = new URL(`../../../src/models/runtime/load-ort.${fromSource ? 'ts' : 'js'}`, import.meta.url).href;
  const code = `
    import { createRequire } from 'node:module';
    const loaded = () => Object.keys(createRequire(import.meta.url).cache).some((f) => f.includes('onnxruntime-node'));
    await import(${JSON.stringify(session)});
    const before = loaded();
    await (await import(${JSON.stringify(loader)})).loadOnnxRuntime();
    console.log(JSON.stringify({ before, after: loaded() }));`;
  const r = spawnSync(process.execPath, [...(fromSource ? ['--import', 'tsx'] : []), '--input-type=module', '-e', code], {
    encoding: 'utf8',
    cwd: fileURLToPath(new URL('.', import.meta.url)),
  });
  assert.equal(r.status, 0, r.stderr);
  assert.deepEqual(JSON.parse(r.stdout.trim()), { before: false, after: true });
});
