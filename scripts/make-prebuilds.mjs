// Builds the prebuilt native addon for this platform (or `--arch <arch>` with a cross compiler
// in CC/CXX/LINK and PREBUILD_STRIP_BIN) into prebuilds/<platform>-<arch>/tartan-search.<libc>.node,
// the layout node-gyp-build loads. One N-API build serves every Node version >= 20. Run by
// .github/workflows/release.yml on each platform before `npm pack`; extra arguments go to prebuildify.
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { bundledNodeGyp, localNodeDir } from './node-gyp-env.mjs';

const require = createRequire(import.meta.url);
const prebuildify = join(dirname(require.resolve('prebuildify/package.json')), 'bin.js');
const env = { ...process.env };
const nodedir = localNodeDir();
if (nodedir) env.npm_config_nodedir = nodedir;
const nodeGyp = bundledNodeGyp();
if (nodeGyp && !env.PREBUILD_NODE_GYP) env.PREBUILD_NODE_GYP = nodeGyp;

const args = ['--napi', '--strip', ...(process.platform === 'linux' ? ['--tag-libc'] : []), ...process.argv.slice(2)];
const r = spawnSync(process.execPath, [prebuildify, ...args], { stdio: 'inherit', env });
process.exit(r.status ?? 1);
