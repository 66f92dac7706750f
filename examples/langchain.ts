/**
 * tartan in a LangChain.js chain, runnable offline: a `lexical` index (no download), a
 * `TartanRetriever` running tartan's BM25 first stage, a `TartanReranker` reranking with ColBERT
 * MaxSim, and both in a retrieval chain. LangChain's `FakeListChatModel` stands in for a chat model
 * (swap in ChatOpenAI, ChatAnthropic... in a real application).
 *
 *   node --import tsx examples/langchain.ts   (after `npm run build`: 'tartan-search' resolves to this package's dist/)
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DocumentInterface } from '@langchain/core/documents';
import { StringOutputParser } from '@langchain/core/output_parsers';
import { PromptTemplate } from '@langchain/core/prompts';
import { RunnableLambda, RunnablePassthrough, RunnableSequence } from '@langchain/core/runnables';
import { FakeListChatModel } from '@langchain/core/utils/testing';
import { Collection, Index } from 'tartan-search';
import { TartanReranker, TartanRetriever } from 'tartan-search/langchain';

const dir = await mkdtemp(join(tmpdir(), 'tartan-langchain-'));
try {
  const index = await Index.create(join(dir, 'health'), { model: 'lexical' });
  await index.add([
    { id: 'salt', text: 'High salt intake raises blood pressure.', metadata: { year: 2019 } },
    { id: 'walk', text: 'Daily walking lowers blood pressure in older adults.', metadata: { year: 2015 } },
    { id: 'tests', text: 'Blood tests, blood counts, blood cells.', metadata: { year: 2012 } },
    { id: 'donor', text: 'Blood donation is common among healthy adults in many countries.', metadata: { year: 2021 } },
    { id: 'asp', text: 'Aspirin reduces fever and relieves mild pain in adults.', metadata: { year: 2001 } },
  ]);
  await index.close();
  // A Collection runs pipelines (bm25, bm25>colbert, hybrid...); a plain Index runs ColBERT search.
  const collection = await Collection.open(join(dir, 'health'));
  const question = 'what lowers blood pressure';

  // 1. The retriever: Documents with pageContent = text, metadata = { ...metadata, id, score }.
  const retriever = new TartanRetriever({ index: collection, pipeline: 'bm25', k: 4 });
  const docs = await retriever.invoke(question);
  console.log('bm25:', docs.map((d) => d.id).join(', '));

  // 2. The compressor: ColBERT MaxSim over the documents' texts, best 3 kept, score in metadata.relevanceScore.
  //    `model` takes a model id ('lexical', 'answerdotai/answerai-colbert-small-v1', a cross-encoder id) or a loaded encoder.
  const reranker = new TartanReranker({ model: collection.index.encoder, topN: 3 });
  const reranked = await reranker.compressDocuments(docs, question);
  console.log('reranked:', reranked.map((d) => `${d.id} (${(d.metadata.relevanceScore as number).toFixed(3)})`).join(', '));

  // 3. A retrieval chain: retrieve -> rerank -> prompt -> chat model -> string.
  const retrieveAndRerank = RunnableSequence.from([
    { docs: retriever, question: new RunnablePassthrough<string>() },
    RunnableLambda.from(({ docs, question }: { docs: DocumentInterface[]; question: string }) => reranker.compressDocuments(docs, question)),
  ]);
  const formatDocs = (ds: DocumentInterface[]) => ds.map((d) => `[${d.id}] ${d.pageContent}`).join('\n');
  const prompt = PromptTemplate.fromTemplate('Answer from the context.\nContext:\n{context}\nQuestion: {question}');
  const model = new FakeListChatModel({ responses: ['Daily walking lowers blood pressure [walk].'] });
  const chain = RunnableSequence.from([
    { context: retrieveAndRerank.pipe(formatDocs), question: new RunnablePassthrough<string>() },
    prompt,
    model,
    new StringOutputParser(),
  ]);
  const answer = await chain.invoke(question, {
    callbacks: [{ handleChatModelStart: (_llm, messages) => console.log(`prompt:\n${messages[0].map((m) => m.text).join('\n')}`) }],
  });
  console.log(`answer: ${answer}`);
  await collection.close();
} finally {
  await rm(dir, { recursive: true, force: true });
}
