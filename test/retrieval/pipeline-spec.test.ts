import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isTartanError } from '../../src/core/errors.js';
import { parsePipeline } from '../../src/retrieval/pipeline-spec.js';

test('a stage k follows the rule of every k (1 to 10000) and the message names the stage', () => {
  assert.deepEqual(parsePipeline('bm25:10000>colbert:1').first, [{ name: 'bm25', k: 10_000 }]);
  for (const [spec, stage, got] of [
    ['bm25:0>colbert', 'bm25:0', '0'],
    ['bm25:100>colbert:10001', 'colbert:10001', '10001'],
    ['bm25+colbert:100000', 'colbert:100000', '100000'],
  ]) {
    assert.throws(
      () => parsePipeline(spec),
      (e: unknown) =>
        isTartanError(e, 'E_INVALID_ARGUMENT') &&
        e.message === `the k of stage "${stage}" in pipeline "${spec}" must be an integer from 1 to 10000, got ${got}`,
      spec,
    );
  }
});
