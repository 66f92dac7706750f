/**
 * The ONNX runtime, loaded on first use: onnxruntime-node (native, the fast path) when it is
 * installed and loads, else onnxruntime-web's WebAssembly build, which every install has because it
 * comes from the npm registry alone. onnxruntime-node is an optional dependency: on linux-x64 its
 * install script fetches CUDA files from outside the registry, and where that fails npm drops it,
 * so the install still succeeds and models still run. `TARTAN_RUNTIME=native|wasm|auto` (default
 * auto) forces one. Importing tartan must not pay for a runtime (about 100 ms) when no model runs,
 * so nothing imports one statically.
 *
 * @example
 * ```ts
 * const ort = await loadOnnxRuntime();
 * const session = await ort.InferenceSession.create(bytes);
 * console.log(loadedRuntime()?.kind); // 'native' or 'wasm'
 * ```
 */
import { availableParallelism } from 'node:os';
import type * as Ort from 'onnxruntime-common';
import { ErrorCodes, TartanError } from '../../core/errors.js';

/** The runtime API shared by onnxruntime-node and onnxruntime-web (onnxruntime-common's). */
export type OrtModule = typeof Ort;

/** Which runtime runs the models: 'native' (onnxruntime-node) or 'wasm' (onnxruntime-web in Node). */
export type RuntimeKind = 'native' | 'wasm';
/** What `TARTAN_RUNTIME` and the `runtime` options accept. */
export type RuntimeChoice = RuntimeKind | 'auto';
const CHOICES: readonly RuntimeChoice[] = ['auto', 'native', 'wasm'];

/** A loaded runtime: which one, its package version, and why the native one is not in use (auto fallback). */
export interface RuntimeInfo {
  readonly kind: RuntimeKind;
  readonly package: 'onnxruntime-node' | 'onnxruntime-web';
  readonly version: string;
  /** Set when auto fell back to WebAssembly: why onnxruntime-node could not be used. */
  readonly fallbackReason?: string;
}

interface Loaded {
  ort: OrtModule;
  info: RuntimeInfo;
}

const loading = new Map<RuntimeChoice, Promise<Loaded>>();
let lastLoaded: RuntimeInfo | undefined;

/** How to get the native runtime back, for messages. */
export const NATIVE_INSTALL_HINT =
  'install it with `npm install onnxruntime-node --onnxruntime-node-install=skip` (the flag skips its optional CUDA download, which needs nuget.org)';

/** Reads the runtime choice: explicit option, else `TARTAN_RUNTIME`, else auto. */
export function resolveRuntimeChoice(choice?: string, env: NodeJS.ProcessEnv = process.env): RuntimeChoice {
  const value = choice ?? (env.TARTAN_RUNTIME || 'auto');
  if (!(CHOICES as readonly string[]).includes(value))
    throw new TartanError(ErrorCodes.INVALID_ARGUMENT, `runtime '${value}' is not one of ${CHOICES.join(', ')}; fix --runtime or TARTAN_RUNTIME.`);
  return value as RuntimeChoice;
}

function firstLine(err: unknown): string {
  return (err instanceof Error ? err.message : String(err)).split('\n')[0];
}

async function importNative(): Promise<Loaded> {
  const ort = (await import('onnxruntime-node')) as unknown as OrtModule;
  return { ort, info: { kind: 'native', package: 'onnxruntime-node', version: ort.env.versions.node ?? ort.env.versions.common } };
}

async function importWasm(fallbackReason?: string): Promise<Loaded> {
  const ort = (await import('onnxruntime-web')) as unknown as OrtModule;
  // Threads must be set before the first session; WebAssembly threads run on worker_threads in Node.
  ort.env.wasm.numThreads = Number(process.env.TARTAN_ONNX_THREADS) || Math.min(availableParallelism(), 16);
  const version = ort.env.versions.web ?? ort.env.versions.common;
  return { ort, info: { kind: 'wasm', package: 'onnxruntime-web', version, ...(fallbackReason ? { fallbackReason } : {}) } };
}

async function load(choice: RuntimeChoice): Promise<Loaded> {
  if (choice === 'wasm') return importWasm();
  try {
    return await importNative();
  } catch (err) {
    if (choice === 'native')
      throw new TartanError(
        ErrorCodes.MODEL_RUNTIME,
        `onnxruntime-node could not be loaded: ${firstLine(err)}. To use the native runtime, ${NATIVE_INSTALL_HINT}.`,
        {
          cause: err,
        },
      );
    const reason = /Cannot find (package|module) 'onnxruntime-node'/.test(firstLine(err))
      ? 'onnxruntime-node is not installed'
      : `onnxruntime-node failed to load: ${firstLine(err)}`;
    try {
      return await importWasm(reason);
    } catch (wasmErr) {
      throw new TartanError(
        ErrorCodes.MODEL_RUNTIME,
        `no ONNX runtime could be loaded: ${reason}, and onnxruntime-web failed too (${firstLine(wasmErr)}). Reinstall tartan-search, or ${NATIVE_INSTALL_HINT}.`,
        { cause: wasmErr },
      );
    }
  }
}

/**
 * The ONNX runtime module (one import per process and choice); MODEL_RUNTIME when none can load.
 * `choice` defaults to `TARTAN_RUNTIME`, else auto (native, else WebAssembly).
 */
export async function loadOnnxRuntime(choice?: RuntimeChoice): Promise<OrtModule> {
  return (await loadRuntime(choice)).ort;
}

/** Like {@link loadOnnxRuntime}, with which runtime it is. */
export function loadRuntime(choice?: RuntimeChoice): Promise<{ ort: OrtModule; info: RuntimeInfo }> {
  const key = resolveRuntimeChoice(choice);
  let p = loading.get(key);
  if (!p) {
    p = load(key).then(
      (l) => {
        lastLoaded = l.info;
        return l;
      },
      (err: unknown) => {
        loading.delete(key); // a later call may succeed once the package is repaired
        throw err;
      },
    );
    loading.set(key, p);
  }
  return p;
}

/** The runtime the last model in this process loaded with, or undefined before any did. */
export function loadedRuntime(): RuntimeInfo | undefined {
  return lastLoaded;
}
