// Builds the native MaxSim kernels with node-gyp at install time. A failed build never fails the
// install: tartan falls back to its TypeScript kernels, with identical results.
import { existsSync } from 'node:fs';
import { spawnSync } from 'node:child_process';

if (process.env.TARTAN_SKIP_NATIVE === '1' || !existsSync('binding.gyp')) process.exit(0);
// npm exposes its bundled node-gyp to lifecycle scripts; outside npm, use the one on PATH.
const gyp = process.env.npm_config_node_gyp;
const r = gyp && existsSync(gyp)
  ? spawnSync(process.execPath, [gyp, 'rebuild', '--release'], { stdio: 'inherit' })
  : spawnSync('node-gyp', ['rebuild', '--release'], { stdio: 'inherit', shell: true });
if (r.status !== 0) {
  console.warn('tartan: native MaxSim kernels could not be built; the TypeScript kernels will be used (same results, slower).');
}
process.exit(0);
