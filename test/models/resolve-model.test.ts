import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ErrorCodes, isTartanError } from '../../src/core/errors.js';
import { resolveModelDir, resolveModelInfo } from '../../src/models/resolve-model.js';
import { makeSyntheticModel } from '../../src/models/synthetic/index.js';
import { SHARED, sharedSuite } from '../shared-fixtures.js';

const { test, before, after } = sharedSuite(SHARED.tokenizer);

let root = '';
before(async () => {
  root = await mkdtemp(join(tmpdir(), 'tartan-resolve-'));
  await makeSyntheticModel(join(root, 'colbert'), { arch: 'tiny', kind: 'colbert', dim: 24, seed: 1 });
});
after(async () => {
  await rm(root, { recursive: true, force: true });
});

test('a folder path is used as is; registryId attaches that registry entry', async () => {
  const dir = join(root, 'colbert');
  assert.deepEqual(await resolveModelDir(dir, 'colbert'), { dir });
  const withSpec = await resolveModelDir(dir, 'colbert', { registryId: 'colbert-ir/colbertv2.0' });
  assert.equal(withSpec.spec?.id, 'colbert-ir/colbertv2.0');
});

test('resolveModelInfo reads the tokenizer and ColBERT settings without an ONNX session', async () => {
  const info = await resolveModelInfo(join(root, 'colbert'), undefined);
  assert.equal(info.kind, 'colbert');
  assert.ok(info.colbert, 'ColBERT settings read from the folder');
  assert.ok(info.tokenizer.tokenToId('[CLS]') !== undefined);
  assert.ok(!('session' in info), 'no graph was loaded');
});

test('a missing path, a model of the wrong kind and an unknown id give coded errors before any download', async () => {
  await assert.rejects(
    resolveModelDir('./no/such/folder', 'colbert'),
    (e: unknown) => isTartanError(e, ErrorCodes.MODEL_FILES_MISSING) && e.message.includes('./no/such/folder'),
  );
  await assert.rejects(
    resolveModelDir('BAAI/bge-small-en-v1.5', 'colbert', { offline: true }),
    (e: unknown) => isTartanError(e, ErrorCodes.INVALID_ARGUMENT) && /dense model/.test(e.message),
  );
  await assert.rejects(resolveModelDir('nobody/nothing', undefined, { offline: true }), (e: unknown) => isTartanError(e, ErrorCodes.UNKNOWN_MODEL));
});
