import { test } from 'node:test';
import assert from 'node:assert/strict';
import { seededRandom } from '../../src/core/random.js';
import { dotScan } from '../../src/scoring/dot-scan.js';

test('dotScan equals a plain double loop, for dims with and without a tail and for a row subset', () => {
  const rand = seededRandom(3);
  for (const dim of [1, 3, 4, 7, 64, 130]) {
    const n = 17;
    const data = Float32Array.from({ length: n * dim }, () => rand() * 2 - 1);
    const query = Float32Array.from({ length: dim }, () => rand() * 2 - 1);
    const expected = (row: number) => {
      let s = 0;
      for (let j = 0; j < dim; j++) s += query[j] * data[row * dim + j];
      return s;
    };
    const all = dotScan(data, dim, query, new Float32Array(n));
    for (let i = 0; i < n; i++) assert.ok(Math.abs(all[i] - expected(i)) < 1e-5, `dim ${dim} row ${i}: ${all[i]} vs ${expected(i)}`);
    const rows = [16, 0, 5];
    const some = dotScan(data, dim, query, new Float32Array(rows.length), rows);
    rows.forEach((r, i) => assert.ok(Math.abs(some[i] - expected(r)) < 1e-5));
  }
});
