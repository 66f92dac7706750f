/**
 * tartan in a LlamaIndex.TS query engine, runnable offline: a `lexical` index (no download), a
 * `TartanLlamaRetriever` running tartan's BM25 first stage and a `TartanNodePostprocessor`
 * reranking with ColBERT MaxSim, inside LlamaIndex's `RetrieverQueryEngine`. LlamaIndex's own
 * `MockLLM` stands in for the LLM (use `Settings.llm = new OpenAI(...)` or similar in a real application).
 *
 *   node --import tsx examples/llamaindex.ts   (after `npm run build`: 'tartan-search' resolves to this package's dist/)
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MockLLM } from '@llamaindex/core/llms/mock';
import { RetrieverQueryEngine } from '@llamaindex/core/query-engine';
import { getResponseSynthesizer } from '@llamaindex/core/response-synthesizers';
import { MetadataMode } from '@llamaindex/core/schema';
import { Collection, Index } from 'tartan-search';
import { TartanLlamaRetriever, TartanNodePostprocessor } from 'tartan-search/llamaindex';

const dir = await mkdtemp(join(tmpdir(), 'tartan-llamaindex-'));
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
  const collection = await Collection.open(join(dir, 'health'));
  const question = 'what lowers blood pressure';

  // The retriever gives NodeWithScore: TextNode (id_ = document id, text, metadata) and the pipeline's score.
  const retriever = new TartanLlamaRetriever({ index: collection, pipeline: 'bm25', k: 4 });
  console.log('bm25:', (await retriever.retrieve(question)).map((n) => n.node.id_).join(', '));

  // The postprocessor reranks with ColBERT MaxSim (or a cross-encoder: { model: 'Xenova/ms-marco-MiniLM-L-6-v2' }).
  const rerank = new TartanNodePostprocessor({ model: collection.index.encoder, topN: 3 });
  const llm = new MockLLM({ responseMessage: 'Daily walking lowers blood pressure.', timeBetweenToken: 0 });
  const engine = new RetrieverQueryEngine(retriever, getResponseSynthesizer('compact', { llm }), [rerank]);

  const response = await engine.query({ query: question });
  for (const n of response.sourceNodes ?? []) console.log(`source: ${n.node.id_} ${n.score?.toFixed(3)}  ${n.node.getContent(MetadataMode.NONE)}`);
  console.log(`answer: ${response.message.content as string}`);
  await collection.close();
} finally {
  await rm(dir, { recursive: true, force: true });
}
