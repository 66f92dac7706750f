import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BaseRetriever } from '@llamaindex/core/retriever';
import { MetadataMode, TextNode } from '@llamaindex/core/schema';
import { ErrorCodes, isTartanError } from '../../../src/core/errors.js';
import type { Collection } from '../../../src/retrieval/collection.js';
import type { Index } from '../../../src/retrieval/index-facade.js';
import { TartanLlamaRetriever } from '../../../src/integrations/llamaindex/index.js';
import { CORPUS, textOf, useCorpus } from '../shared/corpus.js';

let index: Index;
let collection: Collection;
useCorpus((opened) => ({ index, collection } = opened));

test('TartanLlamaRetriever returns TextNodes (id_ = document id) scored in ColBERT order', async () => {
  const retriever = new TartanLlamaRetriever({ index, k: 4 });
  assert.ok(retriever instanceof BaseRetriever);
  const nodes = await retriever.retrieve('what lowers blood pressure');
  assert.deepEqual(
    nodes.map((n) => n.node.id_),
    ['walk', 'salt', 'donor', 'tests'],
  );
  const hits = await index.search('what lowers blood pressure', { k: 4 });
  nodes.forEach((n, i) => {
    assert.ok(n.node instanceof TextNode);
    assert.equal(n.score, hits[i].score);
    assert.equal(n.node.getContent(MetadataMode.NONE), textOf(hits[i].id));
    assert.deepEqual(n.node.metadata, CORPUS.find((c) => c.id === hits[i].id)!.metadata);
  });
  // A query bundle works as a string does.
  const bundled = await retriever.retrieve({ query: 'what lowers blood pressure' });
  assert.deepEqual(
    bundled.map((n) => n.node.id_),
    nodes.map((n) => n.node.id_),
  );
});

test('filter, pipeline and explain reach tartan; explanations stay out of the LLM text', async () => {
  const heart = await new TartanLlamaRetriever({ index, k: 10, filter: { topic: 'heart' } }).retrieve('blood adults');
  assert.deepEqual(heart.map((n) => n.node.id_).sort(), ['salt', 'walk']);

  const bm25 = await new TartanLlamaRetriever({ index: collection, pipeline: 'bm25', k: 4 }).retrieve('blood adults');
  const expected = (await collection.search('blood adults', { pipeline: 'bm25', k: 4 })).hits;
  assert.deepEqual(
    bm25.map((n) => n.node.id_),
    expected.map((h) => h.id),
  );
  assert.deepEqual(
    bm25.map((n) => (n.node as TextNode).text),
    expected.map((h) => textOf(h.id)),
  );

  const [explained] = await new TartanLlamaRetriever({ index, k: 1, explain: true }).retrieve('what lowers blood pressure');
  const e = explained.node.metadata.explanation;
  assert.ok(Math.abs(e.raw - explained.score!) < 1e-4);
  const llmText = explained.node.getContent(MetadataMode.LLM);
  assert.ok(llmText.includes('topic: heart') && !llmText.includes('explanation'), llmText);

  assert.throws(
    () => new TartanLlamaRetriever({ index, pipeline: 'bm25' }),
    (err: unknown) => isTartanError(err, ErrorCodes.INVALID_ARGUMENT),
  );
});
