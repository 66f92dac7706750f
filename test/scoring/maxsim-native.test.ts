import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, sep } from 'node:path';
import { loadNativeAddon, nativeAddonPath } from '../../src/scoring/maxsim-native.js';

// How the loader picks the addon: a prebuilt one shipped in the package under
// prebuilds/<platform>-<arch>/, a locally compiled one (which wins), or none (TypeScript kernels).
// Each case is a throw-away package root holding copies of the addon compiled in this checkout.

const noAddon = existsSync(nativeAddonPath) ? false : 'no compiled addon in this checkout (build/Release)';
const PLATFORM = `${process.platform}-${process.arch}`;
const OTHER_ARCH = process.arch === 'arm64' ? 'x64' : 'arm64';

/** A package root with the given files: each key a relative path, each value the file to copy or text to write. */
function packageRootWith(files: Record<string, { copy: string } | { text: string }>): string {
  const root = mkdtempSync(join(tmpdir(), 'tartan-native-'));
  writeFileSync(join(root, 'package.json'), JSON.stringify({ name: 'tartan-search' }));
  for (const [rel, content] of Object.entries(files)) {
    const path = join(root, rel);
    mkdirSync(join(path, '..'), { recursive: true });
    if ('copy' in content) copyFileSync(content.copy, path);
    else writeFileSync(path, content.text);
  }
  return root;
}

const prebuilt = (platform: string, libc = 'glibc'): string => `prebuilds/${platform}/tartan-search.${libc}.node`;

/** loadNativeAddon(root) in a fresh node process with extra environment (node-gyp-build reads LIBC at load). */
function loadInChild(root: string, env: Record<string, string>): { available: boolean; source?: string; reason?: string } {
  const loader = new URL('../../src/scoring/maxsim-native.js', import.meta.url).href;
  const code = `import { loadNativeAddon } from ${JSON.stringify(loader)};
const r = loadNativeAddon(${JSON.stringify(root)});
console.log(JSON.stringify({ available: r.addon !== null, source: r.source, reason: r.reason }));`;
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', code], { encoding: 'utf8', env: { ...process.env, ...env } });
  assert.equal(r.status, 0, r.stderr);
  return JSON.parse(r.stdout) as { available: boolean; source?: string; reason?: string };
}

test('a prebuilt addon for this platform loads when nothing was compiled', { skip: noAddon }, () => {
  const root = packageRootWith({ [prebuilt(PLATFORM)]: { copy: nativeAddonPath } });
  const r = loadNativeAddon(root);
  assert.ok(r.addon, r.reason);
  assert.equal(r.source, 'prebuilt');
  assert.ok(r.path?.includes(`${sep}prebuilds${sep}${PLATFORM}${sep}`), r.path);
  assert.ok(r.addon.supportedIsas().includes(r.addon.isa()));
});

test('a locally compiled addon wins over the prebuilt one', { skip: noAddon }, () => {
  const root = packageRootWith({
    [prebuilt(PLATFORM)]: { copy: nativeAddonPath },
    'build/Release/tartan_native.node': { copy: nativeAddonPath },
  });
  const r = loadNativeAddon(root);
  assert.ok(r.addon, r.reason);
  assert.equal(r.source, 'compiled');
  assert.equal(r.path, join(root, 'build', 'Release', 'tartan_native.node'));
});

test('no build for this platform: no addon, and the reason names the platform and the way out', { skip: noAddon }, () => {
  const root = packageRootWith({ [prebuilt(`${process.platform}-${OTHER_ARCH}`)]: { copy: nativeAddonPath } });
  const r = loadNativeAddon(root);
  assert.equal(r.addon, null);
  assert.equal(r.path, undefined);
  assert.match(r.reason ?? '', /no prebuilt addon for this platform/);
  assert.match(r.reason ?? '', new RegExp(`platform=${process.platform} arch=${process.arch}`));
  assert.match(r.reason ?? '', /npm rebuild tartan-search/);
});

test('prebuilds are told apart by C library: a musl build is not loaded on glibc, and is on musl', { skip: noAddon || process.platform !== 'linux' }, () => {
  // The file is the glibc addon renamed, which a musl-tagged lookup still loads here: what is
  // pinned is which file the loader selects for each C library.
  const root = packageRootWith({ [prebuilt(PLATFORM, 'musl')]: { copy: nativeAddonPath } });
  assert.equal(loadInChild(root, { LIBC: 'glibc' }).available, false);
  const musl = loadInChild(root, { LIBC: 'musl' });
  assert.equal(musl.available, true, musl.reason);
  assert.equal(musl.source, 'prebuilt');
});

test('a prebuilt file that does not load is reported with its path, not thrown', () => {
  const root = packageRootWith({ [prebuilt(PLATFORM)]: { text: 'not a shared object' } });
  const r = loadNativeAddon(root);
  assert.equal(r.addon, null);
  assert.equal(r.source, 'prebuilt');
  assert.match(r.reason ?? '', /^failed to load .*tartan-search\.glibc\.node/);
});

test('TARTAN_NATIVE=0 turns the addon off even where one loads', { skip: noAddon }, () => {
  const root = packageRootWith({ [prebuilt(PLATFORM)]: { copy: nativeAddonPath } });
  const r = loadInChild(root, { TARTAN_NATIVE: '0' });
  assert.equal(r.available, false);
  assert.equal(r.reason, 'disabled by TARTAN_NATIVE=0');
});
