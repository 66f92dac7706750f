import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { packageRoot } from '../../src/core/paths.js';

// How the checkout installs: no npm warnings of our own making (unknown .npmrc keys, engines that
// exclude the Node versions the package promises), and onnxruntime-node's install script, which
// only downloads CUDA files from outside the npm registry, does not run.

const ROOT = packageRoot;
const PKG = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
  engines: { node: string };
  allowScripts?: Record<string, boolean>;
};
interface LockEntry {
  version?: string;
  dev?: boolean;
  engines?: { node?: string } | string[];
}
const LOCK = JSON.parse(readFileSync(join(ROOT, 'package-lock.json'), 'utf8')) as { packages: Record<string, LockEntry> };

/** semver is in node_modules through the dev tools (it has no types of its own here). */
const semver = createRequire(import.meta.url)('semver') as {
  satisfies(version: string, range: string): boolean;
  minVersion(range: string): { version: string } | null;
};

test("onnxruntime-node's install script is denied by allowScripts; the packages whose scripts run are approved", () => {
  assert.equal(PKG.allowScripts?.['onnxruntime-node'], false, 'its postinstall would fetch CUDA files from api.nuget.org');
  const scripted = Object.entries(LOCK.packages)
    .filter(([path, p]) => path.startsWith('node_modules/') && (p as { hasInstallScript?: boolean }).hasInstallScript)
    .map(([path]) => path.slice(path.lastIndexOf('node_modules/') + 'node_modules/'.length));
  assert.ok(scripted.includes('onnxruntime-node'), 'the lockfile marks onnxruntime-node as having an install script');
  const unreviewed = scripted.filter((name) => PKG.allowScripts?.[name] === undefined);
  assert.deepEqual(unreviewed, [], 'every dependency with an install script is approved or denied (npm warns about the rest)');
});

test('npm prints no config warning in the checkout (no unknown keys in a project .npmrc)', () => {
  const r = spawnSync('npm', ['config', 'get', 'registry'], { cwd: ROOT, encoding: 'utf8', timeout: 60_000 });
  assert.ifError(r.error);
  assert.equal(r.status, 0, r.stderr);
  assert.doesNotMatch(r.stderr, /npm warn/i, r.stderr);
});

test('the lockfile: no runtime dependency requires a newer Node than package.json engines admits, none at all the running Node (no EBADENGINE in the checkout)', () => {
  const lowest = semver.minVersion(PKG.engines.node)?.version;
  assert.ok(lowest, `engines.node ${PKG.engines.node}`);
  const needs = (p: LockEntry) => (p.engines && !Array.isArray(p.engines) ? p.engines.node : undefined);
  const excluding = (version: string, dev: boolean) =>
    Object.entries(LOCK.packages)
      .filter(([path, p]) => path !== '' && (dev || !p.dev) && needs(p) && !semver.satisfies(version, needs(p)!))
      .map(([path, p]) => `${path}@${p.version} wants node ${needs(p)}`);
  // What a user's install can pull in must run on the oldest Node the package accepts...
  assert.deepEqual(excluding(lowest, false), [], `runtime dependencies on node ${lowest}`);
  // ...and the checkout's own install (dev tools included) must not warn on the Node running these tests.
  assert.deepEqual(excluding(process.versions.node, true), [], `all dependencies on node ${process.versions.node}`);
});
