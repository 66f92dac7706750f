import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isTartanError } from '../../src/core/errors.js';
import { MAX_K, checkK, kFromText } from '../../src/core/result-count.js';

test('checkK accepts integers from 1 to MAX_K and refuses everything else with one message', () => {
  assert.equal(MAX_K, 10_000);
  for (const k of [1, 10, 100, MAX_K]) assert.equal(checkK(k), k);
  const cases: Array<[unknown, string]> = [
    [0, '0'],
    [-3, '-3'],
    [2.5, '2.5'],
    [MAX_K + 1, '10001'],
    [Number.NaN, 'NaN'],
    ['5', '"5"'],
    [null, 'null'],
  ];
  for (const [k, shown] of cases) {
    assert.throws(
      () => checkK(k),
      (e: unknown) => isTartanError(e, 'E_INVALID_ARGUMENT') && e.message === `k must be an integer from 1 to 10000, got ${shown}`,
      String(k),
    );
  }
});

test('checkK names the k it checks and a lower limit never exceeds MAX_K', () => {
  assert.throws(() => checkK(0, 'the k of stage "bm25:0"'), { message: 'the k of stage "bm25:0" must be an integer from 1 to 10000, got 0' });
  assert.throws(() => checkK(20, 'k', 10), /k must be an integer from 1 to 10, got 20/);
  assert.throws(() => checkK(MAX_K + 1, 'k', 1e9), /from 1 to 10000/);
});

test('kFromText reads what a command line typed: numbers as numbers, other text as it was', () => {
  assert.equal(kFromText('100'), 100);
  assert.equal(kFromText('2.5'), 2.5);
  assert.equal(kFromText('-3'), -3);
  assert.equal(kFromText('1e3'), 1000);
  assert.equal(kFromText('abc'), 'abc');
  assert.equal(kFromText(''), '');
  assert.equal(kFromText('0x10'), '0x10');
});
