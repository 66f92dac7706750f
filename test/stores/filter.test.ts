import { test } from 'node:test';
import assert from 'node:assert/strict';
import { matchesFilter, validateFilter } from '../../src/stores/filter.js';
import { isTartanError } from '../../src/core/errors.js';

test('filter: equality, $in, ranges, missing fields', () => {
  const m = { lang: 'en', year: 2004, open: true };
  assert.equal(matchesFilter(m, { lang: 'en' }), true);
  assert.equal(matchesFilter(m, { lang: 'de' }), false);
  assert.equal(matchesFilter(m, { lang: { $in: ['de', 'en'] } }), true);
  assert.equal(matchesFilter(m, { lang: { $in: ['de'] } }), false);
  assert.equal(matchesFilter(m, { year: { $gte: 2004, $lt: 2010 } }), true);
  assert.equal(matchesFilter(m, { year: { $gt: 2004 } }), false);
  assert.equal(matchesFilter(m, { year: { $lte: '2010' } }), false, 'a string bound does not match a number');
  assert.equal(matchesFilter(m, { open: true, lang: 'en' }), true);
  assert.equal(matchesFilter(m, { missing: 'x' }), false);
  assert.equal(matchesFilter(undefined, { lang: 'en' }), false);
});

test('filter: malformed filters are refused with INVALID_FILTER', () => {
  for (const bad of [[], 'x', { a: [1] }, { a: { $foo: 1 } }, { a: { $in: 1 } }, { a: {} }, { a: { $gt: true } }]) {
    assert.throws(
      () => validateFilter(bad),
      (e) => isTartanError(e, 'E_INVALID_FILTER'),
      JSON.stringify(bad),
    );
  }
  validateFilter({ a: 1, b: { $in: [1, 'x'] }, c: { $gte: 1 } });
});
