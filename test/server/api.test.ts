/**
 * The REST API over real HTTP: a server on 127.0.0.1 with the default backend
 * (real Index, built-in lexical model), exercised with fetch.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { makeSyntheticModel } from '../../src/models/synthetic/index.js';
import { call, startServer, type RunningServer } from './start-server.js';
import { SHARED, needsShared } from '../shared-fixtures.js';

const KEY = 'test-key-0123456789';
const DOCS = [
  { id: 'aspirin', text: 'Aspirin lowers fever and reduces inflammation.', metadata: { topic: 'drugs', year: 2001 } },
  { id: 'vitamin', text: 'Vitamin D supplements improve bone density in older adults.', metadata: { topic: 'nutrition', year: 2015 } },
  { id: 'weather', text: 'The weather was sunny and the harvest was good.', metadata: { topic: 'farming', year: 1999 } },
  { id: 'ibuprofen', text: 'Ibuprofen reduces fever and pain; like aspirin it is an NSAID.', metadata: { topic: 'drugs', year: 2010 } },
];

let server: RunningServer;
const write = { 'x-api-key': KEY };

before(async () => {
  server = await startServer({ apiKey: KEY });
});
after(async () => {
  await server.stop();
});

async function createIndex(name: string): Promise<void> {
  const r = await call(`${server.url}/api/indexes`, { method: 'POST', headers: write, json: { name } });
  assert.equal(r.status, 201, JSON.stringify(r.body));
}

test('health reports the lexical model and that writes need a key', async () => {
  const r = await call(`${server.url}/api/health`);
  assert.equal(r.status, 200);
  assert.equal(r.body.status, 'ok');
  assert.equal(r.body.writesNeedKey, true);
  assert.equal(r.body.models.indexModel, 'lexical');
  assert.equal(r.body.models.dense, null);
});

test('create, add, search with explain, filter, delete documents, delete index', async () => {
  await createIndex('docs');
  const add = await call(`${server.url}/api/indexes/docs/documents`, { method: 'POST', headers: write, json: { documents: DOCS } });
  assert.equal(add.status, 200, JSON.stringify(add.body));
  assert.deepEqual(add.body, { added: 4, documents: 4 });

  const s = await call(`${server.url}/api/indexes/docs/search`, { method: 'POST', json: { query: 'aspirin fever', k: 3, explain: true } });
  assert.equal(s.status, 200, JSON.stringify(s.body));
  assert.equal(s.body.pipeline, 'colbert');
  assert.equal(s.body.model, 'lexical');
  const ids = s.body.hits.map((h: { id: string }) => h.id);
  assert.equal(ids.length, 3);
  assert.ok(['aspirin', 'ibuprofen'].includes(ids[0]) && ['aspirin', 'ibuprofen'].includes(ids[1]), `drug documents first, got ${ids}`);
  assert.ok(!ids.slice(0, 2).includes('weather'));
  const top = s.body.hits[0];
  assert.ok(top.score > 0 && top.normalizedScore > 0 && top.normalizedScore <= top.score);
  const ex = top.explanation;
  assert.deepEqual(ex.queryTokens, ['aspirin', 'fever']);
  assert.equal(ex.similarity.length, ex.queryTokens.length * ex.docTokens.length);
  // both query words occur in the top document, so each matches its own token with similarity ~1
  ex.queryTokens.forEach((q: string, i: number) => {
    assert.equal(ex.docTokens[ex.best[i]], q);
    assert.ok(Math.abs(ex.similarity[i * ex.docTokens.length + ex.best[i]] - 1) < 1e-3);
  });
  assert.ok(Math.abs(ex.share.reduce((a: number, b: number) => a + b, 0) - 1) < 1e-6);

  const filtered = await call(`${server.url}/api/indexes/docs/search`, {
    method: 'POST',
    json: { query: 'fever', k: 10, filter: { topic: 'drugs', year: { $gte: 2005 } } },
  });
  assert.equal(filtered.status, 200, JSON.stringify(filtered.body));
  assert.deepEqual(
    filtered.body.hits.map((h: { id: string }) => h.id),
    ['ibuprofen'],
  );

  const del = await call(`${server.url}/api/indexes/docs/documents`, { method: 'DELETE', headers: write, json: { ids: ['aspirin', 'missing'] } });
  assert.equal(del.status, 200, JSON.stringify(del.body));
  assert.deepEqual(del.body, { deleted: 1, documents: 3 });
  const after = await call(`${server.url}/api/indexes/docs/search`, { method: 'POST', json: { query: 'aspirin', k: 10 } });
  assert.ok(!after.body.hits.some((h: { id: string }) => h.id === 'aspirin'));

  const list = await call(`${server.url}/api/indexes`);
  assert.deepEqual(
    list.body.indexes.map((i: { name: string }) => i.name),
    ['docs'],
  );
  assert.equal(list.body.indexes[0].documents, 3);

  assert.ok(existsSync(join(server.dataDir, 'docs')));
  const drop = await call(`${server.url}/api/indexes/docs`, { method: 'DELETE', headers: write });
  assert.equal(drop.status, 200);
  assert.ok(!existsSync(join(server.dataDir, 'docs')), 'the index folder is removed');
  assert.equal((await call(`${server.url}/api/indexes/docs`)).status, 404);
});

test('a long add streams NDJSON progress lines and ends with done', async () => {
  await createIndex('stream');
  const documents = Array.from({ length: 120 }, (_, i) => ({ id: `d${i}`, text: `document number ${i} about topic ${i % 7}` }));
  const res = await fetch(`${server.url}/api/indexes/stream/documents`, {
    method: 'POST',
    headers: { ...write, 'content-type': 'application/json', accept: 'application/x-ndjson' },
    body: JSON.stringify({ documents }),
  });
  assert.equal(res.status, 200);
  assert.match(res.headers.get('content-type') ?? '', /application\/x-ndjson/);
  const lines = (await res.text())
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l));
  const progress = lines.filter((l) => l.type === 'progress');
  assert.ok(progress.length >= 2, `several progress lines, got ${progress.length}`);
  const counts = progress.map((p) => p.encoded);
  assert.deepEqual(
    counts,
    [...counts].sort((a, b) => a - b),
    'progress only grows',
  );
  assert.equal(progress.at(-1).encoded, 120);
  assert.deepEqual(lines.at(-1), { type: 'done', added: 120, documents: 120 });
});

test('writes without the right key get 401; reads do not need it', async () => {
  const none = await call(`${server.url}/api/indexes`, { method: 'POST', json: { name: 'nokey' } });
  assert.equal(none.status, 401);
  assert.equal(none.body.error.code, 'E_UNAUTHORIZED');
  const wrong = await call(`${server.url}/api/indexes`, { method: 'POST', headers: { 'x-api-key': `${KEY}x` }, json: { name: 'nokey' } });
  assert.equal(wrong.status, 401);
  const addNoKey = await call(`${server.url}/api/indexes/stream/documents`, { method: 'POST', json: { documents: [{ id: 'x', text: 'y' }] } });
  assert.equal(addNoKey.status, 401);
  const delNoKey = await call(`${server.url}/api/indexes/stream`, { method: 'DELETE' });
  assert.equal(delNoKey.status, 401);
  const bearer = await call(`${server.url}/api/indexes`, { method: 'POST', headers: { authorization: `Bearer ${KEY}` }, json: { name: 'bearer' } });
  assert.equal(bearer.status, 201);
  assert.equal((await call(`${server.url}/api/indexes`)).status, 200);
});

test('bad search bodies get 400 with a code and a message', async () => {
  await createIndex('valid');
  await call(`${server.url}/api/indexes/valid/documents`, { method: 'POST', headers: write, json: { documents: DOCS } });
  const url = `${server.url}/api/indexes/valid/search`;
  const cases: Array<[unknown, string]> = [
    [{ query: 'x', k: 0 }, 'E_INVALID_ARGUMENT'],
    [{ query: 'x', k: -3 }, 'E_INVALID_ARGUMENT'],
    [{ query: 'x', k: 10_000_000 }, 'E_INVALID_ARGUMENT'],
    [{ query: 'x', k: 2.5 }, 'E_INVALID_ARGUMENT'],
    [{ query: 'x', k: '5' }, 'E_INVALID_ARGUMENT'],
    [{ query: 42 }, 'E_INVALID_ARGUMENT'],
    [{ k: 3 }, 'E_INVALID_ARGUMENT'],
    [{ query: 'x', explain: 'yes' }, 'E_INVALID_ARGUMENT'],
    [{ query: 'x', unknownField: 1 }, 'E_INVALID_ARGUMENT'],
    [{ query: '   ' }, 'E_EMPTY_TEXT'],
    [{ query: 'x', pipeline: 'bogus' }, 'E_UNKNOWN_PIPELINE'],
    [[1, 2], 'E_INVALID_ARGUMENT'],
  ];
  for (const [body, code] of cases) {
    const r = await call(url, { method: 'POST', json: body });
    assert.equal(r.status, 400, `${JSON.stringify(body)} -> ${r.status}`);
    assert.equal(r.body.error.code, code, JSON.stringify(body));
    assert.ok(r.body.error.message.length > 10);
  }
  const malformed = await call(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"query": "x",' });
  assert.equal(malformed.status, 400);
  assert.equal(malformed.body.error.code, 'E_INPUT_FORMAT');

  const badDocs = await call(`${server.url}/api/indexes/valid/documents`, {
    method: 'POST',
    headers: write,
    json: {
      documents: [
        { id: 'a', text: 'x' },
        { id: 'a', text: 'y' },
      ],
    },
  });
  assert.equal(badDocs.status, 409);
  assert.equal(badDocs.body.error.code, 'E_DUPLICATE_ID');
  const noText = await call(`${server.url}/api/indexes/valid/documents`, { method: 'POST', headers: write, json: { documents: [{ id: 'a', text: 7 }] } });
  assert.equal(noText.status, 400);
});

test('huge bodies get 413', async () => {
  const small = await startServer({ limits: { bodyLimit: 16 * 1024 } });
  try {
    const r = await call(`${small.url}/api/rerank`, { method: 'POST', json: { query: 'x', documents: ['a'.repeat(64 * 1024)] } });
    assert.equal(r.status, 413);
    assert.equal(r.body.error.code, 'E_PAYLOAD_TOO_LARGE');
  } finally {
    await small.stop();
  }
});

test('index names that could escape the data dir are refused', async () => {
  for (const name of ['../evil', '..', 'a/b', 'UPPER', '.hidden', '', 'x'.repeat(65), 'a b']) {
    const r = await call(`${server.url}/api/indexes`, { method: 'POST', headers: write, json: { name } });
    assert.equal(r.status, 400, `name ${JSON.stringify(name)} -> ${r.status}`);
    assert.equal(r.body.error.code, 'E_INVALID_ARGUMENT');
  }
  for (const path of ['..%2F..%2Fetc', 'a%2Fb', '%2E%2E%2Fx']) {
    const r = await call(`${server.url}/api/indexes/${path}`);
    assert.equal(r.status, 400, `${path} -> ${r.status}`);
  }
  // fetch resolves a bare %2e%2e segment as ".." before sending: it lands on no route at all
  assert.equal((await call(`${server.url}/api/indexes/%2e%2e`)).body.error.code, 'E_ROUTE_NOT_FOUND');
  assert.equal((await call(`${server.url}/api/indexes/nothere`)).status, 404);
  assert.ok(readdirSync(server.dataDir).every((n) => /^[a-z0-9][a-z0-9_-]*$/.test(n)));
});

test('embed, rerank and compare work with the lexical model; missing models are explained', async () => {
  const e = await call(`${server.url}/api/embed`, { method: 'POST', json: { texts: ['Aspirin lowers fever', 'bone density'] } });
  assert.equal(e.status, 200);
  assert.equal(e.body.embeddings.length, 2);
  assert.deepEqual(e.body.embeddings[0].tokens, ['aspirin', 'lower', 'fever']);
  assert.equal(e.body.embeddings[0].data.length, 3 * e.body.dim);
  const dense = await call(`${server.url}/api/embed`, { method: 'POST', json: { texts: ['x'], kind: 'dense' } });
  assert.equal(dense.status, 400);
  assert.match(dense.body.error.message, /--dense-model/);

  const r = await call(`${server.url}/api/rerank`, { method: 'POST', json: { query: 'aspirin fever', documents: DOCS.map((d) => d.text) } });
  assert.equal(r.status, 200);
  assert.equal(r.body.model, 'lexical');
  assert.equal(r.body.results[0].index, 0);
  assert.notEqual(r.body.results[0].index, 2);
  const scores = r.body.results.map((x: { score: number }) => x.score);
  assert.deepEqual(
    scores,
    [...scores].sort((a, b) => b - a),
  );
  const ce = await call(`${server.url}/api/rerank`, { method: 'POST', json: { query: 'x', documents: ['y'], model: 'cross-encoder' } });
  assert.equal(ce.status, 400);

  const c = await call(`${server.url}/api/compare`, { method: 'POST', json: { query: 'aspirin fever', documents: [DOCS[2].text, DOCS[0].text] } });
  assert.equal(c.status, 200);
  const byFamily = Object.fromEntries(c.body.columns.map((col: { family: string }) => [col.family, col]));
  assert.equal(byFamily.colbert.available, true);
  assert.deepEqual(byFamily.colbert.ranks, [2, 1]);
  assert.equal(byFamily.dense.available, false);
  assert.match(byFamily.dense.reason, /--dense-model/);
  assert.equal(byFamily['cross-encoder'].available, false);
});

test('the OpenAPI document is valid JSON and lists every route', async () => {
  const r = await call(`${server.url}/openapi.json`);
  assert.equal(r.status, 200);
  assert.equal(r.body.openapi, '3.1.0');
  const ops = Object.entries(r.body.paths as Record<string, Record<string, unknown>>)
    .flatMap(([path, methods]) => Object.keys(methods).map((m) => `${m.toUpperCase()} ${path}`))
    .sort();
  assert.deepEqual(ops, [
    'DELETE /api/indexes/{name}',
    'DELETE /api/indexes/{name}/documents',
    'GET /api/health',
    'GET /api/indexes',
    'GET /api/indexes/{name}',
    'GET /metrics',
    'GET /openapi.json',
    'POST /api/compare',
    'POST /api/embed',
    'POST /api/indexes',
    'POST /api/indexes/{name}/documents',
    'POST /api/indexes/{name}/search',
    'POST /api/rerank',
  ]);
  const search = r.body.paths['/api/indexes/{name}/search'].post;
  assert.equal(search.requestBody.content['application/json'].schema.properties.k.minimum, 1);
  assert.deepEqual(r.body.paths['/api/indexes'].post.security, [{ apiKey: [] }, { bearer: [] }]);
  assert.equal(search.parameters[0].name, 'name');
});

test('metrics are Prometheus text with per-route counts, latency buckets and index sizes', async () => {
  await call(`${server.url}/api/health`);
  const r = await call(`${server.url}/metrics`);
  assert.equal(r.status, 200);
  assert.match(r.headers.get('content-type') ?? '', /^text\/plain/);
  const text = r.body as string;
  assert.match(text, /^# TYPE tartan_http_requests_total counter$/m);
  assert.match(text, /^tartan_http_requests_total\{method="GET",route="\/api\/health",status="200"\} [1-9]\d*$/m);
  assert.match(text, /^tartan_http_request_duration_seconds_bucket\{method="GET",route="\/api\/health",le="\+Inf"\} [1-9]\d*$/m);
  assert.match(text, /^tartan_index_documents\{index="stream"\} 120$/m);
  for (const line of text.trim().split('\n')) {
    assert.match(line, /^(# (HELP|TYPE) \w+ .+|\w+(\{[^}]*\})? -?[\d.e+-]+)$/, `bad exposition line: ${line}`);
  }
});

test('unknown routes get a 404 in the error format', async () => {
  const r = await call(`${server.url}/api/nothing`);
  assert.equal(r.status, 404);
  assert.equal(r.body.error.code, 'E_ROUTE_NOT_FOUND');
});

test(
  'pipelines: BM25 runs from the index side index; presets need their models; colbert>cross-encoder runs with a configured cross-encoder',
  needsShared(SHARED.tokenizer),
  async () => {
    const url = `${server.url}/api/indexes/valid/search`;
    const bm25 = await call(url, { method: 'POST', json: { query: 'fever', pipeline: 'bm25>colbert', k: 3 } });
    assert.equal(bm25.status, 200, JSON.stringify(bm25.body));
    assert.ok(bm25.body.hits.length > 0);
    assert.ok('bm25' in bm25.body.latencyMs && 'colbert-rerank' in bm25.body.latencyMs);
    const hybrid = await call(url, { method: 'POST', json: { query: 'fever', pipeline: 'hybrid' } });
    assert.equal(hybrid.status, 400);
    assert.match(hybrid.body.error.message, /dense/);
    const noCross = await call(url, { method: 'POST', json: { query: 'fever', pipeline: 'colbert>cross-encoder' } });
    assert.equal(noCross.status, 400);
    assert.match(noCross.body.error.message, /--cross-encoder-model/);

    const models = mkdtempSync(join(tmpdir(), 'tartan-api-models-'));
    await makeSyntheticModel(join(models, 'cross'), { arch: 'tiny', kind: 'cross-encoder', seed: 5 });
    const withCross = await startServer({ models: { crossEncoder: join(models, 'cross') } });
    try {
      await call(`${withCross.url}/api/indexes`, { method: 'POST', json: { name: 'p' } });
      await call(`${withCross.url}/api/indexes/p/documents`, { method: 'POST', json: { documents: DOCS } });
      const r = await call(`${withCross.url}/api/indexes/p/search`, {
        method: 'POST',
        json: { query: 'aspirin fever', k: 2, pipeline: 'colbert:4>cross-encoder', explain: true },
      });
      assert.equal(r.status, 200, JSON.stringify(r.body));
      assert.equal(r.body.hits.length, 2);
      for (const h of r.body.hits) {
        assert.equal(h.stage, 'cross-encoder');
        assert.equal(h.normalizedScore, undefined, 'a cross-encoder logit has no per-token normalisation');
        assert.ok(Array.isArray(h.explanation.queryTokens));
      }
      assert.ok(r.body.hits[0].score >= r.body.hits[1].score);
      assert.deepEqual(Object.keys(r.body.latencyMs).sort(), ['colbert', 'cross-encoder-rerank']);
    } finally {
      await withCross.stop();
      rmSync(models, { recursive: true, force: true });
    }
  },
);
