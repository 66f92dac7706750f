import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compileFilter } from '../../../src/stores/postgres/filter-sql.js';
import { ErrorCodes, isTartanError } from '../../../src/core/errors.js';
import type { MetadataFilter } from '../../../src/stores/types.js';

test('no filter compiles to an empty condition', () => {
  assert.deepEqual(compileFilter(undefined, 4), { sql: '', params: [] });
  assert.deepEqual(compileFilter({}, 4), { sql: '', params: [] });
});

test('values and keys are bind parameters numbered from firstParam, never SQL text', () => {
  const evil = "x'); DROP TABLE users; --";
  const f = compileFilter({ [evil]: evil, year: { $gte: 2000, $lt: 2010 }, lang: { $in: ['en', evil] } }, 6);
  assert.ok(!f.sql.includes('DROP'), f.sql);
  assert.ok(!f.sql.includes('2000') && !f.sql.includes("'en'"), f.sql);
  assert.deepEqual(f.params, [JSON.stringify({ [evil]: evil }), 'year', 2000, 2010, JSON.stringify(['en', evil]), 'lang']);
  const numbers = [...f.sql.matchAll(/\$(\d+)/g)].map((m) => Number(m[1]));
  assert.equal(Math.min(...numbers), 6);
  assert.equal(Math.max(...numbers), 6 + f.params.length - 1);
});

test('an empty $in matches nothing', () => {
  assert.equal(compileFilter({ lang: { $in: [] } }, 1).sql, 'false');
});

test('malformed filters are INVALID_FILTER errors that say what is allowed', () => {
  const bad: unknown[] = [
    { a: { $regex: 'x' } },
    { a: { $in: 'en' } },
    { a: { $in: ['en'], $gt: 1 } },
    { a: {} },
    { a: { $gt: true } },
    { a: [1, 2] },
    { a: Number.NaN },
    { a: { $in: [{}] } },
  ];
  for (const f of bad) {
    assert.throws(
      () => compileFilter(f as MetadataFilter, 1),
      (e) => isTartanError(e, ErrorCodes.INVALID_FILTER) && /Use a value/.test(e.message),
      JSON.stringify(f),
    );
  }
});
