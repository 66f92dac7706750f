import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { tartan } from './run-cli.js';
import { cpuHasVnni } from '../../src/models/runtime/cpu-features.js';
import { nativeStatus } from '../../src/scoring/maxsim-native.js';

test('doctor --json reports native kernels, int8 capability, precision and folders', async () => {
  const r = await tartan(['doctor', '--json'], { env: { TARTAN_HOME: '/tmp/tartan-doctor-home', TARTAN_PRECISION: 'int8' } });
  assert.equal(r.status, 0, r.stderr);
  const info = JSON.parse(r.stdout) as Record<string, string | number>;
  assert.equal(info.precision, 'int8');
  assert.equal(info.int8Cache, join('/tmp/tartan-doctor-home', 'cache', 'int8'));
  assert.match(String(info.int8), cpuHasVnni() ? /^VNNI: 8-bit/ : /^no VNNI: 7-bit/);
  const native = nativeStatus();
  assert.equal(String(info.native).startsWith('unavailable'), !native.available);
  // which addon: prebuilt (shipped in the package) or compiled here, and its file
  if (native.available) assert.ok(String(info.native).includes(`${native.source}: ${native.path}`), String(info.native));
  assert.equal(typeof info.cores, 'number');
});

test('doctor reports a bad TARTAN_PRECISION instead of failing', async () => {
  const r = await tartan(['doctor'], { env: { TARTAN_PRECISION: 'fp8' } });
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /precision\s+invalid: precision 'fp8' is not one of fp32, int8/);
});
