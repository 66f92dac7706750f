import { test } from 'node:test';
import assert from 'node:assert/strict';
import { poolTokens } from '../../src/plaid/token-pooling.js';
import { chunkRanges, chunkMatrix } from '../../src/plaid/chunking.js';
import { isTartanError } from '../../src/core/errors.js';

test('pooling: merges near-duplicate tokens first and keeps unit norms', () => {
  const dim = 3;
  // Two tight pairs and one loner: pool factor 2 on 5 rows -> 3 clusters.
  const rows = [
    [1, 0, 0],
    [0.99, 0.141, 0],
    [0, 1, 0],
    [0.141, 0.99, 0],
    [0, 0, 1],
  ];
  const m = { data: Float32Array.from(rows.flat()), rows: 5, dim };
  const p = poolTokens(m, 2);
  assert.equal(p.rows, 3);
  const vecs = Array.from({ length: 3 }, (_, i) => Array.from(p.data.subarray(i * dim, i * dim + dim)));
  for (const v of vecs) assert.ok(Math.abs(Math.hypot(...v) - 1) < 1e-5);
  assert.ok(
    vecs.some((v) => v[2] > 0.999),
    'the loner survives alone',
  );
  assert.ok(
    vecs.some((v) => v[0] > 0.99 && v[1] > 0.05),
    'the x pair merged',
  );
});

test('pooling: factor 1 is the identity, factor 4 quarters the rows', () => {
  const dim = 8,
    n = 40;
  const data = new Float32Array(n * dim).map((_, i) => Math.sin(i * 1.7));
  const m = { data, rows: n, dim };
  assert.equal(poolTokens(m, 1), m);
  assert.equal(poolTokens(m, 4).rows, 10);
});

test('chunking: windows overlap and cover every row', () => {
  assert.deepEqual(chunkRanges(10, 0, 0), [[0, 10]]);
  assert.deepEqual(chunkRanges(10, 16, 4), [[0, 10]]);
  assert.deepEqual(chunkRanges(10, 4, 1), [
    [0, 4],
    [3, 7],
    [6, 10],
  ]);
  assert.throws(
    () => chunkRanges(10, 4, 4),
    (e) => isTartanError(e, 'E_INVALID_ARGUMENT'),
  );
  const m = { data: Float32Array.from({ length: 20 }, (_, i) => i), rows: 10, dim: 2 };
  const parts = chunkMatrix(m, 4, 1);
  assert.equal(parts.length, 3);
  assert.deepEqual(Array.from(parts[1].data), [6, 7, 8, 9, 10, 11, 12, 13]);
});
