import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { DocumentInterface } from '@langchain/core/documents';
import { StringOutputParser } from '@langchain/core/output_parsers';
import { PromptTemplate } from '@langchain/core/prompts';
import { RunnableLambda, RunnablePassthrough, RunnableSequence } from '@langchain/core/runnables';
import { FakeLLM } from '@langchain/core/utils/testing';
import type { Collection } from '../../../src/retrieval/collection.js';
import { TartanReranker, TartanRetriever } from '../../../src/integrations/langchain/index.js';
import { textOf, useCorpus } from '../shared/corpus.js';

let collection: Collection;
useCorpus((opened) => ({ collection } = opened));

const QUERY = 'what lowers blood pressure';
const formatDocs = (docs: DocumentInterface[]) => docs.map((d) => `[${d.id}] ${d.pageContent}`).join('\n');
const prompt = PromptTemplate.fromTemplate('Answer from the context.\nContext:\n{context}\nQuestion: {question}\nAnswer:');
const expectedPrompt = (ids: string[]) =>
  `Answer from the context.\nContext:\n${ids.map((id) => `[${id}] ${textOf(id)}`).join('\n')}\nQuestion: ${QUERY}\nAnswer:`;

/** A real chain: context (retriever, optionally reranked) + question -> prompt -> a fake LLM that echoes its prompt -> string. */
function ragChain(context: RunnableSequence<string, DocumentInterface[]> | TartanRetriever, prompts: string[]) {
  // FakeLLM answers with the prompt it was given; the callback records that prompt as LangChain passed it.
  const llm = new FakeLLM({ callbacks: [{ handleLLMStart: (_llm, p) => void prompts.push(...p) }] });
  return RunnableSequence.from([{ context: context.pipe(formatDocs), question: new RunnablePassthrough<string>() }, prompt, llm, new StringOutputParser()]);
}

test('a retrieval chain with TartanRetriever puts the BM25 pipeline documents into the prompt, in order', async () => {
  const prompts: string[] = [];
  const retriever = new TartanRetriever({ index: collection, pipeline: 'bm25', k: 4 });
  const answer = await ragChain(retriever, prompts).invoke(QUERY);
  const bm25 = (await collection.search(QUERY, { pipeline: 'bm25', k: 4 })).hits.map((h) => h.id);
  // BM25 ranks `tests` ("blood" three times) above `donor`.
  assert.deepEqual(bm25, ['walk', 'salt', 'tests', 'donor']);
  assert.deepEqual(prompts, [expectedPrompt(bm25)]);
  assert.equal(answer, expectedPrompt(bm25));
});

test('retriever -> TartanReranker in a chain: the ColBERT rerank reorders the context the model receives', async () => {
  const prompts: string[] = [];
  const retriever = new TartanRetriever({ index: collection, pipeline: 'bm25', k: 4 });
  // The collection's own encoder: its IDF weights come from the collection's BM25 index.
  const reranker = new TartanReranker({ model: collection.index.encoder });
  const reranked = RunnableSequence.from([
    { docs: retriever, question: new RunnablePassthrough<string>() },
    RunnableLambda.from(({ docs, question }: { docs: DocumentInterface[]; question: string }) => reranker.compressDocuments(docs, question)),
  ]);
  const answer = await ragChain(reranked, prompts).invoke(QUERY);
  // The same order as tartan's own bm25>colbert pipeline, computed by the index.
  const pipeline = (await collection.search(QUERY, { pipeline: 'bm25>colbert', k: 4 })).hits.map((h) => h.id);
  assert.deepEqual(pipeline, ['walk', 'salt', 'donor', 'tests']);
  assert.deepEqual(prompts, [expectedPrompt(pipeline)]);
  assert.equal(answer, expectedPrompt(pipeline));
  const docs = await reranked.invoke(QUERY);
  assert.ok(docs.every((d, i) => i === 0 || d.metadata.relevanceScore <= docs[i - 1].metadata.relevanceScore));
  assert.ok(
    docs.every((d) => typeof d.metadata.score === 'number'),
    'the first-stage score stays beside the rerank score',
  );
});
