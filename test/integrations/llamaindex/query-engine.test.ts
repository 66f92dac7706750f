import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { CompletionResponse, LLMCompletionParamsNonStreaming, LLMCompletionParamsStreaming } from '@llamaindex/core/llms';
import { MockLLM } from '@llamaindex/core/llms/mock';
import { RetrieverQueryEngine } from '@llamaindex/core/query-engine';
import { getResponseSynthesizer } from '@llamaindex/core/response-synthesizers';
import { MetadataMode } from '@llamaindex/core/schema';
import { extractText } from '@llamaindex/core/utils';
import type { Collection } from '../../../src/retrieval/collection.js';
import { TartanLlamaRetriever, TartanNodePostprocessor } from '../../../src/integrations/llamaindex/index.js';
import { textOf, useCorpus } from '../shared/corpus.js';
import { ErrorCodes, isTartanError } from '../../../src/core/errors.js';

let collection: Collection;
useCorpus((opened) => ({ collection } = opened));

const QUERY = 'what lowers blood pressure';

/** LlamaIndex's own MockLLM, recording the prompts the response synthesizer sends it. */
class RecordingMockLLM extends MockLLM {
  readonly prompts: string[] = [];
  override complete(params: LLMCompletionParamsStreaming): Promise<AsyncIterable<CompletionResponse>>;
  override complete(params: LLMCompletionParamsNonStreaming): Promise<CompletionResponse>;
  override complete(params: LLMCompletionParamsStreaming | LLMCompletionParamsNonStreaming): Promise<AsyncIterable<CompletionResponse> | CompletionResponse> {
    this.prompts.push(extractText(params.prompt));
    return params.stream ? super.complete(params) : super.complete(params);
  }
}

/** Positions of the documents' texts in a prompt, in the given id order. */
const positions = (prompt: string, ids: string[]) => ids.map((id) => prompt.indexOf(textOf(id)));

test('a RetrieverQueryEngine with TartanLlamaRetriever and TartanNodePostprocessor answers from the reranked nodes', async () => {
  const llm = new RecordingMockLLM({ responseMessage: 'Walking lowers it.', timeBetweenToken: 0 });
  const prompts = llm.prompts;
  const retriever = new TartanLlamaRetriever({ index: collection, pipeline: 'bm25', k: 4 });
  const rerank = new TartanNodePostprocessor({ model: collection.index.encoder, topN: 3 });
  const synthesizer = getResponseSynthesizer('compact', { llm });
  const engine = new RetrieverQueryEngine(retriever, synthesizer, [rerank]);

  const response = await engine.query({ query: QUERY });
  assert.equal(response.message.content, 'Walking lowers it.');
  // BM25 order is walk, salt, tests, donor; tartan's bm25>colbert pipeline (computed by the index) moves donor above tests.
  const bm25 = (await retriever.retrieve(QUERY)).map((n) => n.node.id_);
  assert.deepEqual(bm25, ['walk', 'salt', 'tests', 'donor']);
  const pipeline = (await collection.search(QUERY, { pipeline: 'bm25>colbert', k: 3 })).hits;
  assert.deepEqual(
    pipeline.map((h) => h.id),
    ['walk', 'salt', 'donor'],
  );
  const sources = response.sourceNodes ?? [];
  assert.deepEqual(
    sources.map((n) => n.node.id_),
    pipeline.map((h) => h.id),
  );
  sources.forEach((n, i) => assert.ok(Math.abs(n.score! - pipeline[i].score) < 2e-3, `${n.node.id_}: ${n.score} vs ${pipeline[i].score}`));

  // The mock LLM got one prompt holding the reranked texts, best first, and not the one topN dropped.
  assert.equal(prompts.length, 1);
  assert.ok(prompts[0].includes(QUERY));
  const at = positions(prompts[0], ['walk', 'salt', 'donor']);
  assert.ok(
    at.every((p, i) => p >= 0 && (i === 0 || p > at[i - 1])),
    `${at} in ${prompts[0]}`,
  );
  assert.equal(prompts[0].indexOf(textOf('tests')), -1);
});

test('the postprocessor alone: reverses a worst-first list, keeps the nodes, and needs the query', async () => {
  const nodes = (await new TartanLlamaRetriever({ index: collection, k: 4 }).retrieve(QUERY)).reverse();
  const rerank = new TartanNodePostprocessor();
  const out = await rerank.postprocessNodes(nodes, QUERY);
  assert.deepEqual(
    out.map((n) => n.node.id_),
    ['walk', 'salt', 'donor', 'tests'],
  );
  assert.ok(
    out.every((n) => nodes.some((m) => m.node === n.node)),
    'the same node objects',
  );
  assert.equal(out[0].node.getContent(MetadataMode.NONE), textOf('walk'));
  await assert.rejects(rerank.postprocessNodes(nodes), (e: unknown) => isTartanError(e, ErrorCodes.INVALID_ARGUMENT));
  await rerank.close();
});
