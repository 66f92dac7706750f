import assert from 'node:assert/strict';
import { existsSync, readdirSync } from 'node:fs';
import { mkdtemp, rm, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { int8CacheDir, int8Graph } from '../../../src/models/runtime/int8-cache.js';
import { makeSyntheticModel } from '../../../src/models/synthetic/index.js';
import { GraphBuilder, modelProto, TensorType } from '../../../src/models/runtime/onnx-graph.js';
import { SHARED, sharedSuite } from '../../shared-fixtures.js';

const { test, before, after } = sharedSuite(SHARED.tokenizer);

let root = '';
before(async () => {
  root = await mkdtemp(join(tmpdir(), 'tartan-i8c-'));
  await makeSyntheticModel(join(root, 'm'), { arch: 'tiny', kind: 'colbert', dim: 16, seed: 2 });
});
after(async () => {
  await rm(root, { recursive: true, force: true });
});

test('the cache folder follows TARTAN_HOME', () => {
  assert.equal(int8CacheDir({ TARTAN_HOME: '/data/t' }), join('/data/t', 'cache', 'int8'));
});

test('a model is quantised once: the second load reads the cached graph; a changed model gets a new entry', async () => {
  const cache = join(root, 'cache1');
  const model = join(root, 'm', 'model.onnx');
  const first = int8Graph(model, {}, cache);
  assert.equal(first.cached, false);
  assert.ok(first.path && existsSync(first.path) && first.bytes === undefined);
  assert.equal(first.report.matmuls, 13);
  const second = int8Graph(model, {}, cache);
  assert.deepEqual({ ...second, cached: true }, { ...first, cached: true });
  assert.equal(second.cached, true);
  // Other settings, or the same file touched, are other entries.
  assert.notEqual(int8Graph(model, { reduceRange: true }, cache).path, first.path);
  await utimes(model, new Date(), new Date(Date.now() + 5000));
  const third = int8Graph(model, {}, cache);
  assert.equal(third.cached, false);
  assert.notEqual(third.path, first.path);
  assert.equal(readdirSync(cache).filter((n) => n.endsWith('.partial')).length, 0);
});

test('an unwritable cache folder falls back to bytes in memory; a graph with nothing to quantise is not cached', async () => {
  const blocker = join(root, 'not-a-dir');
  await writeFile(blocker, 'x');
  const g = int8Graph(join(root, 'm', 'model.onnx'), {}, join(blocker, 'cache'));
  assert.equal(g.path, undefined);
  assert.ok(g.bytes && g.bytes.byteLength > 0);

  const b = new GraphBuilder('noop');
  b.output(b.input('x', TensorType.FLOAT, [2]), TensorType.FLOAT, [2], 'y');
  const path = join(root, 'noop.onnx');
  await writeFile(path, modelProto(b, { opset: 17 }).toBuffer());
  const cache = join(root, 'cache2');
  assert.equal(int8Graph(path, {}, cache).report.matmuls, 0);
  assert.ok(!existsSync(cache) || readdirSync(cache).length === 0);
});
