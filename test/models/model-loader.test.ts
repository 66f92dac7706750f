import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ErrorCodes, isTartanError } from '../../src/core/errors.js';
import { TextCrossEncoder } from '../../src/models/encoders/cross-encoder.js';
import { TextEmbedding } from '../../src/models/encoders/dense.js';
import { LateInteractionTextEmbedding } from '../../src/models/encoders/late-interaction.js';
import { loadEncoder, isLocalModelPath } from '../../src/models/model-loader.js';
import { getModelSpec } from '../../src/models/registry.js';
import { makeSyntheticModel } from '../../src/models/synthetic/index.js';
import { FakeHub } from './hub/hub-server.js';
import { SHARED, sharedSuite } from '../shared-fixtures.js';

const { test, before, after } = sharedSuite(SHARED.tokenizer);

let root = '';
before(async () => {
  root = await mkdtemp(join(tmpdir(), 'tartan-loader-'));
  await makeSyntheticModel(join(root, 'colbert'), { arch: 'tiny', kind: 'colbert', dim: 24, seed: 1 });
  await makeSyntheticModel(join(root, 'dense'), { arch: 'tiny', kind: 'dense', seed: 1 });
  await makeSyntheticModel(join(root, 'ce'), { arch: 'tiny', kind: 'cross-encoder', seed: 1 });
});
after(async () => {
  await rm(root, { recursive: true, force: true });
});

test('a local folder loads as the encoder of its kind', async () => {
  assert.equal(isLocalModelPath(join(root, 'dense')), true);
  assert.equal(isLocalModelPath('BAAI/bge-small-en-v1.5'), false);
  const c = await loadEncoder(join(root, 'colbert'), undefined, { threads: 1 });
  const d = await loadEncoder(join(root, 'dense'), undefined, { threads: 1 });
  const x = await loadEncoder(join(root, 'ce'), undefined, { threads: 1 });
  try {
    assert.ok(c instanceof LateInteractionTextEmbedding);
    assert.equal(c.dim, 24);
    assert.ok(d instanceof TextEmbedding);
    assert.ok(x instanceof TextCrossEncoder);
    assert.equal(c.modelId, join(root, 'colbert'));
  } finally {
    await Promise.all([c.dispose(), d.dispose(), x.dispose()]);
  }
});

test('bad ids and paths give coded errors', async () => {
  await assert.rejects(loadEncoder('nobody/nothing'), (e: unknown) => isTartanError(e, ErrorCodes.UNKNOWN_MODEL) && /BAAI\/bge-small-en-v1\.5/.test(e.message));
  await assert.rejects(
    loadEncoder(join(root, 'missing-folder')),
    (e: unknown) => isTartanError(e, ErrorCodes.MODEL_FILES_MISSING) && e.message.includes('missing-folder'),
  );
  await assert.rejects(
    LateInteractionTextEmbedding.load('BAAI/bge-small-en-v1.5'),
    (e: unknown) => isTartanError(e, ErrorCodes.INVALID_ARGUMENT) && /dense/.test(e.message),
  );
  await assert.rejects(loadEncoder('mixedbread-ai/mxbai-edge-colbert-v0-17m'), (e: unknown) => isTartanError(e, ErrorCodes.UNSUPPORTED_MODEL));
});

test('a registry id resolves through the hub cache (real HTTP server on 127.0.0.1), then works offline', async () => {
  const spec = getModelSpec('BAAI/bge-small-en-v1.5');
  const source = join(root, 'dense');
  const served = await Promise.all(
    spec.files.map(async (path) => ({
      path,
      content: await readFile(join(source, path === 'onnx/model.onnx' ? 'model.onnx' : path)),
      lfs: path.endsWith('.onnx'),
    })),
  );
  const hub = await new FakeHub(spec.id, 'a'.repeat(40), served).start();
  const saved = process.env.HF_ENDPOINT;
  process.env.HF_ENDPOINT = hub.url;
  const cacheDir = join(root, 'hub-cache');
  try {
    const model = await TextEmbedding.load(spec.id, { cacheDir, threads: 1, progressBar: false });
    assert.equal(model.modelId, 'BAAI/bge-small-en-v1.5');
    assert.equal(model.dim, 64);
    const [v] = await model.embed(['hello']);
    await model.dispose();
    const before = hub.requests.length;
    const offline = await loadEncoder(spec.id, 'dense', { cacheDir, offline: true, threads: 1 });
    assert.equal(hub.requests.length, before, 'offline load made no request');
    assert.ok(offline instanceof TextEmbedding);
    const [w] = await offline.embed(['hello']);
    assert.deepEqual(Array.from(w), Array.from(v));
    await offline.dispose();
    await assert.rejects(loadEncoder('Xenova/ms-marco-MiniLM-L-6-v2', undefined, { cacheDir, offline: true }), (e: unknown) =>
      isTartanError(e, ErrorCodes.OFFLINE),
    );
  } finally {
    if (saved === undefined) delete process.env.HF_ENDPOINT;
    else process.env.HF_ENDPOINT = saved;
    await hub.close();
  }
});
