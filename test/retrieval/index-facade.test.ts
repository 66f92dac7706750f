import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Index } from '../../src/retrieval/index-facade.js';
import { indexCollection, searchCollection } from '../../src/retrieval/named-collections.js';
import { isTartanError } from '../../src/core/errors.js';
import { tempDir } from '../stores/file/helpers.js';

const texts = [
  'Aspirin reduces fever and relieves pain.',
  'Green tea contains caffeine.',
  'The immune system fights viruses after vaccination.',
  'Rivers flow into the sea.',
];

test('Index: create with a model, add texts, search, reopen with the recorded model, flat mode', async (t) => {
  for (const mode of ['plaid', 'flat'] as const) {
    const dir = tempDir(t);
    const index = await Index.create(dir, { model: 'lexical', mode });
    await index.add(texts.map((text, i) => ({ id: `t${i}`, text, metadata: { n: i } })));
    const hits = await index.search('vaccination against viruses', { k: 2 });
    assert.equal(hits[0].id, 't2', mode);
    await index.close();
    const reopened = await Index.open(dir);
    assert.equal(reopened.encoder.modelId, 'lexical');
    assert.equal((await reopened.search('caffeine in tea', { k: 1 }))[0].id, 't1');
    assert.equal((await reopened.search('caffeine in tea', { k: 4, filter: { n: { $in: [0, 3] } } })).length, 2);
    await reopened.close();
  }
});

test('Index: empty texts and queries are refused', async (t) => {
  const index = await Index.create(tempDir(t), { model: 'lexical' });
  await assert.rejects(index.add([{ id: 'x', text: '  ' }]), (e) => isTartanError(e, 'E_EMPTY_TEXT'));
  await assert.rejects(index.search(''), (e) => isTartanError(e, 'E_EMPTY_TEXT'));
  await index.close();
});

test('collections: index by name, then search by name', async (t) => {
  const home = tempDir(t);
  const previous = process.env.TARTAN_HOME;
  process.env.TARTAN_HOME = home;
  try {
    await indexCollection('demo', texts, { model: 'lexical' });
    const hits = await searchCollection('demo', 'what lowers a fever', { k: 1 });
    assert.equal(hits[0].id, '0');
    assert.equal(hits[0].text, texts[0]);
    await assert.rejects(indexCollection('demo', texts, { model: 'lexical' }), (e) => isTartanError(e, 'E_INDEX_EXISTS'));
    await indexCollection('demo', texts.slice(1), { model: 'lexical', overwrite: true });
    assert.equal((await searchCollection('demo', 'tea with caffeine', { k: 1 }))[0].id, '0', 'ids restart in the rebuilt collection');
    await assert.rejects(indexCollection('../x', texts), (e) => isTartanError(e, 'E_INVALID_ARGUMENT'));
  } finally {
    if (previous === undefined) delete process.env.TARTAN_HOME;
    else process.env.TARTAN_HOME = previous;
  }
});
