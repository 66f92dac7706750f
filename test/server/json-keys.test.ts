/** One key convention: every JSON the HTTP API returns (and its OpenAPI description) uses camelCase keys. */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { snakeKeys } from '../cli/snake-keys.js';
import { call, startServer, type RunningServer } from './start-server.js';

let server: RunningServer;
before(async () => {
  server = await startServer();
});
after(async () => {
  await server.stop();
});

test('no key of any HTTP JSON response contains an underscore', async () => {
  const u = server.url;
  const docs = [
    { id: 'a', text: 'Aspirin reduces fever.', metadata: { topic: 'drugs' } },
    { id: 'b', text: 'Salt raises blood pressure.', metadata: { topic: 'diet' } },
  ];
  const texts = { query: 'blood pressure', documents: ['salt raises blood pressure', 'aspirin reduces fever'] };
  const responses: Array<[string, Awaited<ReturnType<typeof call>>]> = [];
  const record = async (what: string, url: string, init: Parameters<typeof call>[1] = {}) => {
    const r = await call(url, init);
    responses.push([what, r]);
    return r;
  };
  await record('create', `${u}/api/indexes`, { method: 'POST', json: { name: 'docs' } });
  await record('add', `${u}/api/indexes/docs/documents`, { method: 'POST', json: { documents: docs } });
  await record('search', `${u}/api/indexes/docs/search`, { method: 'POST', json: { query: 'blood pressure', explain: true } });
  const staged = await record('search bm25>colbert', `${u}/api/indexes/docs/search`, {
    method: 'POST',
    json: { query: 'blood pressure', pipeline: 'bm25>colbert', explain: true },
  });
  assert.ok('bm25' in staged.body.latencyMs, JSON.stringify(staged.body));
  await record('list', `${u}/api/indexes`);
  await record('describe', `${u}/api/indexes/docs`);
  await record('health', `${u}/api/health`);
  await record('embed', `${u}/api/embed`, { method: 'POST', json: { texts: texts.documents, isQuery: true } });
  await record('rerank', `${u}/api/rerank`, { method: 'POST', json: { ...texts, model: 'colbert' } });
  await record('compare', `${u}/api/compare`, { method: 'POST', json: texts });
  await record('openapi', `${u}/openapi.json`);
  await record('error', `${u}/api/indexes/nope/search`, { method: 'POST', json: { query: 'x' } });
  await record('delete documents', `${u}/api/indexes/docs/documents`, { method: 'DELETE', json: { ids: ['a'] } });
  await record('delete index', `${u}/api/indexes/docs`, { method: 'DELETE' });

  for (const [what, r] of responses) {
    assert.equal(typeof r.body, 'object', `${what}: ${String(r.body)}`);
    assert.deepEqual(snakeKeys(r.body), [], what);
  }
  assert.equal(responses.find(([w]) => w === 'error')![1].status, 404);

  // NDJSON progress lines of an add
  const res = await fetch(`${u}/api/indexes`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name: 'nd' }) });
  assert.equal(res.status, 201);
  const nd = await fetch(`${u}/api/indexes/nd/documents`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/x-ndjson' },
    body: JSON.stringify({ documents: docs }),
  });
  const lines = (await nd.text())
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as unknown);
  assert.ok(lines.length >= 2);
  for (const line of lines) assert.deepEqual(snakeKeys(line), []);
});
