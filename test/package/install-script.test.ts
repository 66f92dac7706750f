import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { packageRoot } from '../../src/core/paths.js';
import { nativeAddonPath } from '../../src/scoring/maxsim-native.js';

// The install step (scripts/build-native.mjs) as npm runs it in an installed package: it compiles
// nothing when a prebuilt addon for this platform loads, and otherwise falls through to node-gyp.
// A binding.gyp naming a missing source makes that fall-through visible in seconds: the compile
// fails, and the install must still succeed with the warning.

const noAddon = existsSync(nativeAddonPath) ? false : 'no compiled addon in this checkout (build/Release)';
const BROKEN_GYP = JSON.stringify({ targets: [{ target_name: 'tartan_native', sources: ['native/missing.cc'] }] });

function installedPackage(prebuild: { copy: string } | { text: string }): string {
  const dir = mkdtempSync(join(tmpdir(), 'tartan-install-'));
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'tartan-search', version: '0.0.0' }));
  writeFileSync(join(dir, 'binding.gyp'), BROKEN_GYP);
  symlinkSync(join(packageRoot, 'node_modules'), join(dir, 'node_modules'), 'dir');
  const target = join(dir, 'prebuilds', `${process.platform}-${process.arch}`, 'tartan-search.glibc.node');
  mkdirSync(join(target, '..'), { recursive: true });
  if ('copy' in prebuild) copyFileSync(prebuild.copy, target);
  else writeFileSync(target, prebuild.text);
  return dir;
}

function runInstallStep(dir: string, env: Record<string, string> = {}) {
  const { TARTAN_SKIP_NATIVE: _skip, TARTAN_BUILD_FROM_SOURCE: _force, ...inherited } = process.env;
  return spawnSync(process.execPath, [join(packageRoot, 'scripts', 'build-native.mjs')], {
    cwd: dir,
    encoding: 'utf8',
    env: { ...inherited, ...env },
    timeout: 120_000,
  });
}

test('install step: a loadable prebuilt addon means nothing is compiled', { skip: noAddon || process.platform !== 'linux' }, () => {
  const dir = installedPackage({ copy: nativeAddonPath });
  const r = runInstallStep(dir);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /using the prebuilt native kernels \(.*prebuilds/);
  assert.equal(existsSync(join(dir, 'build')), false, 'node-gyp ran although a prebuilt addon loads');
});

test('install step: a prebuilt addon that does not load falls through to compiling, and a failed compile still installs', () => {
  const dir = installedPackage({ text: 'not a shared object' });
  const r = runInstallStep(dir);
  assert.equal(r.status, 0, r.stderr);
  assert.doesNotMatch(r.stdout, /using the prebuilt/);
  assert.match(r.stderr, /native MaxSim kernels could not be built; the TypeScript kernels will be used/);
});

test('install step: TARTAN_BUILD_FROM_SOURCE=1 compiles even where a prebuilt addon loads', { skip: noAddon || process.platform !== 'linux' }, () => {
  const dir = installedPackage({ copy: nativeAddonPath });
  const r = runInstallStep(dir, { TARTAN_BUILD_FROM_SOURCE: '1' });
  assert.equal(r.status, 0, r.stderr);
  assert.doesNotMatch(r.stdout, /using the prebuilt/);
  assert.match(r.stderr, /could not be built/);
});
