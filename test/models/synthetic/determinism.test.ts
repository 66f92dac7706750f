import assert from 'node:assert/strict';
import { mkdtemp, rm, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createHash } from 'node:crypto';
import { makeSyntheticModel } from '../../../src/models/synthetic/index.js';
import { SHARED, sharedSuite } from '../../shared-fixtures.js';

const { test } = sharedSuite(SHARED.tokenizer);

function sha256(bytes: Buffer): string {
  return createHash('sha256').update(bytes).digest('hex');
}

test('same seed writes a byte-identical model.onnx; another seed changes the weights but not the size', async () => {
  const root = await mkdtemp(join(tmpdir(), 'tartan-synthetic-det-'));
  try {
    const build = async (name: string, seed: number): Promise<Buffer> => {
      await makeSyntheticModel(join(root, name), { arch: 'tiny', kind: 'colbert', dim: 16, seed });
      return readFile(join(root, name, 'model.onnx'));
    };
    const a = await build('a', 11);
    const b = await build('b', 11);
    const c = await build('c', 12);
    assert.equal(sha256(a), sha256(b));
    assert.notEqual(sha256(a), sha256(c));
    // Only weight bytes differ: same length, and most of the file changes (weights dominate it).
    assert.equal(a.length, c.length);
    let differing = 0;
    for (let i = 0; i < a.length; i++) if (a[i] !== c[i]) differing++;
    assert.ok(differing > a.length / 2, `${differing} of ${a.length} bytes differ`);
  } finally {
    await rm(root, { recursive: true, force: true });
  }
});
