import assert from 'node:assert/strict';
import { mkdtemp, rm, stat, truncate, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ensureSyntheticModel } from '../../../src/models/synthetic/index.js';
import { SHARED, sharedSuite } from '../../shared-fixtures.js';

const { test } = sharedSuite(SHARED.tokenizer);

test('ensureSyntheticModel reuses an intact folder built with the same options and rebuilds otherwise', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'tartan-synthetic-ensure-'));
  try {
    const opts = { arch: 'tiny', kind: 'colbert', dim: 16, seed: 3 } as const;
    const first = await ensureSyntheticModel(dir, opts);
    assert.equal(first.reused, false);
    const built = await stat(join(dir, 'model.onnx'));

    const second = await ensureSyntheticModel(dir, opts);
    assert.equal(second.reused, true);
    assert.equal((await stat(join(dir, 'model.onnx'))).mtimeMs, built.mtimeMs, 'model.onnx was not rewritten');
    assert.deepEqual({ ...second, reused: false }, first, 'the reused description equals the built one');

    const reseeded = await ensureSyntheticModel(dir, { ...opts, seed: 4 });
    assert.equal(reseeded.reused, false);
    assert.equal(JSON.parse(await readFile(join(dir, 'tartan-synthetic.json'), 'utf8')).seed, 4);

    await truncate(join(dir, 'model.onnx'), 1000);
    const repaired = await ensureSyntheticModel(dir, { ...opts, seed: 4 });
    assert.equal(repaired.reused, false, 'a truncated model.onnx is rebuilt');
    assert.equal((await stat(join(dir, 'model.onnx'))).size, reseeded.files.find((f) => f.path === 'model.onnx')?.bytes);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
