import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FlatStore } from '../../../src/stores/file/flat-store.js';
import { PlaidStore } from '../../../src/stores/file/plaid-store.js';
import { isTartanError } from '../../../src/core/errors.js';
import { clusteredBatch, tempDir } from './helpers.js';

const dim = 16;

for (const [name, create] of [
  ['flat', (dir: string) => FlatStore.create(dir, { dim })],
  ['plaid', (dir: string) => PlaidStore.create(dir, { dim, centroids: 8 })],
] as const) {
  test(`${name}: upsert replaces documents whose id exists and adds the others, in one write`, async (t) => {
    const store = await create(tempDir(t));
    t.after(() => store.close());
    await store.add(
      [
        { id: 'a', text: 'old a' },
        { id: 'b', text: 'old b' },
      ],
      clusteredBatch(2, dim),
    );
    const generation = store.manifest.generation;
    const replaced = await store.upsert(
      [
        { id: 'b', text: 'new b' },
        { id: 'c', text: 'new c' },
      ],
      clusteredBatch(2, dim, { seed: 5 }),
    );
    assert.equal(replaced, 1);
    assert.equal(store.manifest.generation, generation + 2, 'one published manifest (the intermediate one never was)');
    assert.deepEqual(store.documentIds().ids.sort(), ['a', 'b', 'c']);
    assert.deepEqual(
      (await store.get(['a', 'b', 'c'])).map((d) => d.text),
      ['old a', 'new b', 'new c'],
    );
    assert.equal((await store.info()).documents, 3);
    // Without upsert the same id is still refused.
    await assert.rejects(store.add([{ id: 'c' }], clusteredBatch(1, dim, { seed: 6 })), (e) => isTartanError(e, 'E_DUPLICATE_ID'));
  });
}
