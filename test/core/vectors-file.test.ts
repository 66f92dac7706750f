import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { writeFileSync } from 'node:fs';
import { loadVectors, saveVectors } from '../../src/core/vectors-file.js';
import { isTartanError } from '../../src/core/errors.js';
import { clusteredBatch, tempDir } from '../stores/file/helpers.js';

test('vectors file: documents and queries round-trip bit for bit', (t) => {
  const dir = tempDir(t);
  const docs = clusteredBatch(7, 96, { seed: 1 });
  const queries = clusteredBatch(3, 96, { seed: 2, minRows: 32, maxRows: 32 });
  const path = join(dir, 'v.vec');
  saveVectors(path, {
    model: 'm',
    dim: 96,
    docIds: ['a', 'b', 'c', 'd', 'e', 'f', 'g'],
    docs,
    queryIds: ['q1', 'q2', 'q3'],
    queries,
    encodeSeconds: { docs: 1.5, queries: 0.1 },
  });
  const back = loadVectors(path);
  assert.deepEqual(back.docIds, ['a', 'b', 'c', 'd', 'e', 'f', 'g']);
  assert.deepEqual(back.queryIds, ['q1', 'q2', 'q3']);
  assert.deepEqual(Array.from(back.docs.offsets), Array.from(docs.offsets));
  assert.deepEqual(back.docs.data, docs.data);
  assert.deepEqual(back.queries.data, queries.data);
  assert.deepEqual(back.encodeSeconds, { docs: 1.5, queries: 0.1 });
  writeFileSync(join(dir, 'bad.vec'), 'hello world, not vectors');
  assert.throws(
    () => loadVectors(join(dir, 'bad.vec')),
    (e) => isTartanError(e, 'E_INPUT_FORMAT'),
  );
});
