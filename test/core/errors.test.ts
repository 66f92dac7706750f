import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ErrorCodes, TartanError, isTartanError } from '../../src/core/errors.js';

test('error codes are unique and prefixed', () => {
  const values = Object.values(ErrorCodes);
  assert.equal(new Set(values).size, values.length);
  for (const v of values) assert.match(v, /^E_[A-Z0-9_]+$/);
});

test('TartanError carries its code and serialises it', () => {
  const e = new TartanError(ErrorCodes.EMPTY_TEXT, 'text 0 is empty: pass non-empty strings', { details: { index: 0 } });
  assert.equal(isTartanError(e, ErrorCodes.EMPTY_TEXT), true);
  assert.equal(isTartanError(e, ErrorCodes.NOT_A_STRING), false);
  assert.deepEqual(e.toJSON(), { code: 'E_EMPTY_TEXT', message: 'text 0 is empty: pass non-empty strings', details: { index: 0 } });
});
