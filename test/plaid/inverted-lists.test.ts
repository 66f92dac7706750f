import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildInvertedLists, InvertedLists } from '../../src/plaid/inverted-lists.js';

test('inverted lists: each passage once per centroid, sorted, large ids survive varints', () => {
  // passages: 0 -> codes [2,2,0], 1 -> [1], 2 -> [2,1]
  const codes = Uint16Array.from([2, 2, 0, 1, 2, 1]);
  const offsets = Uint32Array.from([0, 3, 4, 6]);
  const lists = new InvertedLists(buildInvertedLists(codes, offsets, 3, 4), 4);
  assert.deepEqual(lists.list(0), [0]);
  assert.deepEqual(lists.list(1), [1, 2]);
  assert.deepEqual(lists.list(2), [0, 2]);
  assert.deepEqual(lists.list(3), []);
  const n = 70_000;
  const many = new Uint32Array(n); // every passage has one token of centroid 0
  const off = Uint32Array.from({ length: n + 1 }, (_, i) => i);
  const big = new InvertedLists(buildInvertedLists(many, off, n, 1), 1);
  const got = big.list(0);
  assert.equal(got.length, n);
  assert.equal(got[n - 1], n - 1);
});
