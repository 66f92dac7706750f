/**
 * `tartan serve` as a user starts it: a child process on a free loopback
 * port, serving an index given with --index, stopped with SIGTERM.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { packageRoot } from '../../src/core/paths.js';
import { call, startServer } from './start-server.js';

const fromSource = fileURLToPath(import.meta.url).endsWith('.ts');
const entry = fromSource ? ['--import', 'tsx', join(packageRoot, 'src', 'cli', 'main.ts')] : [join(packageRoot, 'dist', 'src', 'cli', 'main.js')];

test('tartan serve --index serves an existing index on loopback and stops on SIGTERM', async () => {
  // Build an index through the API, then serve its folder from the CLI.
  const builder = await startServer();
  await call(`${builder.url}/api/indexes`, { method: 'POST', json: { name: 'built' } });
  await call(`${builder.url}/api/indexes/built/documents`, {
    method: 'POST',
    json: {
      documents: [
        { id: 'a', text: 'Aspirin lowers fever.' },
        { id: 'b', text: 'Sunny weather.' },
      ],
    },
  });
  await builder.app.close();
  const dataDir = mkdtempSync(join(tmpdir(), 'tartan-serve-cli-'));
  const child = spawn(
    process.execPath,
    [...entry, 'serve', '--index', `scifact=${join(builder.dataDir, 'built')}`, '--port', '0', '--data-dir', dataDir, '--api-key', 'k'],
    {
      cwd: packageRoot,
      stdio: ['ignore', 'ignore', 'pipe'],
    },
  );
  try {
    let stderr = '';
    const url = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no "listening" line in 60 s; stderr: ${stderr}`)), 60_000);
      child.stderr.on('data', (chunk: Buffer) => {
        stderr += chunk.toString();
        const m = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(stderr);
        if (m) {
          clearTimeout(timer);
          resolve(m[1]);
        }
      });
      child.on('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`exited with ${code}: ${stderr}`));
      });
    });
    const health = await call(`${url}/api/health`);
    assert.deepEqual(health.body.indexes, ['scifact']);
    assert.equal(health.body.writesNeedKey, true);
    const hits = await call(`${url}/api/indexes/scifact/search`, { method: 'POST', json: { query: 'fever', k: 1 } });
    assert.equal(hits.body.hits[0].id, 'a');
    const page = await fetch(`${url}/`);
    assert.match(await page.text(), /<title>tartan/);
    assert.match(page.headers.get('content-security-policy') ?? '', /default-src 'self'/);
    // an index opened with --index is not deletable over HTTP
    const del = await call(`${url}/api/indexes/scifact`, { method: 'DELETE', headers: { 'x-api-key': 'k' } });
    assert.equal(del.status, 400);
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    child.kill('SIGTERM');
    assert.equal(await exited, 0);
  } finally {
    if (child.exitCode === null) child.kill('SIGKILL');
    rmSync(dataDir, { recursive: true, force: true });
    rmSync(builder.dataDir, { recursive: true, force: true });
  }
});
