import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Document } from '@langchain/core/documents';
import { BaseDocumentCompressor } from '@langchain/core/retrievers/document_compressors';
import { ErrorCodes, isTartanError } from '../../../src/core/errors.js';
import type { Index } from '../../../src/retrieval/index-facade.js';
import { LexicalColbert } from '../../../src/lexical/lexical-colbert.js';
import { TartanReranker } from '../../../src/integrations/langchain/index.js';
import { CORPUS, textOf, useCorpus } from '../shared/corpus.js';

let index: Index;
useCorpus((opened) => ({ index } = opened));

const QUERY = 'what lowers blood pressure';
const asDocument = (id: string) => new Document({ id, pageContent: textOf(id), metadata: { source: `doc-${id}` } });

test('the ColBERT reranker reorders documents as MaxSim over the index ranks them, scores in relevanceScore', async () => {
  const reranker = new TartanReranker({ model: 'lexical' });
  assert.ok(reranker instanceof BaseDocumentCompressor);
  // Worst first: the reranker has to reverse it.
  const given = ['tests', 'donor', 'salt', 'walk'].map(asDocument);
  const out = await reranker.compressDocuments(given, QUERY);
  assert.deepEqual(
    out.map((d) => d.id),
    ['walk', 'salt', 'donor', 'tests'],
  );
  // The index's exact MaxSim over the same candidates (its vectors stored in float16).
  const hits = await index.search(QUERY, { k: 4, candidates: given.map((d) => d.id!) });
  assert.deepEqual(
    out.map((d) => d.id),
    hits.map((h) => h.id),
  );
  out.forEach((d, i) => {
    assert.ok(Math.abs(d.metadata.relevanceScore - hits[i].score) < 2e-3, `${d.id}: ${d.metadata.relevanceScore} vs ${hits[i].score}`);
    assert.equal(d.metadata.source, `doc-${d.id}`, 'the document metadata is kept');
    assert.equal(d.pageContent, textOf(d.id!));
  });
  assert.equal((given[0].metadata as Record<string, unknown>).relevanceScore, undefined, 'the input documents are not modified');
  await reranker.close();
});

test('topN keeps the best n; an encoder instance is used as given and not disposed', async () => {
  const encoder = new LexicalColbert();
  let disposed = false;
  encoder.dispose = async () => {
    disposed = true;
  };
  const reranker = new TartanReranker({ model: encoder, topN: 2 });
  const out = await reranker.compressDocuments(
    CORPUS.map((d) => asDocument(d.id)),
    QUERY,
  );
  assert.deepEqual(
    out.map((d) => d.id),
    ['walk', 'salt'],
  );
  await reranker.close();
  assert.equal(disposed, false);
  assert.deepEqual(await reranker.compressDocuments([], QUERY), []);
});

test('bad reranker input is refused with a code', async () => {
  const refused = (e: unknown, code: string) => isTartanError(e) && e.code === code;
  assert.throws(
    () => new TartanReranker({ topN: 0 }),
    (e) => refused(e, ErrorCodes.INVALID_ARGUMENT),
  );
  assert.throws(
    () => new TartanReranker({ model: 42 as unknown as string }),
    (e) => refused(e, ErrorCodes.INVALID_ARGUMENT),
  );
  await assert.rejects(new TartanReranker().compressDocuments([asDocument('salt')], '  '), (e) => refused(e, ErrorCodes.EMPTY_TEXT));
  await assert.rejects(new TartanReranker({ model: 'lexical', kind: 'cross-encoder' }).compressDocuments([asDocument('salt')], 'salt'), (e) =>
    refused(e, ErrorCodes.UNSUPPORTED_MODEL),
  );
});
