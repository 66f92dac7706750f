import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Collection } from '../../src/retrieval/collection.js';
import { Index } from '../../src/retrieval/index-facade.js';

test('Collection.add with replace updates the side indexes too: BM25 finds the new text, not the old', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'tartan-collection-replace-'));
  try {
    const index = await Index.create(join(dir, 'idx'), { model: 'lexical' });
    const c = await Collection.attach(index);
    await c.add([
      { id: 'a', text: 'aspirin lowers fever' },
      { id: 'b', text: 'exercise lowers blood pressure' },
    ]);
    await c.add([{ id: 'a', text: 'salt raises blood pressure' }], { replace: true });
    const bm25 = await c.search('aspirin fever', { pipeline: 'bm25', k: 5 });
    assert.deepEqual(
      bm25.hits.map((h) => h.id),
      [],
      'the old text of a is gone from BM25',
    );
    const salt = await c.search('salt', { pipeline: 'bm25', k: 5 });
    assert.deepEqual(
      salt.hits.map((h) => h.id),
      ['a'],
    );
    await c.close();
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
