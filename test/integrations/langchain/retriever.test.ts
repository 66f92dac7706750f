import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Document } from '@langchain/core/documents';
import { BaseRetriever } from '@langchain/core/retrievers';
import { ErrorCodes, isTartanError } from '../../../src/core/errors.js';
import type { Collection } from '../../../src/retrieval/collection.js';
import type { Index } from '../../../src/retrieval/index-facade.js';
import { TartanRetriever } from '../../../src/integrations/langchain/index.js';
import { CORPUS, textOf, useCorpus } from '../shared/corpus.js';

let index: Index;
let collection: Collection;
useCorpus((opened) => ({ index, collection } = opened));

test('TartanRetriever over an Index returns Documents in ColBERT order with text, metadata, id and score', async () => {
  const retriever = new TartanRetriever({ index, k: 4 });
  assert.ok(retriever instanceof BaseRetriever);
  const docs = await retriever.invoke('what lowers blood pressure');
  // walk matches "lowers", "blood" and "pressure"; salt two of them; donor and tests only "blood".
  assert.deepEqual(
    docs.map((d) => d.id),
    ['walk', 'salt', 'donor', 'tests'],
  );
  const hits = await index.search('what lowers blood pressure', { k: 4 });
  docs.forEach((d, i) => {
    assert.ok(d instanceof Document);
    assert.equal(d.pageContent, textOf(hits[i].id));
    const source = CORPUS.find((c) => c.id === hits[i].id)!;
    assert.deepEqual(d.metadata, { ...source.metadata, id: hits[i].id, score: hits[i].score });
  });
  assert.ok(docs[0].metadata.score > docs[1].metadata.score);
});

test('k defaults to 4 and the filter reaches the index', async () => {
  assert.equal((await new TartanRetriever({ index }).invoke('adults')).length, 4);
  const docs = await new TartanRetriever({ index, k: 10, filter: { topic: 'heart' } }).invoke('blood adults');
  assert.deepEqual(docs.map((d) => d.id).sort(), ['salt', 'walk']);
  const expected = await index.search('blood adults', { k: 10, filter: { topic: 'heart' } });
  assert.deepEqual(
    docs.map((d) => d.metadata.score),
    expected.map((h) => h.score),
  );
});

test('explain attaches the token-level explanation whose total is the score', async () => {
  const [doc] = await new TartanRetriever({ index, k: 1, explain: true }).invoke('what lowers blood pressure');
  const e = doc.metadata.explanation!;
  assert.ok(e, 'an explanation is attached');
  assert.ok(Math.abs(e.raw - doc.metadata.score) < 1e-4, `${e.raw} vs ${doc.metadata.score}`);
  assert.ok(e.matches.some((m) => m.queryToken === 'blood' && m.docToken === 'blood'));
  const plain = await new TartanRetriever({ index, k: 1 }).invoke('what lowers blood pressure');
  assert.equal(plain[0].metadata.explanation, undefined);
});

test('over a Collection the retriever runs a pipeline; a BM25 stage gets its texts and metadata from the index', async () => {
  const docs = await new TartanRetriever({ index: collection, pipeline: 'bm25', k: 4 }).invoke('blood adults');
  const expected = (await collection.search('blood adults', { pipeline: 'bm25', k: 4 })).hits;
  // BM25 rewards the repeated "blood" of `tests`.
  assert.deepEqual(
    docs.map((d) => d.id),
    ['tests', 'walk', 'donor', 'salt'],
  );
  assert.deepEqual(
    docs.map((d) => d.id),
    expected.map((h) => h.id),
  );
  for (const [i, d] of docs.entries()) {
    assert.equal(d.pageContent, textOf(d.id!));
    assert.equal(d.metadata.score, expected[i].score);
    assert.equal(d.metadata.topic, CORPUS.find((c) => c.id === d.id)!.metadata!.topic);
  }
  const colbert = await new TartanRetriever({ index: collection, pipeline: 'bm25>colbert', k: 4 }).invoke('blood adults');
  assert.deepEqual(
    colbert.map((d) => d.id),
    (await collection.search('blood adults', { pipeline: 'bm25>colbert', k: 4 })).hits.map((h) => h.id),
  );
  assert.notEqual(colbert[0].id, 'tests');
});

test('bad targets and options are refused when the retriever is made', () => {
  const refused = (fn: () => unknown, pattern: RegExp) =>
    assert.throws(fn, (e: unknown) => isTartanError(e, ErrorCodes.INVALID_ARGUMENT) && pattern.test(e.message));
  refused(() => new TartanRetriever({ index, pipeline: 'bm25' }), /needs a Collection.*Collection\.attach/);
  refused(() => new TartanRetriever({ index: {} as Index }), /Index or Collection/);
  refused(() => new TartanRetriever({ index, k: 0 }), /k must be an integer/);
  refused(() => new TartanRetriever({ index, explain: 'yes' as unknown as boolean }), /explain must be/);
});
