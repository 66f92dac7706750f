/**
 * Security properties of `tartan serve` and the file inputs, pinned:
 * loopback default bind, API-key-guarded writes compared in constant time,
 * index names that cannot leave the data dir, model choices a client cannot
 * turn into file reads or downloads, CLI inputs that cannot walk out of their
 * folder, and bounded request bodies and time.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync, existsSync, readdirSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import { Command } from 'commander';
import fc from 'fast-check';
import { register as registerServe } from '../../src/cli/commands/serve.js';
import { keyMatches } from '../../src/server/auth.js';
import { validateIndexName } from '../../src/server/index-registry.js';
import { resolveLimits } from '../../src/server/context.js';
import { createDefaultBackend } from '../../src/server/default-backend.js';
import { expandInputs, parseRecord, readDocuments } from '../../src/cli/input-files.js';
import { isTartanError } from '../../src/core/errors.js';
import { packageRoot } from '../../src/core/paths.js';
import { call, startServer } from './start-server.js';

const KEY = 'sec-key-0123456789abcdef';
const temp = mkdtempSync(join(tmpdir(), 'tartan-security-'));
after(() => rmSync(temp, { recursive: true, force: true }));

/** Starts `tartan serve` with `args`; resolves with the listening URL and stderr so far. */
async function serveChild(args: string[]): Promise<{ url: string; stderr: string; stop: () => Promise<void> }> {
  const fromSource = fileURLToPath(import.meta.url).endsWith('.ts');
  const entry = fromSource ? ['--import', 'tsx', join(packageRoot, 'src', 'cli', 'main.ts')] : [join(packageRoot, 'dist', 'src', 'cli', 'main.js')];
  const env = { ...process.env };
  delete env.TARTAN_API_KEY;
  const child = spawn(process.execPath, [...entry, 'serve', '--port', '0', ...args], { cwd: packageRoot, env, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  const url = await new Promise<string>((ok, fail) => {
    const timer = setTimeout(() => fail(new Error(`no "listening" line in 60 s: ${stderr}`)), 60_000);
    child.stderr.on('data', (c: Buffer) => {
      stderr += c.toString();
      const m = /listening on (http:\/\/\S+?)\s/.exec(stderr);
      if (m) {
        clearTimeout(timer);
        ok(m[1]);
      }
    });
    child.on('exit', (code) => {
      clearTimeout(timer);
      fail(new Error(`exited with ${code}: ${stderr}`));
    });
  });
  return {
    url,
    stderr,
    stop: async () => {
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await exited;
    },
  };
}

test('serve binds to loopback by default, and warns when bound elsewhere without an API key', async () => {
  const program = new Command();
  registerServe(program);
  const host = program.commands.find((c) => c.name() === 'serve')!.options.find((o) => o.long === '--host')!;
  assert.equal(host.defaultValue, '127.0.0.1', 'the default --host is loopback');
  const plain = await serveChild([]);
  try {
    assert.match(plain.url, /^http:\/\/127\.0\.0\.1:\d+$/);
    assert.doesNotMatch(plain.stderr, /warning/);
  } finally {
    await plain.stop();
  }
  const open = await serveChild(['--host', '0.0.0.0']);
  try {
    assert.match(open.stderr, /warning: binding 0\.0\.0\.0 without an API key/);
  } finally {
    await open.stop();
  }
});

test('every write route needs the API key (401 before the body is even validated); reads do not', async () => {
  const server = await startServer({ apiKey: KEY });
  try {
    const ok = await call(`${server.url}/api/indexes`, { method: 'POST', headers: { 'x-api-key': KEY }, json: { name: 'guarded' } });
    assert.equal(ok.status, 201, JSON.stringify(ok.body));
    const writes: Array<[string, string, unknown]> = [
      ['POST', '/api/indexes', { name: 'other' }],
      ['POST', '/api/indexes', { junk: true }],
      ['DELETE', '/api/indexes/guarded', undefined],
      ['DELETE', '/api/indexes/does-not-exist', undefined],
      ['POST', '/api/indexes/guarded/documents', { documents: [{ id: 'x', text: 'y' }] }],
      ['POST', '/api/indexes/guarded/documents', 'not even an object'],
      ['DELETE', '/api/indexes/guarded/documents', { ids: ['x'] }],
    ];
    const wrongKeys: Array<Record<string, string>> = [
      {},
      { 'x-api-key': '' },
      { 'x-api-key': KEY.slice(0, -1) },
      { 'x-api-key': `${KEY}x` },
      { 'x-api-key': KEY.toUpperCase() },
      { authorization: KEY },
      { authorization: `Basic ${KEY}` },
      { authorization: 'Bearer ' },
      { authorization: `Bearer ${KEY}x` },
      { 'x-api-key': 'é'.repeat(40) },
    ];
    for (const [method, path, json] of writes) {
      for (const headers of wrongKeys) {
        const r = await call(`${server.url}${path}`, { method, headers, ...(json !== undefined ? { json } : {}) });
        assert.equal(r.status, 401, `${method} ${path} with ${JSON.stringify(headers)}: ${r.status}`);
        assert.equal(r.body.error.code, 'E_UNAUTHORIZED');
      }
    }
    assert.ok(existsSync(join(server.dataDir, 'guarded')) && !existsSync(join(server.dataDir, 'other')), 'no refused write changed the data dir');
    for (const path of ['/api/health', '/api/indexes', '/api/indexes/guarded', '/openapi.json', '/metrics']) {
      assert.equal((await call(`${server.url}${path}`)).status, 200, `GET ${path} needs no key`);
    }
    assert.equal((await call(`${server.url}/api/indexes/guarded/search`, { method: 'POST', json: { query: 'x' } })).status, 200, 'search needs no key');
    const bearer = await call(`${server.url}/api/indexes/guarded`, { method: 'DELETE', headers: { authorization: `bearer   ${KEY}` } });
    assert.equal(bearer.status, 200, 'Authorization: Bearer works, case-insensitively');
  } finally {
    await server.stop();
  }
});

test('API keys are compared as equal-length digests with timingSafeEqual: right for any pair, no throw on length mismatch', () => {
  fc.assert(
    fc.property(
      fc.string({ unit: 'binary', minLength: 1, maxLength: 64 }),
      fc.option(fc.string({ unit: 'binary', maxLength: 200 }), { nil: undefined }),
      (key, presented) => {
        assert.equal(keyMatches(key, presented), presented === key);
        assert.equal(keyMatches(key, key), true);
      },
    ),
    { numRuns: 100 },
  );
  const source = readFileSync(join(packageRoot, 'src', 'server', 'auth.ts'), 'utf8');
  // pins the constant-time design: a plain === on the key would leak its prefix through timing
  assert.match(source, /timingSafeEqual\(digest\(expected\), digest\(presented\)\)/);
});

test('index names: anything accepted stays one level under the data dir; traversal, absolute and NUL names are refused', () => {
  const dataDir = resolve(temp, 'data');
  fc.assert(
    fc.property(
      fc.oneof(
        fc.string({ unit: 'binary', maxLength: 70 }),
        fc.constantFrom('..', '../x', '/etc', 'a/b', 'a\\b', 'a\u0000b', '.x', 'x.', '%2e%2e', 'CON', 'a'.repeat(64), 'a'.repeat(65)),
      ),
      (name) => {
        let accepted = true;
        try {
          validateIndexName(name);
        } catch (e) {
          accepted = false;
          assert.ok(isTartanError(e, 'E_INVALID_ARGUMENT'));
        }
        if (accepted) {
          assert.equal(resolve(dataDir, name), join(dataDir, name));
          assert.equal(resolve(dataDir, name, '..'), dataDir, `${JSON.stringify(name)} escapes the data dir`);
          assert.match(name, /^[a-z0-9][a-z0-9_-]{0,63}$/);
        }
      },
    ),
    { numRuns: 300 },
  );
});

test('a symbolic link in the data dir is not adopted as a deletable index', async () => {
  const builder = await startServer();
  await call(`${builder.url}/api/indexes`, { method: 'POST', json: { name: 'real' } });
  await builder.app.close();
  const dataDir = join(temp, 'linkdata');
  mkdirSync(dataDir);
  // the index folder lives outside; only a link to it is in the data dir
  symlinkSync(join(builder.dataDir, 'real'), join(dataDir, 'linked'));
  const { buildServer } = await import('../../src/server/app.js');
  const app = await buildServer({ backend: createDefaultBackend(), dataDir });
  try {
    const url = await app.listen({ port: 0, host: '127.0.0.1' });
    assert.deepEqual((await call(`${url}/api/health`)).body.indexes, []);
    assert.equal((await call(`${url}/api/indexes/linked`, { method: 'DELETE' })).status, 404);
    assert.ok(existsSync(join(builder.dataDir, 'real', 'manifest.json')), 'the linked index is untouched');
  } finally {
    await app.close();
    rmSync(builder.dataDir, { recursive: true, force: true });
  }
});

test('clients cannot make the server load a model from a path or an arbitrary hub repository', async () => {
  const server = await startServer();
  try {
    for (const model of ['/etc', '../../', resolve(temp), 'some-org/some-repo', 'lexical:0', 'lexical:100000', 'file:///etc/passwd']) {
      const r = await call(`${server.url}/api/indexes`, { method: 'POST', json: { name: 'm', model } });
      assert.equal(r.status, 400, `${model}: ${r.status} ${JSON.stringify(r.body)}`);
      assert.equal(r.body.error.code, 'E_INVALID_ARGUMENT');
    }
    assert.deepEqual(readdirSync(server.dataDir), []);
    assert.equal((await call(`${server.url}/api/indexes`, { method: 'POST', json: { name: 'lex', model: 'lexical:64' } })).status, 201);
  } finally {
    await server.stop();
  }
});

test('CLI inputs: folder walks skip symbolic links (no loops, nothing outside), ids never climb out, odd records are coded', async () => {
  const dir = join(temp, 'inputs');
  mkdirSync(join(dir, 'sub'), { recursive: true });
  writeFileSync(join(dir, 'sub', 'a.txt'), 'inside');
  writeFileSync(join(temp, 'secret.txt'), 'outside the folder');
  symlinkSync(dir, join(dir, 'sub', 'loop'));
  symlinkSync(join(temp, 'secret.txt'), join(dir, 'leak.txt'));
  const files = expandInputs([dir]);
  assert.deepEqual(
    files.map((f) => f.path),
    [join(dir, 'sub', 'a.txt')],
  );
  const docs = [];
  for await (const d of readDocuments(files)) docs.push(d);
  assert.deepEqual(
    docs.map((d) => d.id),
    [join('sub', 'a.txt')],
  );
  assert.equal(expandInputs([join(dir, 'leak.txt')]).length, 1, "a link named explicitly is the user's choice and is followed");
  for (const bad of ['a\u0000b.txt', 42 as unknown as string])
    assert.throws(
      () => expandInputs([bad]),
      (e) => isTartanError(e, 'E_INPUT_FORMAT'),
    );
  for (const line of ['null', '[1]', '"x"', '7'])
    assert.throws(
      () => parseRecord(line, 'f:1'),
      (e) => isTartanError(e, 'E_INPUT_FORMAT'),
      line,
    );
  const rec = parseRecord('{"id":"p","text":"t","__proto__":{"polluted":1},"metadata":{"__proto__":{"x":1},"ok":1,"deep":{"a":1},"inf":1e999}}', 'f:1');
  assert.deepEqual(rec.metadata, { ok: 1 });
  assert.equal(Object.getPrototypeOf(rec.metadata), Object.prototype);
  assert.equal(({} as Record<string, unknown>).polluted, undefined);
});

test('request limits: default body limit is 8 MiB; a request that stalls is cut off; a slow handler gets E_TIMEOUT', async () => {
  assert.equal(resolveLimits().bodyLimit, 8 * 1024 * 1024);
  assert.equal(resolveLimits().requestTimeoutMs, 30_000);
  const backend = createDefaultBackend();
  const slow = {
    ...backend,
    openIndex: backend.openIndex,
    createIndex: async (dir: string, o: { model: string }) => {
      const ix = await backend.createIndex(dir, o);
      return {
        ...ix,
        info: () => ix.info(),
        close: () => ix.close(),
        add: ix.add.bind(ix),
        delete: ix.delete.bind(ix),
        search: async (t: string, so: object) => {
          await sleep(1_000);
          return ix.search(t, so);
        },
      };
    },
  };
  const server = await startServer({ backend: slow, limits: { requestTimeoutMs: 1_000, handlerTimeoutMs: 200 } });
  try {
    await call(`${server.url}/api/indexes`, { method: 'POST', json: { name: 's' } });
    const r = await call(`${server.url}/api/indexes/s/search`, { method: 'POST', json: { query: 'x' } });
    assert.equal(r.status, 503);
    assert.equal(r.body.error.code, 'E_TIMEOUT');
    // headers sent, body promised but never sent: the connection must not stay open forever
    const started = Date.now();
    const closed = await new Promise<string>((done) => {
      const s = net.connect(Number(new URL(server.url).port), '127.0.0.1');
      let got = '';
      s.on('data', (c) => {
        got += c.toString();
      });
      s.on('close', () => done(got));
      s.on('error', () => done(got));
      s.write('POST /api/indexes/s/search HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{"que');
    });
    const waited = Date.now() - started;
    assert.ok(waited < 40_000, `stalled request held for ${waited} ms`);
    if (closed) assert.match(closed, /^HTTP\/1\.1 (408|400)/, closed.slice(0, 100));
    assert.equal((await call(`${server.url}/api/health`)).status, 200);
  } finally {
    await server.stop();
  }
});
