import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Document } from '@langchain/core/documents';
import { TextCrossEncoder } from '../../../src/models/encoders/cross-encoder.js';
import { makeSyntheticModel } from '../../../src/models/synthetic/index.js';
import type { CrossEncoder } from '../../../src/models/types.js';
import { TartanReranker } from '../../../src/integrations/langchain/index.js';
import { SHARED, sharedSuite } from '../../shared-fixtures.js';
import { CORPUS } from '../shared/corpus.js';

// Random weights: these tests check the wiring (the logits used, the order, the calls), never quality.
const { test, before, after } = sharedSuite(SHARED.tokenizer);

let root = '';
let reference: TextCrossEncoder;
before(async () => {
  root = await mkdtemp(join(tmpdir(), 'tartan-lc-ce-'));
  await makeSyntheticModel(join(root, 'ce'), { arch: 'tiny', kind: 'cross-encoder', seed: 7 });
  reference = await TextCrossEncoder.load(join(root, 'ce'), { threads: 1 });
});
after(async () => {
  await reference?.dispose();
  await rm(root, { recursive: true, force: true });
});

const QUERY = 'what lowers blood pressure';
const docs = () => CORPUS.slice(0, 5).map((d) => new Document({ id: d.id, pageContent: d.text!, metadata: {} }));

test('a cross-encoder folder reranks by its logits and keeps topN', async () => {
  const logits = await reference.score(
    QUERY,
    docs().map((d) => d.pageContent),
  );
  const expected = docs()
    .map((d, i) => ({ id: d.id, score: logits[i] }))
    .sort((a, b) => b.score - a.score)
    .slice(0, 2);
  const reranker = new TartanReranker({ model: join(root, 'ce'), kind: 'cross-encoder', topN: 2 });
  const out = await reranker.compressDocuments(docs(), QUERY);
  assert.deepEqual(
    out.map((d) => d.id),
    expected.map((e) => e.id),
  );
  out.forEach((d, i) => assert.ok(Math.abs(d.metadata.relevanceScore - expected[i].score) < 1e-5));
  await reranker.close();
  // Closed models load again on the next use.
  assert.equal((await reranker.compressDocuments(docs(), QUERY)).length, 2);
  await reranker.close();
});

test('a cross-encoder instance scores each document once, in one rerank call', async () => {
  const calls: Array<{ query: string; documents: string[] }> = [];
  const counting: CrossEncoder = {
    kind: 'cross-encoder',
    modelId: reference.modelId,
    async *rerank(query, documents) {
      const list: string[] = [];
      for await (const d of documents) list.push(d);
      calls.push({ query, documents: list });
      yield* reference.rerank(query, list);
    },
    dispose: async () => assert.fail('the caller owns the instance'),
  };
  const reranker = new TartanReranker({ model: counting });
  const out = await reranker.compressDocuments(docs(), QUERY);
  assert.equal(out.length, 5);
  assert.deepEqual(calls, [{ query: QUERY, documents: docs().map((d) => d.pageContent) }]);
  await reranker.close();
});
