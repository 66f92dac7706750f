/** Time bounds and API-key comparison, tested directly. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { withDeadline } from '../../src/server/deadline.js';
import { keyMatches } from '../../src/server/auth.js';
import { isTartanError } from '../../src/core/errors.js';
import { parseIndexArg } from '../../src/server/index-registry.js';

test('withDeadline passes fast work through and turns slow work into E_TIMEOUT', async () => {
  assert.equal(
    await withDeadline(
      sleep(5).then(() => 42),
      1000,
      'fast',
    ),
    42,
  );
  await assert.rejects(
    withDeadline(sleep(500), 20, 'search'),
    (e: unknown) => isTartanError(e, 'E_TIMEOUT') && /search took longer than 20 ms/.test(e.message),
  );
});

test('keyMatches accepts only the exact key, whatever the lengths', () => {
  assert.equal(keyMatches('s3cret', 's3cret'), true);
  assert.equal(keyMatches('s3cret', 's3cre'), false);
  assert.equal(keyMatches('s3cret', 's3cretX'), false);
  assert.equal(keyMatches('s3cret', ''), false);
  assert.equal(keyMatches('s3cret', undefined), false);
});

test('--index arguments: name=location, derived names, postgres URLs', () => {
  assert.deepEqual(parseIndexArg('sci=./data/scifact'), { name: 'sci', location: './data/scifact' });
  assert.deepEqual(parseIndexArg('/tmp/My Index.v2'), { name: 'my-index-v2', location: '/tmp/My Index.v2' });
  assert.deepEqual(parseIndexArg('postgres://u@h/db?table=docs'), { name: 'docs', location: 'postgres://u@h/db?table=docs' });
  assert.throws(
    () => parseIndexArg('../x=/tmp/a'),
    (e: unknown) => isTartanError(e, 'E_INVALID_ARGUMENT'),
  );
});
