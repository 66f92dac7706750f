/**
 * Loads the native MaxSim addon and exposes it typed. The addon comes prebuilt in the package
 * (`prebuilds/<platform>-<arch>/tartan-search.<libc>.node`, made by prebuildify) or compiled at
 * install by node-gyp (`build/Release/tartan_native.node`, which wins when present); node-gyp-build
 * picks the one matching this platform, architecture and C library. Never throws at import: when no
 * build matches, one fails to load, or TARTAN_NATIVE=0 is set, {@link nativeKernels} returns null,
 * {@link nativeStatus} says why, and MaxSim uses the TypeScript kernels (same results, slower).
 */
import { createRequire } from 'node:module';
import { join, sep } from 'node:path';
import { packageRoot } from '../core/paths.js';

/** The addon's raw functions (see native/addon.cc). */
export interface NativeAddon {
  /** Returns the lowest index of a document holding NaN/Infinity, or -1; writes S per document into `out`. */
  score(
    dtype: 0 | 1 | 2,
    query: Float32Array | null,
    query8: Int8Array | null,
    qscales: Float32Array | null,
    qrows: number,
    dim: number,
    docs: Float32Array | Uint16Array | Int8Array,
    dscales: Float32Array | null,
    offsets: Uint32Array,
    weights: Float32Array,
    out: Float32Array,
    threads: number,
  ): number;
  isa(): string;
  supportedIsas(): string[];
  setIsa(isa: string): string;
  /** A pure FMA loop on `threads` threads for `seconds`: GFLOP/s per wall second and per CPU second, summed over threads. */
  peak(threads: number, seconds: number): { gflops: number; gflopsPerCpuSecond: number };
  hardwareThreads(): number;
}

/** Whether the native kernels are in use, the instruction set dispatched, or why not. */
export interface NativeStatus {
  readonly available: boolean;
  readonly isa?: string;
  readonly supportedIsas?: readonly string[];
  /** The addon file in use, or where a compiled one would be. */
  readonly path: string;
  readonly source?: NativeSource;
  readonly reason?: string;
}

/** Where a locally compiled addon goes (node-gyp's output); prebuilt ones live under `prebuilds/`. */
export const nativeAddonPath: string = join(packageRoot, 'build', 'Release', 'tartan_native.node');

/** Where an addon came from: compiled here by node-gyp, or prebuilt and shipped in the package. */
export type NativeSource = 'compiled' | 'prebuilt';

/** The outcome of looking for an addon under one package root. */
export interface NativeLoad {
  readonly addon: NativeAddon | null;
  /** The file loaded or tried; absent when none matched this platform. */
  readonly path?: string;
  readonly source?: NativeSource;
  readonly reason?: string;
}

const requireHere = createRequire(import.meta.url);

/**
 * Finds and loads the addon under `root` (a package root holding `build/Release` or `prebuilds/`).
 * Exposed for tests and `tartan doctor`; use {@link nativeKernels} to score.
 * @example loadNativeAddon(packageRoot).source // 'prebuilt' after `npm install tartan-search`
 */
export function loadNativeAddon(root: string = packageRoot): NativeLoad {
  if (process.env.TARTAN_NATIVE === '0') return { addon: null, reason: 'disabled by TARTAN_NATIVE=0' };
  let path: string;
  try {
    path = (requireHere('node-gyp-build') as { path(dir: string): string }).path(root);
  } catch (e) {
    const detail = e instanceof Error ? e.message.split('\n')[0] : String(e);
    return {
      addon: null,
      reason: `not available: no prebuilt addon for this platform and none compiled (${detail}); install a C++ toolchain and run \`npm rebuild tartan-search\``,
    };
  }
  const source: NativeSource = path.includes(`${sep}prebuilds${sep}`) ? 'prebuilt' : 'compiled';
  try {
    return { addon: requireHere(path) as NativeAddon, path, source };
  } catch (e) {
    return { addon: null, path, source, reason: `failed to load ${path}: ${e instanceof Error ? e.message : String(e)}` };
  }
}

let loaded: NativeLoad | undefined;

function load(): NativeLoad {
  loaded ??= loadNativeAddon();
  return loaded;
}

/** The native addon, or null when it cannot be used (see {@link nativeStatus}). */
export function nativeKernels(): NativeAddon | null {
  return load().addon;
}

/**
 * What the native side can do here.
 * @example nativeStatus() // { available: true, isa: 'avx512', supportedIsas: ['avx512', 'avx2', 'scalar'], ... }
 */
export function nativeStatus(): NativeStatus {
  const { addon, reason, path = nativeAddonPath, source } = load();
  if (!addon) return { available: false, path, source, reason };
  return { available: true, isa: addon.isa(), supportedIsas: addon.supportedIsas(), path, source };
}
