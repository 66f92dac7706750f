/**
 * POST /api/indexes/:name/search with explain: the served explanation comes
 * from the vectors the index scored, so its total (`raw`) is the hit's score,
 * for the direct ColBERT search and for a pipeline ending in ColBERT.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { call, startServer, type RunningServer } from './start-server.js';

const DOCS = [
  { id: 'aspirin', text: 'Aspirin lowers fever and reduces inflammation.' },
  { id: 'ibuprofen', text: 'Ibuprofen reduces fever and pain; like aspirin it is an NSAID.' },
  { id: 'weather', text: 'The weather was sunny and the harvest was good.' },
];

let server: RunningServer;
before(async () => {
  server = await startServer();
  assert.equal((await call(`${server.url}/api/indexes`, { method: 'POST', json: { name: 'x' } })).status, 201);
  assert.equal((await call(`${server.url}/api/indexes/x/documents`, { method: 'POST', json: { documents: DOCS } })).status, 200);
});
after(() => server.stop());

interface Served {
  id: string;
  score: number;
  stage?: string;
  explanation?: { raw: number; share: number[]; best: number[]; similarity: number[]; queryTokens: string[]; docTokens: string[] };
}

for (const pipeline of ['colbert', 'bm25>colbert']) {
  test(`search ${pipeline} with explain: each explanation adds up to its hit's score`, async () => {
    const r = await call(`${server.url}/api/indexes/x/search`, { method: 'POST', json: { query: 'aspirin fever', k: 2, pipeline, explain: true } });
    assert.equal(r.status, 200, JSON.stringify(r.body));
    const hits = r.body.hits as Served[];
    assert.equal(hits.length, 2);
    for (const h of hits) {
      const e = h.explanation!;
      assert.ok(Math.abs(e.raw - h.score) <= 1e-6 * Math.abs(h.score), `${h.id}: explained ${e.raw}, scored ${h.score}`);
      assert.equal(e.best.length, e.queryTokens.length);
      assert.equal(e.similarity.length, e.queryTokens.length * e.docTokens.length);
    }
  });
}

test('search without explain serves no explanation; a pipeline without ColBERT has nothing to explain', async () => {
  const plain = await call(`${server.url}/api/indexes/x/search`, { method: 'POST', json: { query: 'aspirin fever', k: 2 } });
  assert.ok((plain.body.hits as Served[]).every((h) => h.explanation === undefined));
  const bm25 = await call(`${server.url}/api/indexes/x/search`, { method: 'POST', json: { query: 'aspirin fever', k: 2, pipeline: 'bm25', explain: true } });
  assert.equal(bm25.status, 200, JSON.stringify(bm25.body));
  assert.ok((bm25.body.hits as Served[]).every((h) => h.stage === 'bm25' && h.explanation === undefined));
});
