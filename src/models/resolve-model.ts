/**
 * From a model id or a path to a model folder: an existing directory is used as is; anything
 * else must be a registry id, whose files are fetched into (or found in) the Hugging Face hub
 * cache. The encoders load through here, and model-loader.ts picks the encoder class, so this
 * module sits below both (no import cycle between the loader and the encoders).
 *
 * @example
 * ```ts
 * const { dir, spec } = await resolveModelDir('BAAI/bge-small-en-v1.5', 'dense', { offline: true });
 * ```
 */
import { existsSync, statSync } from 'node:fs';
import { ErrorCodes, TartanError } from '../core/errors.js';
import { ensureModelFiles, type HubOptions } from './hub/hub.js';
import { loadModelFolder, readModelFolder, type ModelFolder, type ModelFolderInfo } from './encoders/model-folder.js';
import type { SessionOptions } from './runtime/onnx-session.js';
import { defaultModel, findModelSpec, getModelSpec } from './registry.js';
import type { ModelSpec } from './registry-types.js';
import type { ModelKind } from './types.js';

/** Options for loading any encoder. */
export interface LoadModelOptions extends SessionOptions {
  /** Texts per ONNX run. Default 32. */
  batchSize?: number;
  /** Hub cache folder (default as Python's huggingface_hub). */
  cacheDir?: string;
  /** Hub revision (branch, tag or commit). Default 'main'. */
  revision?: string;
  /** Never touch the network; use only cached files. */
  offline?: boolean;
  /** Hub download progress. */
  onProgress?: HubOptions['onProgress'];
  /** Draw a download progress bar on stderr. */
  progressBar?: boolean;
  /** For a local folder: the registry id whose settings fill what the folder's own files leave open. */
  registryId?: string;
}

function isDirectory(path: string): boolean {
  return existsSync(path) && statSync(path).isDirectory();
}

/** True when the string names an existing local folder rather than a registry id. */
export function isLocalModelPath(idOrPath: string): boolean {
  return isDirectory(idOrPath);
}

/**
 * Resolves an id or path to a local folder: an existing directory is used as is (with the
 * registry entry `options.registryId`, if given); a registry id is fetched into, or found in,
 * the hub cache. A path always wins over a registry id of the same name.
 */
export async function resolveModelDir(
  idOrPath: string | undefined,
  kind: ModelKind | undefined,
  options: LoadModelOptions = {},
): Promise<{ dir: string; spec?: ModelSpec }> {
  const target = idOrPath ?? defaultModel(kind ?? 'colbert').id;
  if (isDirectory(target)) return { dir: target, ...(options.registryId ? { spec: getModelSpec(options.registryId) } : {}) };
  if (!findModelSpec(target) && /^[./~]|\\/.test(target)) {
    throw new TartanError(
      ErrorCodes.MODEL_FILES_MISSING,
      `model folder ${target} does not exist; check the path, or pass a registry id (see \`tartan models list\`).`,
      { details: { missing: [target] } },
    );
  }
  const spec = getModelSpec(target, kind);
  if (kind && spec.kind !== kind) {
    throw new TartanError(
      ErrorCodes.INVALID_ARGUMENT,
      `${spec.id} is a ${spec.kind} model, but a ${kind} model is needed here; pick a ${kind} model from \`tartan models list\`.`,
    );
  }
  if (spec.unsupported) throw new TartanError(ErrorCodes.UNSUPPORTED_MODEL, `${spec.id} cannot run in tartan: ${spec.unsupported}.`);
  const dir = await ensureModelFiles(spec, {
    ...(options.cacheDir ? { cacheDir: options.cacheDir } : {}),
    ...(options.revision ? { revision: options.revision } : {}),
    ...(options.offline !== undefined ? { offline: options.offline } : {}),
    ...(options.onProgress ? { onProgress: options.onProgress } : {}),
    ...(options.progressBar !== undefined ? { progressBar: options.progressBar } : {}),
  });
  return { dir, spec };
}

function folderOptions(kind: ModelKind | undefined, spec: ModelSpec | undefined): { kind?: ModelKind; spec?: ModelSpec } {
  const k = kind ?? spec?.kind;
  return { ...(k ? { kind: k } : {}), ...(spec ? { spec } : {}) };
}

/** Resolves an id or path ({@link resolveModelDir}) and loads the folder with its ONNX session. */
export async function resolveModelFolder(idOrPath: string | undefined, kind: ModelKind | undefined, options: LoadModelOptions = {}): Promise<ModelFolder> {
  const { dir, spec } = await resolveModelDir(idOrPath, kind, options);
  return loadModelFolder(dir, { threads: options.threads, interOpThreads: options.interOpThreads, precision: options.precision, ...folderOptions(kind, spec) });
}

/** Resolves an id or path and reads the folder without loading the ONNX graph (tokenizer and settings only). */
export async function resolveModelInfo(idOrPath: string | undefined, kind: ModelKind | undefined, options: LoadModelOptions = {}): Promise<ModelFolderInfo> {
  const { dir, spec } = await resolveModelDir(idOrPath, kind, options);
  return readModelFolder(dir, folderOptions(kind, spec));
}
