import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DenseIndex } from '../../src/retrieval/dense-index.js';
import { isTartanError } from '../../src/core/errors.js';

function vec(...v: number[]): Float32Array {
  return Float32Array.from(v);
}

test('dense search ranks by dot product and respects candidates', () => {
  const idx = new DenseIndex(2, 1);
  idx.add('a', vec(1, 0));
  idx.add('b', vec(0, 1));
  idx.add('c', vec(0.6, 0.8));
  const hits = idx.search(vec(0, 1), 3);
  assert.deepEqual(
    hits.map((h) => h.id),
    ['b', 'c', 'a'],
  );
  assert.ok(Math.abs(hits[1].score - 0.8) < 1e-6);
  assert.deepEqual(
    idx.search(vec(0, 1), 5, ['a', 'c', 'zz']).map((h) => h.id),
    ['c', 'a'],
  );
});

test('delete moves the last row and keeps search exact', () => {
  const idx = new DenseIndex(2);
  idx.add('a', vec(1, 0));
  idx.add('b', vec(0, 1));
  idx.add('c', vec(-1, 0));
  assert.equal(idx.delete('a'), true);
  assert.equal(idx.delete('a'), false);
  assert.equal(idx.size, 2);
  assert.deepEqual(idx.search(vec(-1, 0), 2), [
    { id: 'c', score: 1 },
    { id: 'b', score: 0 },
  ]);
});

test('save/load round trip and corruption detection', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tartan-dense-'));
  try {
    const idx = new DenseIndex(3);
    for (let i = 0; i < 50; i++) idx.add(`d${i}`, vec(Math.sin(i), Math.cos(i), i / 50));
    idx.save(dir);
    const again = DenseIndex.load(dir);
    const q = vec(0.3, -0.2, 0.9);
    assert.deepEqual(again.search(q, 10), idx.search(q, 10));
    const file = join(dir, 'dense.bin');
    writeFileSync(file, readFileSync(file).subarray(0, 100));
    assert.throws(
      () => DenseIndex.load(dir),
      (e) => isTartanError(e, 'E_INDEX_CORRUPT'),
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('wrong dimension and non-finite values are refused', () => {
  const idx = new DenseIndex(2);
  assert.throws(
    () => idx.add('x', vec(1, 2, 3)),
    (e) => isTartanError(e, 'E_DIMENSION_MISMATCH'),
  );
  assert.throws(
    () => idx.add('x', vec(1, NaN)),
    (e) => isTartanError(e, 'E_NON_FINITE_VALUE'),
  );
  assert.throws(
    () => idx.search(vec(1), 1),
    (e) => isTartanError(e, 'E_DIMENSION_MISMATCH'),
  );
});
