/**
 * Loads the native MaxSim addon (`build/Release/tartan_native.node`, built by
 * node-gyp at install) and exposes it typed. Never throws at import: when the addon
 * is missing, fails to load, or TARTAN_NATIVE=0 is set, {@link nativeKernels}
 * returns null and {@link nativeStatus} says why, and MaxSim uses the TypeScript kernels.
 */
import { createRequire } from 'node:module';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
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
  readonly path: string;
  readonly reason?: string;
}

/** Where the addon is expected. */
export const nativeAddonPath: string = join(packageRoot, 'build', 'Release', 'tartan_native.node');

let loaded: { addon: NativeAddon | null; reason?: string } | undefined;

function load(): { addon: NativeAddon | null; reason?: string } {
  if (loaded) return loaded;
  if (process.env.TARTAN_NATIVE === '0') loaded = { addon: null, reason: 'disabled by TARTAN_NATIVE=0' };
  else if (!existsSync(nativeAddonPath))
    loaded = { addon: null, reason: `not built (no ${nativeAddonPath}; run \`npx node-gyp rebuild\` or reinstall with a C++ compiler)` };
  else {
    try {
      loaded = { addon: createRequire(import.meta.url)(nativeAddonPath) as NativeAddon };
    } catch (e) {
      loaded = { addon: null, reason: `failed to load: ${e instanceof Error ? e.message : String(e)}` };
    }
  }
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
  const { addon, reason } = load();
  if (!addon) return { available: false, path: nativeAddonPath, reason };
  return { available: true, isa: addon.isa(), supportedIsas: addon.supportedIsas(), path: nativeAddonPath };
}
