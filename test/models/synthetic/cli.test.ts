import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { packageRoot } from '../../../src/core/paths.js';
import { tartanSync } from '../../cli/run-cli.js';
import { SHARED, needsShared } from '../../shared-fixtures.js';

const tartan = (args: string[]) => tartanSync(args, { cwd: packageRoot, timeoutMs: 60_000 });

test('tartan models make-synthetic writes a folder and reports it as JSON', needsShared(SHARED.tokenizer), async () => {
  const root = await mkdtemp(join(tmpdir(), 'tartan-synthetic-cli-'));
  try {
    const dir = join(root, 'colbert');
    const r = tartan(['models', 'make-synthetic', dir, '--arch', 'tiny', '--kind', 'colbert', '--dim', '32', '--seed', '4', '--layout', 'pylate', '--json']);
    assert.equal(r.status, 0, r.stderr);
    const report = JSON.parse(r.stdout) as { dir: string; params: number; dim: number; files: { path: string; bytes: number }[] };
    assert.equal(report.dim, 32);
    assert.ok(report.params > 2_000_000);
    for (const f of ['model.onnx', '1_Dense/model.safetensors', 'modules.json', 'tokenizer.json']) {
      const listed = report.files.find((x) => x.path === f);
      assert.ok(listed, `${f} is listed`);
      assert.equal((await stat(join(dir, f))).size, listed.bytes);
    }
  } finally {
    await rm(root, { recursive: true, force: true });
  }
});

test('tartan models make-synthetic --reuse keeps an intact folder', needsShared(SHARED.tokenizer), async () => {
  const root = await mkdtemp(join(tmpdir(), 'tartan-synthetic-cli-'));
  try {
    const args = ['models', 'make-synthetic', join(root, 'm'), '--arch', 'tiny', '--kind', 'cross-encoder', '--reuse', '--json'];
    const first = tartan(args);
    assert.equal(first.status, 0, first.stderr);
    assert.equal(JSON.parse(first.stdout).reused, false);
    const second = tartan(args);
    assert.equal(second.status, 0, second.stderr);
    assert.equal(JSON.parse(second.stdout).reused, true);
  } finally {
    await rm(root, { recursive: true, force: true });
  }
});

test('tartan models make-synthetic refuses --dim for a dense model with E_INVALID_ARGUMENT', async () => {
  const root = await mkdtemp(join(tmpdir(), 'tartan-synthetic-cli-'));
  try {
    const r = tartan(['models', 'make-synthetic', join(root, 'm'), '--arch', 'tiny', '--kind', 'dense', '--dim', '32']);
    assert.notEqual(r.status, 0);
    assert.match(r.stderr, /E_INVALID_ARGUMENT/);
    assert.ok(!existsSync(join(root, 'm', 'model.onnx')));
  } finally {
    await rm(root, { recursive: true, force: true });
  }
});
