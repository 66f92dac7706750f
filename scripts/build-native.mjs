// Builds the native MaxSim kernels with node-gyp at install time. A failed build never fails the
// install: tartan falls back to its TypeScript kernels, with identical results.
// Set TARTAN_SKIP_NATIVE=1 to skip the build.
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { spawnSync } from 'node:child_process';

if (process.env.TARTAN_SKIP_NATIVE === '1' || !existsSync('binding.gyp')) process.exit(0);

// npm exposes its bundled node-gyp to lifecycle scripts; outside npm, look for the node-gyp that
// ships inside npm next to this node binary, then for one on PATH.
const prefix = dirname(dirname(process.execPath));
const bundled = [process.env.npm_config_node_gyp, join(prefix, 'lib', 'node_modules', 'npm', 'node_modules', 'node-gyp', 'bin', 'node-gyp.js')].find(
  (p) => p && existsSync(p),
);
// Where Node's own headers are installed beside the binary (distribution packages), use them so
// node-gyp never needs to download headers.
const args = ['rebuild', '--release'];
if (!process.env.npm_config_nodedir && existsSync(join(prefix, 'include', 'node', 'node_api.h'))) args.push(`--nodedir=${prefix}`);

const r = bundled ? spawnSync(process.execPath, [bundled, ...args], { stdio: 'inherit' }) : spawnSync('node-gyp', args, { stdio: 'inherit', shell: true });
if (r.status !== 0) {
  console.warn('tartan: native MaxSim kernels could not be built; the TypeScript kernels will be used (same results, slower).');
}
process.exit(0);
