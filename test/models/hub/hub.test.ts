import assert from 'node:assert/strict';
import { existsSync, lstatSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, readlinkSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { createServer } from 'node:net';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { fileURLToPath } from 'node:url';
import { ErrorCodes, type TartanError, isTartanError } from '../../../src/core/errors.js';
import { downloadRepoFiles, ensureModelFiles } from '../../../src/models/hub/hub.js';
import { defaultHubCacheDir } from '../../../src/models/hub/cache.js';
import type { ModelSpec } from '../../../src/models/registry-types.js';
import { getModelSpec } from '../../../src/models/registry.js';
import { fixtureTokenizerDir } from '../../../src/core/paths.js';
import { makeSyntheticModel } from '../../../src/models/synthetic/index.js';
import * as ort from 'onnxruntime-node';
import { FakeHub, type ServedFile, gitBlobSha1, seededBytes, sha256Hex } from './hub-server.js';
import { SHARED, sharedSuite } from '../../shared-fixtures.js';

const { skip, test, before, after, beforeEach } = sharedSuite(SHARED.tokenizer);

const REPO = 'tartan-test/tiny-colbert';
const COMMIT = 'a1b2c3d4e5f60718293a4b5c6d7e8f9001122334';
const tokenizerDir = fixtureTokenizerDir();
/** The served tokenizer files are the real ones; without them (skipped) nothing is read. */
const readServed = (name: string) => (skip ? Buffer.alloc(0) : readFileSync(join(tokenizerDir, name)));
const weights = seededBytes(3 * 1024 * 1024 + 123, 42);
const served: ServedFile[] = [
  { path: 'tokenizer.json', content: readServed('tokenizer.json'), lfs: false },
  { path: 'vocab.txt', content: readServed('vocab.txt'), lfs: false },
  { path: 'tokenizer_config.json', content: readServed('tokenizer_config.json'), lfs: false },
  { path: 'onnx/model.onnx', content: weights, lfs: true },
];
const FILES = served.map((f) => f.path);
const WEIGHTS_SHA = sha256Hex(weights);
const repoFolder = 'models--tartan-test--tiny-colbert';

let hub: FakeHub;
let cacheDir: string;
const scratch: string[] = [];

function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'tartan-hub-'));
  scratch.push(d);
  return d;
}

before(async () => {
  for (const k of ['HF_TOKEN', 'HUGGING_FACE_HUB_TOKEN', 'HF_ENDPOINT', 'HF_HUB_OFFLINE', 'HF_HUB_CACHE', 'HF_HOME']) delete process.env[k];
  // Keep a real token file in the user's home out of these tests.
  process.env.HF_TOKEN_PATH = join(tmpdir(), 'tartan-no-such-token-file');
  hub = await new FakeHub(REPO, COMMIT, served).start();
});

after(async () => {
  await hub.close();
  for (const d of scratch) rmSync(d, { recursive: true, force: true });
});

beforeEach(() => {
  hub.requests.length = 0;
  hub.token = undefined;
  hub.corrupt = false;
  hub.dropAfterBytes = undefined;
  hub.stallAfterBytes = undefined;
  hub.ignoreRange = false;
  delete process.env.HF_HUB_OFFLINE;
  delete process.env.HF_TOKEN;
  delete process.env.HF_ENDPOINT;
  cacheDir = tempDir();
});

function lfsGets(): string[] {
  return hub.requests.filter((r) => r.method === 'GET' && r.url.startsWith('/lfs/')).map((r) => r.range ?? '');
}

async function rejectsWith(p: Promise<unknown>, code: string): Promise<Error> {
  try {
    await p;
  } catch (e) {
    assert.ok(isTartanError(e), `expected a TartanError, got ${String(e)}`);
    assert.equal(e.code, code, e.message);
    return e;
  }
  assert.fail(`expected ${code}, but the call succeeded`);
}

test('download writes the huggingface_hub layout: blobs by etag, relative snapshot symlinks, refs/main', async () => {
  const progress: { file: string; loaded: number; total?: number }[] = [];
  const dir = await downloadRepoFiles(REPO, FILES, { cacheDir, endpoint: hub.url, onProgress: (p) => progress.push(p), progressBar: false });
  const root = join(cacheDir, repoFolder);
  assert.equal(dir, join(root, 'snapshots', COMMIT));
  assert.equal(readFileSync(join(root, 'refs', 'main'), 'utf8'), COMMIT);

  const expectedBlobs = served.map((f) => (f.lfs ? sha256Hex(f.content) : gitBlobSha1(f.content))).sort();
  assert.deepEqual(readdirSync(join(root, 'blobs')).sort(), expectedBlobs);
  for (const f of served) {
    const link = join(dir, ...f.path.split('/'));
    assert.ok(lstatSync(link).isSymbolicLink(), `${f.path} should be a symlink`);
    const blob = f.lfs ? sha256Hex(f.content) : gitBlobSha1(f.content);
    const up = f.path.includes('/') ? '../../../' : '../../';
    assert.equal(readlinkSync(link), `${up}blobs/${blob}`);
    assert.ok(readFileSync(link).equals(f.content), `${f.path} content differs`);
  }
  const last = progress.filter((p) => p.file === 'onnx/model.onnx').at(-1);
  assert.deepEqual(last, { file: 'onnx/model.onnx', loaded: weights.length, total: weights.length });
  assert.deepEqual(readdirSync(join(cacheDir, '.locks', repoFolder)), [], 'lock files are removed');
});

test('a cached revision is served without any request', async () => {
  await downloadRepoFiles(REPO, FILES, { cacheDir, endpoint: hub.url, progressBar: false });
  hub.requests.length = 0;
  const dir = await downloadRepoFiles(REPO, FILES, { cacheDir, endpoint: hub.url, progressBar: false });
  assert.equal(dir, join(cacheDir, repoFolder, 'snapshots', COMMIT));
  assert.deepEqual(hub.requests, []);
});

test('a cache laid out by Python huggingface_hub is reused, online or offline, without requests', async () => {
  const root = join(cacheDir, repoFolder);
  const commit = 'f'.repeat(40);
  mkdirSync(join(root, 'blobs'), { recursive: true });
  mkdirSync(join(root, 'snapshots', commit, 'onnx'), { recursive: true });
  mkdirSync(join(root, 'refs'), { recursive: true });
  for (const f of served) {
    const blob = f.lfs ? sha256Hex(f.content) : gitBlobSha1(f.content);
    writeFileSync(join(root, 'blobs', blob), f.content);
    symlinkSync(`${f.path.includes('/') ? '../../../' : '../../'}blobs/${blob}`, join(root, 'snapshots', commit, ...f.path.split('/')));
  }
  writeFileSync(join(root, 'refs', 'main'), commit);
  assert.equal(await downloadRepoFiles(REPO, FILES, { cacheDir, endpoint: hub.url }), join(root, 'snapshots', commit));
  process.env.HF_HUB_OFFLINE = '1';
  assert.equal(await downloadRepoFiles(REPO, FILES, { cacheDir, endpoint: hub.url }), join(root, 'snapshots', commit));
  assert.deepEqual(hub.requests, []);
});

test('a dropped connection is resumed with a Range request and the blob has the right sha256', async () => {
  hub.dropAfterBytes = 1_000_000;
  const dir = await downloadRepoFiles(REPO, FILES, { cacheDir, endpoint: hub.url, progressBar: false });
  const gets = lfsGets();
  assert.equal(gets.length, 2, `two storage requests: ${gets.join(' | ')}`);
  assert.equal(gets[0], '');
  // The resume starts where the kept bytes end: somewhere inside what the server sent before dropping.
  const resumedAt = Number(/^bytes=(\d+)-$/.exec(gets[1])?.[1]);
  assert.ok(resumedAt > 0 && resumedAt <= 1_000_000, `resumed at ${gets[1]}`);
  assert.equal(sha256Hex(readFileSync(join(dir, 'onnx', 'model.onnx'))), WEIGHTS_SHA);
  assert.ok(!existsSync(join(cacheDir, repoFolder, 'blobs', `${WEIGHTS_SHA}.incomplete`)));
});

test('a transfer that stalls is abandoned after the download timeout and resumed', async () => {
  hub.stallAfterBytes = 500_000;
  const dir = await downloadRepoFiles(REPO, ['onnx/model.onnx'], { cacheDir, endpoint: hub.url, progressBar: false, downloadTimeoutSeconds: 0.3 });
  const gets = lfsGets();
  assert.equal(gets.length, 2, gets.join(' | '));
  assert.match(gets[1], /^bytes=\d+-$/);
  assert.equal(sha256Hex(readFileSync(join(dir, 'onnx', 'model.onnx'))), WEIGHTS_SHA);
});

test('a partial file left by an earlier run is resumed from its length', async () => {
  const blobs = join(cacheDir, repoFolder, 'blobs');
  mkdirSync(blobs, { recursive: true });
  writeFileSync(join(blobs, `${WEIGHTS_SHA}.incomplete`), weights.subarray(0, 777_777));
  const dir = await downloadRepoFiles(REPO, ['onnx/model.onnx'], { cacheDir, endpoint: hub.url, progressBar: false });
  assert.deepEqual(lfsGets(), ['bytes=777777-']);
  assert.ok(readFileSync(join(dir, 'onnx', 'model.onnx')).equals(weights));
});

test('a server that ignores Range gets a fresh download: the kept part is replaced, not appended to', async () => {
  hub.ignoreRange = true;
  const blobs = join(cacheDir, repoFolder, 'blobs');
  mkdirSync(blobs, { recursive: true });
  writeFileSync(join(blobs, `${WEIGHTS_SHA}.incomplete`), Buffer.alloc(4096, 7));
  const dir = await downloadRepoFiles(REPO, ['onnx/model.onnx'], { cacheDir, endpoint: hub.url, progressBar: false });
  assert.deepEqual(lfsGets(), ['bytes=4096-']);
  assert.ok(readFileSync(join(dir, 'onnx', 'model.onnx')).equals(weights));
});

test('a kept part that does not match the file fails the checksum and is deleted, so the next run starts clean', async () => {
  const blobs = join(cacheDir, repoFolder, 'blobs');
  mkdirSync(blobs, { recursive: true });
  writeFileSync(join(blobs, `${WEIGHTS_SHA}.incomplete`), Buffer.alloc(4096, 7));
  await rejectsWith(downloadRepoFiles(REPO, ['onnx/model.onnx'], { cacheDir, endpoint: hub.url, progressBar: false }), ErrorCodes.CHECKSUM_MISMATCH);
  assert.ok(!existsSync(join(blobs, `${WEIGHTS_SHA}.incomplete`)));
  const dir = await downloadRepoFiles(REPO, ['onnx/model.onnx'], { cacheDir, endpoint: hub.url, progressBar: false });
  assert.ok(readFileSync(join(dir, 'onnx', 'model.onnx')).equals(weights));
});

test('corrupted content fails with CHECKSUM_MISMATCH and leaves no blob, partial file, link or ref', async () => {
  hub.corrupt = true;
  const err = await rejectsWith(downloadRepoFiles(REPO, FILES, { cacheDir, endpoint: hub.url, progressBar: false }), ErrorCodes.CHECKSUM_MISMATCH);
  assert.match(err.message, /onnx\/model\.onnx/);
  assert.match(err.message, new RegExp(WEIGHTS_SHA));
  const root = join(cacheDir, repoFolder);
  assert.ok(!existsSync(join(root, 'blobs', WEIGHTS_SHA)));
  assert.ok(!existsSync(join(root, 'blobs', `${WEIGHTS_SHA}.incomplete`)));
  assert.ok(!existsSync(join(root, 'snapshots', COMMIT, 'onnx', 'model.onnx')));
  assert.ok(!existsSync(join(root, 'refs', 'main')));
});

test('HF_HUB_OFFLINE=1 with nothing cached fails with OFFLINE naming every file and the folder, without requests', async () => {
  process.env.HF_HUB_OFFLINE = '1';
  const err = await rejectsWith(downloadRepoFiles(REPO, FILES, { cacheDir, endpoint: hub.url }), ErrorCodes.OFFLINE);
  for (const f of FILES) assert.ok(err.message.includes(f), `message names ${f}: ${err.message}`);
  assert.ok(err.message.includes(join(cacheDir, repoFolder, 'snapshots')), err.message);
  assert.ok(err.message.includes(join(cacheDir, repoFolder, 'refs', 'main')), err.message);
  assert.match(err.message, /--model <local folder>/);

  // Following the message's instructions by hand makes the same call succeed, still offline.
  const { folder, refFile } = (err as TartanError).details as { folder: string; refFile: string };
  const word = /write the word '([^']+)'/.exec(err.message)?.[1];
  assert.ok(word, err.message);
  for (const f of served) {
    mkdirSync(dirname(join(folder, f.path)), { recursive: true });
    writeFileSync(join(folder, f.path), f.content);
  }
  mkdirSync(dirname(refFile), { recursive: true });
  writeFileSync(refFile, word);
  assert.equal(await downloadRepoFiles(REPO, FILES, { cacheDir, endpoint: hub.url }), folder);
  assert.deepEqual(hub.requests, []);
});

test('OFFLINE after a partial cache names only the missing file and the snapshot of the cached commit', async () => {
  await downloadRepoFiles(REPO, ['tokenizer.json'], { cacheDir, endpoint: hub.url, progressBar: false });
  const err = await rejectsWith(downloadRepoFiles(REPO, ['tokenizer.json', 'vocab.txt'], { cacheDir, endpoint: hub.url, offline: true }), ErrorCodes.OFFLINE);
  assert.match(err.message, /Missing from the cache: vocab\.txt\./);
  assert.ok(err.message.includes(join(cacheDir, repoFolder, 'snapshots', COMMIT)), err.message);
});

test('an unreachable hub fails with OFFLINE naming the files', async () => {
  const port = await new Promise<number>((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const p = (s.address() as { port: number }).port;
      s.close(() => resolve(p));
    });
  });
  const err = await rejectsWith(downloadRepoFiles(REPO, FILES, { cacheDir, endpoint: `http://127.0.0.1:${port}` }), ErrorCodes.OFFLINE);
  assert.match(err.message, /unreachable \(ECONNREFUSED\)/);
  for (const f of FILES) assert.ok(err.message.includes(f));
});

test('a hub that accepts connections but never answers times out into OFFLINE', async () => {
  const silent = createServer(() => undefined);
  await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
  try {
    const port = (silent.address() as { port: number }).port;
    const err = await rejectsWith(downloadRepoFiles(REPO, FILES, { cacheDir, endpoint: `http://127.0.0.1:${port}`, timeoutSeconds: 0.3 }), ErrorCodes.OFFLINE);
    assert.match(err.message, /unreachable \(ETIMEDOUT\)/);
  } finally {
    silent.close();
  }
});

test('a gated repository needs HF_TOKEN: 401 without it, download with it', async () => {
  hub.token = 'hf_secret';
  const err = await rejectsWith(downloadRepoFiles(REPO, FILES, { cacheDir, endpoint: hub.url }), ErrorCodes.AUTH_REQUIRED);
  assert.match(err.message, /HF_TOKEN/);
  process.env.HF_TOKEN = 'hf_secret';
  const dir = await downloadRepoFiles(REPO, FILES, { cacheDir, endpoint: hub.url, progressBar: false });
  assert.ok(readFileSync(join(dir, 'onnx', 'model.onnx')).equals(weights));
  assert.ok(hub.requests.filter((r) => r.authorization === 'Bearer hf_secret').length >= FILES.length);
});

test('a file missing from the repository fails with MODEL_FILES_MISSING naming file and repo', async () => {
  const err = await rejectsWith(
    downloadRepoFiles(REPO, ['tokenizer.json', 'onnx/missing.onnx'], { cacheDir, endpoint: hub.url }),
    ErrorCodes.MODEL_FILES_MISSING,
  );
  assert.ok(err.message.includes('onnx/missing.onnx') && err.message.includes(REPO), err.message);
});

test('HF_ENDPOINT is used when no endpoint is given; ensureModelFiles takes a registry spec', async () => {
  process.env.HF_ENDPOINT = hub.url;
  const spec = { id: REPO, files: ['tokenizer.json', 'onnx/model.onnx'] } as ModelSpec;
  const dir = await ensureModelFiles(spec, { cacheDir, progressBar: false });
  assert.equal(dir, join(cacheDir, repoFolder, 'snapshots', COMMIT));
  assert.ok(hub.requests.some((r) => r.url === `/${REPO}/resolve/main/tokenizer.json`));
});

test('two concurrent downloads of the same blob fetch it once and both succeed', async () => {
  const opts = { cacheDir, endpoint: hub.url, progressBar: false };
  const [a, b] = await Promise.all([downloadRepoFiles(REPO, ['onnx/model.onnx'], opts), downloadRepoFiles(REPO, ['onnx/model.onnx'], opts)]);
  assert.equal(a, b);
  assert.equal(lfsGets().length, 1);
  assert.equal(sha256Hex(readFileSync(join(a, 'onnx', 'model.onnx'))), WEIGHTS_SHA);
});

test('--refresh moves refs/main to a new commit, reusing unchanged blobs; unreachable, it keeps the cached one', async () => {
  await downloadRepoFiles(REPO, FILES, { cacheDir, endpoint: hub.url, progressBar: false });
  const newCommit = 'b'.repeat(40);
  const changed = served.map((f) => (f.path === 'tokenizer_config.json' ? { ...f, content: Buffer.from('{"do_lower_case": true}') } : f));
  const next = await new FakeHub(REPO, newCommit, changed).start();
  const closedUrl = next.url;
  try {
    const root = join(cacheDir, repoFolder);
    assert.equal(await downloadRepoFiles(REPO, FILES, { cacheDir, endpoint: next.url }), join(root, 'snapshots', COMMIT), 'no refresh: cached');
    assert.equal(next.requests.length, 0);
    const dir = await downloadRepoFiles(REPO, FILES, { cacheDir, endpoint: next.url, refresh: true, progressBar: false });
    assert.equal(dir, join(root, 'snapshots', newCommit));
    assert.equal(readFileSync(join(root, 'refs', 'main'), 'utf8'), newCommit);
    assert.equal(readFileSync(join(dir, 'tokenizer_config.json'), 'utf8'), '{"do_lower_case": true}');
    const bodies = next.requests.filter((r) => r.method === 'GET');
    assert.deepEqual(
      bodies.map((r) => r.url),
      [`/${REPO}/resolve/${newCommit}/tokenizer_config.json`],
      'only the changed file is fetched',
    );
  } finally {
    await next.close();
  }
  const again = await downloadRepoFiles(REPO, FILES, { cacheDir, endpoint: closedUrl, refresh: true });
  assert.equal(again, join(cacheDir, repoFolder, 'snapshots', newCommit));
});

test('the cache folder follows HF_HUB_CACHE, then HF_HOME/hub, then XDG_CACHE_HOME', () => {
  assert.equal(defaultHubCacheDir({ HF_HUB_CACHE: '/a/hub', HF_HOME: '/b' }), '/a/hub');
  assert.equal(defaultHubCacheDir({ HF_HOME: '/b' }), '/b/hub');
  assert.equal(defaultHubCacheDir({ XDG_CACHE_HOME: '/c' }), '/c/huggingface/hub');
});

const runFile = promisify(execFile);

/** Runs the CLI from source (tsx) or from dist, matching how this test file itself is running. */
async function tartan(args: string[], env: NodeJS.ProcessEnv): Promise<{ stdout: string; stderr: string }> {
  const fromSource = import.meta.url.endsWith('.ts');
  const main = fileURLToPath(new URL(`../../../src/cli/main.${fromSource ? 'ts' : 'js'}`, import.meta.url));
  const node = fromSource ? ['--import', 'tsx', main] : [main];
  return runFile(process.execPath, [...node, ...args], { env: { ...process.env, ...env }, timeout: 180_000 });
}

test('CLI: two concurrent `models pull --json` processes share one download and print the snapshot', async () => {
  const env = { HF_ENDPOINT: hub.url, HF_HUB_CACHE: cacheDir };
  const args = ['models', 'pull', REPO, '--files', FILES.join(','), '--json'];
  const [a, b] = await Promise.all([tartan(args, env), tartan(args, env)]);
  const expected = {
    id: REPO,
    path: join(cacheDir, repoFolder, 'snapshots', COMMIT),
    files: served.map((f) => ({ path: f.path, bytes: f.content.length })),
  };
  assert.deepEqual(JSON.parse(a.stdout), expected);
  assert.deepEqual(JSON.parse(b.stdout), expected);
  assert.equal(lfsGets().length, 1, 'the weights are fetched by one process only');
});

test('CLI: `models pull` offline reports E_OFFLINE as JSON with a non-zero exit', async () => {
  const env = { HF_ENDPOINT: hub.url, HF_HUB_CACHE: cacheDir, HF_HUB_OFFLINE: '1' };
  await assert.rejects(tartan(['models', 'pull', REPO, '--files', 'tokenizer.json', '--json'], env), (e: { code?: number; stdout?: string }) => {
    assert.equal(e.code, 1);
    const out = JSON.parse(e.stdout ?? '') as { error: { code: string; message: string } };
    assert.equal(out.error.code, ErrorCodes.OFFLINE);
    assert.match(out.error.message, /tokenizer\.json/);
    return true;
  });
});

test('a synthetic ONNX model served as a hub repository downloads into a snapshot onnxruntime can open', async () => {
  const made = await makeSyntheticModel(tempDir(), { arch: 'tiny', kind: 'colbert' });
  const files: ServedFile[] = made.files.map((f) => ({ path: f.path, content: readFileSync(join(made.dir, f.path)), lfs: f.path.endsWith('.onnx') }));
  const modelHub = await new FakeHub('tartan-test/synthetic-colbert', COMMIT, files).start();
  try {
    const dir = await downloadRepoFiles(
      'tartan-test/synthetic-colbert',
      files.map((f) => f.path),
      { cacheDir, endpoint: modelHub.url, progressBar: false },
    );
    const session = await ort.InferenceSession.create(join(dir, 'model.onnx'));
    assert.ok(session.inputNames.includes('input_ids'), `inputs: ${session.inputNames.join(', ')}`);
    await session.release();
    for (const f of files) assert.ok(readFileSync(join(dir, f.path)).equals(f.content), f.path);
  } finally {
    await modelHub.close();
  }
});

test('CLI: `models pull <registry id>` fetches the files the registry lists', async () => {
  const spec = getModelSpec('colbert-ir/colbertv2.0');
  const files: ServedFile[] = spec.files.map((path, i) => ({ path, content: seededBytes(1000 + i, i + 1), lfs: path.endsWith('.onnx') }));
  const registryHub = await new FakeHub(spec.id, COMMIT, files).start();
  try {
    const { stdout } = await tartan(['models', 'pull', spec.id], { HF_ENDPOINT: registryHub.url, HF_HUB_CACHE: cacheDir });
    const dir = stdout.trim();
    assert.equal(dir, join(cacheDir, 'models--colbert-ir--colbertv2.0', 'snapshots', COMMIT));
    for (const f of files) assert.ok(readFileSync(join(dir, f.path)).equals(f.content), f.path);
  } finally {
    await registryHub.close();
  }
});
