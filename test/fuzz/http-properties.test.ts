/**
 * The HTTP API under hostile requests, over real sockets: malformed and
 * non-UTF-8 bodies, wrong types, out-of-range and non-finite numbers (as JSON
 * literals such as 1e999), k of 0 / negative / huge, unknown and
 * path-traversal index names, raw bytes in URLs, oversized bodies. Every
 * answer must be a 2xx, or a 4xx with a coded error body, never a 500; the
 * server must keep serving (a health check follows each batch).
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import net from 'node:net';
import fc from 'fast-check';
import { ErrorCodes } from '../../src/core/errors.js';
import { call, startServer, type RunningServer } from '../server/start-server.js';
import { CaseCounter, RUNS, hostileText } from './fuzz-helpers.js';

const KEY = 'fuzz-key-0123456789';
const write = { 'x-api-key': KEY };
const CODES = new Set<string>(Object.values(ErrorCodes));
const cases = new CaseCounter('http property cases');
let server: RunningServer;

before(async () => {
  server = await startServer({ apiKey: KEY, limits: { bodyLimit: 64 * 1024 } });
  await call(`${server.url}/api/indexes`, { method: 'POST', headers: write, json: { name: 'fz' } });
  const add = await call(`${server.url}/api/indexes/fz/documents`, {
    method: 'POST',
    headers: write,
    json: {
      documents: [
        { id: 'a', text: 'Aspirin lowers fever.', metadata: { year: 2001 } },
        { id: 'b', text: 'Green tea and caffeine.' },
      ],
    },
  });
  assert.equal(add.status, 200, JSON.stringify(add.body));
});
after(async () => {
  await server.stop();
  cases.report();
});

/** A raw request: status line and parsed body, for bytes fetch() would refuse to send. */
function raw(request: Buffer | string): Promise<{ status: number; body: any }> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(Number(new URL(server.url).port), '127.0.0.1');
    const chunks: Buffer[] = [];
    socket.on('data', (c) => chunks.push(c));
    socket.on('error', reject);
    socket.on('close', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(text)?.[1] ?? 0);
      const start = text.indexOf('\r\n\r\n');
      let body: unknown = text.slice(start + 4);
      try {
        body = JSON.parse(body as string);
      } catch {
        /* keep text */
      }
      resolve({ status, body });
    });
    socket.end(request);
  });
}

/** POST with a body given as raw text or bytes (fetch still writes a valid request line). */
async function post(path: string, body: string | Buffer, headers: Record<string, string> = {}): Promise<{ status: number; body: any }> {
  return call(`${server.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body });
}

/** 2xx, or a 4xx whose body is {error: {code, message}} with a catalogued code; never a 5xx. */
function assertAnswer(r: { status: number; body: any }, what: string, want?: 'refused' | number): void {
  assert.ok(r.status < 500, `${what}: got ${r.status} ${JSON.stringify(r.body)}`);
  if (typeof want === 'number') assert.equal(r.status, want, `${what}: ${JSON.stringify(r.body)}`);
  if (want === 'refused') assert.ok(r.status >= 400, `${what} was accepted: ${JSON.stringify(r.body).slice(0, 200)}`);
  if (r.status >= 400) {
    assert.ok(r.body && typeof r.body === 'object' && r.body.error, `${what}: error body ${JSON.stringify(r.body)}`);
    assert.ok(CODES.has(r.body.error.code), `${what}: code ${r.body.error.code}`);
    assert.ok(typeof r.body.error.message === 'string' && r.body.error.message.length > 10, `${what}: message`);
  }
}

async function healthy(): Promise<void> {
  const h = await call(`${server.url}/api/health`);
  assert.equal(h.status, 200);
  assert.equal(h.body.status, 'ok');
}

test('malformed, non-object and non-UTF-8 bodies are coded 4xx', async () => {
  const bodies: Array<string | Buffer> = [
    '',
    '{',
    '{"query": "x",',
    'null',
    '[]',
    '"x"',
    '42',
    'true',
    '{"query": NaN}',
    '{"query": "x"}}',
    '\u0000',
    '{"__proto__": {"k": 1}, "query": "x"}',
    Buffer.from([0x7b, 0x22, 0x71, 0x75, 0x65, 0x72, 0x79, 0x22, 0x3a, 0x22, 0xff, 0xfe, 0x22, 0x7d]), // {"query":"<FF FE>"}
    Buffer.from([0xef, 0xbb, 0xbf, 0x7b, 0x7d]),
    Buffer.from('{"query":"\xed\xa0\x80"}', 'latin1'),
  ];
  for (const path of ['/api/indexes/fz/search', '/api/embed', '/api/rerank', '/api/compare', '/api/indexes/fz/documents', '/api/indexes']) {
    for (const body of bodies) {
      cases.tick();
      assertAnswer(await post(path, body, write), `${path} ${JSON.stringify(body.toString())}`, 'refused');
    }
  }
  await fc.assert(
    fc.asyncProperty(fc.string({ unit: 'binary', maxLength: 200 }), fc.uint8Array({ maxLength: 64 }), async (text, bytes) => {
      cases.tick(2);
      assertAnswer(await post('/api/indexes/fz/search', text), `text body ${JSON.stringify(text)}`);
      assertAnswer(await post('/api/indexes/fz/search', Buffer.from(bytes)), `byte body ${Buffer.from(bytes).toString('hex')}`);
    }),
    { numRuns: RUNS },
  );
  for (const ct of ['text/plain', 'application/x-www-form-urlencoded', 'application/xml', 'multipart/form-data; boundary=x']) {
    cases.tick();
    // text/plain reaches the schema as a string (400); the others have no parser (415)
    assertAnswer(await post('/api/indexes/fz/search', '{"query":"x"}', { 'content-type': ct }), ct, ct === 'text/plain' ? 400 : 415);
  }
  await healthy();
});

test('search: any JSON value in any field is a result or a coded 4xx; bad k, nprobe, ndocs and non-finite numbers are refused', async () => {
  const field = fc.constantFrom('query', 'k', 'pipeline', 'filter', 'explain', 'nprobe', 'ndocs', 'extra');
  await fc.assert(
    fc.asyncProperty(field, fc.jsonValue({ maxDepth: 3 }), async (key, value) => {
      cases.tick();
      const r = await call(`${server.url}/api/indexes/fz/search`, { method: 'POST', json: { query: 'fever', [key]: value } });
      assertAnswer(r, `${key}=${JSON.stringify(value)}`);
      if (r.status === 200) for (const h of r.body.hits) assert.ok(['a', 'b'].includes(h.id) && Number.isFinite(h.score));
    }),
    { numRuns: RUNS * 2 },
  );
  await fc.assert(
    fc.asyncProperty(hostileText, async (query) => {
      cases.tick();
      assertAnswer(await call(`${server.url}/api/indexes/fz/search`, { method: 'POST', json: { query } }), `query ${JSON.stringify(query)}`);
    }),
    { numRuns: RUNS },
  );
  // JSON cannot carry NaN/Infinity; these literals parse to Infinity or lose precision
  const literals = ['0', '-1', '-0', '1001', '2.5', '1e999', '-1e999', '1e308', '9007199254740993', '"10"', 'null', 'true', '[5]', '{}'];
  for (const knob of ['k', 'nprobe', 'ndocs']) {
    for (const lit of literals) {
      cases.tick();
      const r = await post('/api/indexes/fz/search', `{"query":"fever","${knob}":${lit}}`);
      assertAnswer(r, `${knob}=${lit}`, knob === 'k' && lit === '0' ? 'refused' : undefined);
      if (['-1', '1e999', '-1e999', '1e308', '"10"', 'null', 'true', '[5]', '{}', '2.5', '9007199254740993'].includes(lit))
        assert.ok(r.status >= 400, `${knob}=${lit} accepted`);
    }
  }
  for (const filter of ['{"year":1e999}', '{"year":{"$gt":-1e999}}', '{"year":{"$in":[1e999]}}', '{"year":{"$near":1}}', '[1]', '"x"']) {
    cases.tick();
    assertAnswer(await post('/api/indexes/fz/search', `{"query":"fever","filter":${filter}}`), `filter ${filter}`, 400);
  }
  await healthy();
});

test('documents, embed, rerank and index creation: wrong types, dims-free junk and non-finite metadata are coded 4xx', async () => {
  const junkDoc = fc.oneof(
    fc.jsonValue({ maxDepth: 2 }),
    fc.record({ id: fc.jsonValue({ maxDepth: 1 }), text: fc.jsonValue({ maxDepth: 1 }), metadata: fc.jsonValue({ maxDepth: 2 }) }, { requiredKeys: [] }),
  );
  let n = 0;
  await fc.assert(
    fc.asyncProperty(fc.array(junkDoc, { maxLength: 3 }), async (documents) => {
      cases.tick();
      // unique string ids so a well-formed batch is really added, and never collides with the seeded documents
      const r = await call(`${server.url}/api/indexes/fz/documents`, {
        method: 'POST',
        headers: write,
        json: {
          documents: documents.map((d) =>
            d && typeof d === 'object' && !Array.isArray(d) && typeof (d as { id?: unknown }).id === 'string' ? { ...d, id: `f${n++}` } : d,
          ),
        },
      });
      assertAnswer(r, `documents ${JSON.stringify(documents).slice(0, 200)}`);
    }),
    { numRuns: RUNS },
  );
  const literal = [
    '{"documents":[{"id":"n1","text":"x","metadata":{"v":1e999}}]}',
    '{"documents":[{"id":"n2","text":"x","metadata":{"v":{"deep":1}}}]}',
    '{"documents":[]}',
    '{"documents":[{"id":"","text":"x"}]}',
  ];
  for (const body of literal) {
    cases.tick();
    assertAnswer(await post('/api/indexes/fz/documents', body, write), body, 400);
  }
  await fc.assert(
    fc.asyncProperty(
      fc.constantFrom('/api/embed', '/api/rerank', '/api/compare'),
      fc.jsonValue({ maxDepth: 2 }),
      fc.jsonValue({ maxDepth: 2 }),
      async (path, a, b) => {
        cases.tick();
        const json = path === '/api/embed' ? { texts: a, kind: b } : { query: a, documents: b };
        assertAnswer(await call(`${server.url}${path}`, { method: 'POST', json }), `${path} ${JSON.stringify(json).slice(0, 200)}`);
      },
    ),
    { numRuns: RUNS },
  );
  for (const k of ['0', '-1', '1e999', '2.5', '1000000']) {
    cases.tick();
    assertAnswer(await post('/api/rerank', `{"query":"x","documents":["a"],"k":${k}}`), `rerank k=${k}`, 400);
  }
  await fc.assert(
    fc.asyncProperty(fc.jsonValue({ maxDepth: 1 }), fc.jsonValue({ maxDepth: 1 }), async (name, nbits) => {
      cases.tick();
      const r = await call(`${server.url}/api/indexes`, { method: 'POST', headers: write, json: { name, nbits } });
      assertAnswer(r, `create ${JSON.stringify({ name, nbits })}`);
    }),
    { numRuns: RUNS },
  );
  assert.ok(
    readdirSync(server.dataDir).every((d) => /^[a-z0-9][a-z0-9_-]{0,63}$/.test(d)),
    `data dir: ${readdirSync(server.dataDir)}`,
  );
  await healthy();
});

test('index names: unknown names are 404; traversal, absolute, NUL and bad escapes are 400; raw bytes are coded 400', async () => {
  assertAnswer(await call(`${server.url}/api/indexes/nothere/search`, { method: 'POST', json: { query: 'x' } }), 'unknown', 404);
  const traversal = [
    '..%2Fx',
    '..%2F..%2Fetc',
    '%2e%2e%2fx',
    '%2E%2E%2F%2E%2E%2Fetc%2Fpasswd',
    '%2Fetc%2Fpasswd',
    '%2Ftmp',
    'a%00b',
    '%00',
    'x%5C..%5C..',
    '..%5Cx',
    'a.b',
    'A',
    '%C3%A9',
    '%F0%9F%98%80',
    'x'.repeat(65),
    '%ff',
    '%c3%28',
    '%e0%80%af',
  ];
  for (const name of traversal) {
    for (const [method, suffix, json] of [
      ['GET', '', undefined],
      ['POST', '/search', { query: 'x' }],
      ['DELETE', '', undefined],
      ['POST', '/documents', { documents: [{ id: 'x', text: 'y' }] }],
    ] as const) {
      cases.tick();
      const r = await call(`${server.url}/api/indexes/${name}${suffix}`, { method, headers: write, ...(json ? { json } : {}) });
      assertAnswer(r, `${method} ${name}${suffix}`, 'refused');
      assert.ok(r.status === 400 || r.status === 404, `${method} ${name}${suffix}: ${r.status}`);
    }
  }
  await fc.assert(
    fc.asyncProperty(fc.string({ unit: 'binary', minLength: 1, maxLength: 20 }), async (name) => {
      cases.tick();
      const r = await call(`${server.url}/api/indexes/${encodeURIComponent(name)}/search`, { method: 'POST', json: { query: 'x' } });
      assertAnswer(r, `name ${JSON.stringify(name)}`, name === 'fz' ? 200 : 'refused');
    }),
    { numRuns: RUNS },
  );
  const requests = [
    Buffer.concat([Buffer.from('GET /api/indexes/'), Buffer.from([0xff, 0xfe, 0x00]), Buffer.from(' HTTP/1.1\r\nHost: x\r\n\r\n')]),
    'GET /api/indexes/../../etc/passwd HTTP/1.1\r\nHost: x\r\n\r\n',
    'GET /api/indexes/..%2f..%2fetc HTTP/1.1\r\nHost: x\r\n\r\n',
    'GET /api/indexes/%2e%2e HTTP/1.1\r\nHost: x\r\n\r\n',
    `GET /api/health HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`,
    'POST /api/indexes/fz/search HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 5\r\n\r\n{"q"',
    'BREW /api/health HTTP/1.1\r\nHost: x\r\n\r\n',
    'GET /api/health HTTP/9.9\r\n\r\n',
  ];
  for (const req of requests) {
    cases.tick();
    const r = await raw(req);
    assertAnswer(r, `raw ${JSON.stringify(req.toString().slice(0, 60))}`);
  }
  await healthy();
});

test('bodies over the limit are 413, also when sent chunked; the server keeps serving', async () => {
  for (const size of [64 * 1024 + 1, 1024 * 1024, 8 * 1024 * 1024]) {
    cases.tick(2);
    const big = JSON.stringify({ query: 'x', pipeline: 'a'.repeat(size) });
    assertAnswer(await post('/api/indexes/fz/search', big), `${size} bytes`, 413);
    // without a content-length the limit must hold while streaming
    const stream = new ReadableStream({
      start(c) {
        for (let i = 0; i < big.length; i += 65536) c.enqueue(new TextEncoder().encode(big.slice(i, i + 65536)));
        c.close();
      },
    });
    const res = await fetch(`${server.url}/api/indexes/fz/search`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: stream,
      duplex: 'half',
    } as RequestInit);
    const body = await res.json().catch(() => null);
    assertAnswer({ status: res.status, body }, `${size} bytes chunked`, 413);
  }
  await healthy();
});
