// Where node-gyp and Node's headers are on this machine, shared by the install step
// (build-native.mjs) and the prebuild step (make-prebuilds.mjs).
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';

const prefix = dirname(dirname(process.execPath));

/** npm's own node-gyp: the one npm names to lifecycle scripts, else the copy inside npm beside this node. */
export function bundledNodeGyp() {
  return [process.env.npm_config_node_gyp, join(prefix, 'lib', 'node_modules', 'npm', 'node_modules', 'node-gyp', 'bin', 'node-gyp.js')].find(
    (p) => p && existsSync(p),
  );
}

/** Node's headers when they are installed beside the binary (distribution packages), so node-gyp downloads nothing. */
export function localNodeDir() {
  if (process.env.npm_config_nodedir) return undefined;
  return existsSync(join(prefix, 'include', 'node', 'node_api.h')) ? prefix : undefined;
}
