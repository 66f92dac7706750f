// The package's install step for the native MaxSim kernels. When a prebuilt addon for this
// platform ships in the package (prebuilds/, see .github/workflows/release.yml) and loads, nothing
// is compiled. Otherwise node-gyp compiles native/ here; a failed build never fails the install:
// tartan falls back to its TypeScript kernels, with identical results.
// TARTAN_SKIP_NATIVE=1 skips this step; `npm install --build-from-source` (or
// TARTAN_BUILD_FROM_SOURCE=1) compiles even where a prebuilt addon exists.
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, sep } from 'node:path';
import { spawnSync } from 'node:child_process';
import { bundledNodeGyp, localNodeDir } from './node-gyp-env.mjs';

if (process.env.TARTAN_SKIP_NATIVE === '1' || !existsSync('binding.gyp')) process.exit(0);

const fromSource = process.env.TARTAN_BUILD_FROM_SOURCE === '1' || process.env.npm_config_build_from_source === 'true';
if (!fromSource) {
  const prebuilt = loadablePrebuild();
  if (prebuilt) {
    console.log(`tartan: using the prebuilt native kernels (${prebuilt})`);
    process.exit(0);
  }
}

const bundled = bundledNodeGyp();
const nodedir = localNodeDir();
const args = ['rebuild', '--release', ...(nodedir ? [`--nodedir=${nodedir}`] : [])];
const r = bundled ? spawnSync(process.execPath, [bundled, ...args], { stdio: 'inherit' }) : spawnSync('node-gyp', args, { stdio: 'inherit', shell: true });
if (r.status !== 0) {
  console.warn('tartan: native MaxSim kernels could not be built; the TypeScript kernels will be used (same results, slower).');
}
process.exit(0);

/** The prebuilt addon node-gyp-build would pick here, if one matches this platform and loads. */
function loadablePrebuild() {
  const require = createRequire(join(process.cwd(), 'package.json'));
  try {
    const path = require('node-gyp-build').path(process.cwd());
    if (!path.includes(`${sep}prebuilds${sep}`)) return null;
    require(path);
    return path;
  } catch {
    return null;
  }
}
