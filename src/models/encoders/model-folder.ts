/**
 * Loading a local model folder in either layout:
 *
 * - `onnx`: one ONNX graph whose output already is the final token matrix or embedding
 *   (fastembed's colbertv2.0 `model.onnx`, answerai's `vespa_colbert.onnx`, bge `onnx/model.onnx`);
 * - `pylate`: an ONNX backbone (`model.onnx` or `onnx/model.onnx`) plus the `1_Dense` linear
 *   projection in safetensors, with ColBERT settings from `config_sentence_transformers.json`.
 *
 * The folder's own files win over the registry entry, which only fills gaps.
 *
 * @example
 * ```ts
 * const folder = await loadModelFolder('/models/answerai-colbert-small-v1', { kind: 'colbert' });
 * folder.layout.type; // 'pylate'
 * ```
 */
import { existsSync, readFileSync } from 'node:fs';
import { isAbsolute, join, relative, resolve } from 'node:path';
import { ErrorCodes, TartanError } from '../../core/errors.js';
import { DEFAULT_SKIPLIST } from './colbert-processing.js';
import { OnnxSession, type SessionOptions } from '../runtime/onnx-session.js';
import type { ColbertSettings, ModelLayout, ModelSpec } from '../registry-types.js';
import { readSafetensors } from './safetensors.js';
import { ModelTokenizer } from './tokenizer.js';
import type { ModelKind } from '../types.js';

/** A linear layer `y = W x (+ b)`, W row-major `outFeatures x inFeatures`. */
export interface LinearLayer {
  inFeatures: number;
  outFeatures: number;
  weight: Float32Array;
  bias?: Float32Array;
}

/** Everything an encoder needs from a folder. */
export interface ModelFolder {
  dir: string;
  /** Registry id when loaded through the registry, else the folder path. */
  modelId: string;
  kind: ModelKind;
  layout: ModelLayout;
  session: OnnxSession;
  tokenizer: ModelTokenizer;
  /** PyLate projection layers, applied in order to the backbone output. */
  projection: LinearLayer[];
  /** Maximum input length in tokens. */
  maxLength: number;
  colbert?: ColbertSettings;
  pooling?: 'cls' | 'mean';
  normalize?: boolean;
  /** The registry entry, when there is one. */
  spec?: ModelSpec;
}

/** Options of {@link loadModelFolder}. */
export interface LoadFolderOptions extends SessionOptions {
  /** What the folder holds; detected from its files when absent. */
  kind?: ModelKind;
  /** Registry entry of the model, for its layout and settings. */
  spec?: ModelSpec;
}

const BACKBONE_FILES = ['model.onnx', 'onnx/model.onnx'];
const PROJECTED_FILES = ['vespa_colbert.onnx'];

function corrupt(path: string, why: string, cause?: unknown): TartanError {
  return new TartanError(ErrorCodes.MODEL_CORRUPT, `${path} ${why}; restore the file from the model repository.`, cause !== undefined ? { cause } : undefined);
}

type FieldType = 'string' | 'number' | 'boolean' | 'string[]';

/**
 * Reads a JSON config and checks the listed fields' types: a config that parses but holds
 * (say) a string where a length belongs must fail here, not as a NaN length or a TypeError later.
 * `shape` 'array' is for modules.json (a list of objects).
 */
function readJson<T>(path: string, fields: Record<string, FieldType> = {}, shape: 'object' | 'array' = 'object'): T | undefined {
  if (!existsSync(path)) return undefined;
  let value: unknown;
  try {
    value = JSON.parse(readFileSync(path, 'utf8'));
  } catch (err) {
    throw corrupt(path, `is not valid JSON (${(err as Error).message})`, err);
  }
  const isObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);
  const items = shape === 'array' ? value : [value];
  if (!Array.isArray(items) || !items.every(isObject)) throw corrupt(path, shape === 'array' ? 'is not a JSON list of objects' : 'is not a JSON object');
  for (const item of items as Record<string, unknown>[]) {
    for (const [key, type] of Object.entries(fields)) {
      const v = item[key];
      if (v === undefined || v === null) continue;
      const ok =
        type === 'string[]'
          ? Array.isArray(v) && v.every((x) => typeof x === 'string')
          : type === 'number'
            ? typeof v === 'number' && Number.isFinite(v)
            : typeof v === type;
      if (!ok) throw corrupt(path, `has ${key} = ${JSON.stringify(v)?.slice(0, 80)}, expected a ${type}`);
    }
  }
  return value as T;
}

/** Checks that a folder named by modules.json stays inside the model folder. */
function insideFolder(dir: string, folder: string, from: string): string {
  const full = resolve(dir, folder);
  const rel = relative(dir, full);
  if (rel.startsWith('..') || isAbsolute(rel) || folder.includes('\0'))
    throw corrupt(from, `names the folder ${JSON.stringify(folder)}, outside the model folder`);
  return full;
}

function missing(dir: string, files: string[], what: string): TartanError {
  return new TartanError(
    ErrorCodes.MODEL_FILES_MISSING,
    `model folder ${dir} lacks ${what}: ${files.join(' or ')}. Copy the model's files there, or load it by registry id to download them.`,
    { details: { dir, missing: files } },
  );
}

const ST_FIELDS: Record<string, FieldType> = {
  similarity_fn_name: 'string',
  query_prefix: 'string',
  document_prefix: 'string',
  query_length: 'number',
  document_length: 'number',
  attend_to_expansion_tokens: 'boolean',
  skiplist_words: 'string[]',
};

interface SentenceTransformersConfig {
  similarity_fn_name?: string;
  query_prefix?: string;
  document_prefix?: string;
  query_length?: number;
  document_length?: number;
  attend_to_expansion_tokens?: boolean;
  skiplist_words?: string[];
}

/** Guesses the kind of a folder from its files: ColBERT settings or projection, a classifier config, else dense. */
export function detectKind(dir: string): ModelKind {
  const st = readJson<SentenceTransformersConfig>(join(dir, 'config_sentence_transformers.json'), ST_FIELDS);
  if (st && (st.similarity_fn_name === 'MaxSim' || st.query_length !== undefined || st.query_prefix !== undefined)) return 'colbert';
  if (existsSync(join(dir, '1_Dense')) || PROJECTED_FILES.some((f) => existsSync(join(dir, f)))) return 'colbert';
  const config = readJson<{ architectures?: string[] }>(join(dir, 'config.json'), { architectures: 'string[]' });
  if (config?.architectures?.some((a) => /ForSequenceClassification$/.test(a))) return 'cross-encoder';
  return 'dense';
}

/** Decides the layout of a folder (registry layout first, then the files present). */
export function detectLayout(dir: string, kind: ModelKind, spec?: ModelSpec): ModelLayout {
  if (spec?.layout) {
    const files = spec.layout.type === 'pylate' ? [spec.layout.onnxFile, spec.layout.denseFile] : [spec.layout.onnxFile];
    const absent = files.filter((f) => !existsSync(join(dir, f)));
    if (absent.length === 0) return spec.layout;
    // A local copy may be laid out differently (e.g. a PyLate export of a fastembed model): fall through.
  }
  const backbone = BACKBONE_FILES.find((f) => existsSync(join(dir, f)));
  const projected = PROJECTED_FILES.find((f) => existsSync(join(dir, f)));
  const dense = join('1_Dense', 'model.safetensors');
  if (kind === 'colbert') {
    if (projected) return { type: 'onnx', onnxFile: projected };
    if (existsSync(join(dir, dense))) {
      if (!backbone) throw missing(dir, BACKBONE_FILES, 'the ONNX backbone of its PyLate layout');
      return { type: 'pylate', onnxFile: backbone, denseFile: dense };
    }
    if (existsSync(join(dir, '1_Dense'))) throw missing(dir, [dense], 'the projection weights of its PyLate layout');
  }
  if (backbone) return { type: 'onnx', onnxFile: backbone };
  const any = [...BACKBONE_FILES, ...(kind === 'colbert' ? PROJECTED_FILES : [])];
  if (!existsSync(dir)) throw missing(dir, any, 'everything (the folder does not exist)');
  throw missing(dir, spec ? [spec.layout.onnxFile] : any, 'an ONNX graph');
}

/** Reads the PyLate projection chain: modules.json's Dense modules in order, else `1_Dense`. */
export async function readProjection(dir: string, denseFile: string): Promise<LinearLayer[]> {
  const modulesFile = join(dir, 'modules.json');
  const modules = readJson<{ path?: string; type?: string }[]>(modulesFile, { path: 'string', type: 'string' }, 'array');
  const folders = modules?.filter((m) => /Dense/.test(m.type ?? '') && m.path).map((m) => m.path as string) ?? [];
  for (const folder of folders) insideFolder(dir, folder, modulesFile);
  const denseFolders = folders.length > 0 ? folders : [denseFile.split('/')[0]];
  const layers: LinearLayer[] = [];
  for (const folder of denseFolders) {
    const file = join(dir, folder, 'model.safetensors');
    if (!existsSync(file)) throw missing(dir, [join(folder, 'model.safetensors')], 'a projection layer named in modules.json');
    const config =
      readJson<{ in_features?: number; out_features?: number; bias?: boolean; activation_function?: string }>(join(dir, folder, 'config.json'), {
        in_features: 'number',
        out_features: 'number',
        bias: 'boolean',
        activation_function: 'string',
      }) ?? {};
    const activation = config.activation_function ?? 'torch.nn.modules.linear.Identity';
    if (!/Identity$/.test(activation)) {
      throw new TartanError(
        ErrorCodes.MODEL_LAYOUT_UNKNOWN,
        `${join(dir, folder)} uses activation ${activation}; tartan applies identity-activation projections only. Export the whole model to ONNX instead.`,
      );
    }
    const st = await readSafetensors(file);
    const weightName = st.names().find((n) => /weight$/.test(n));
    if (!weightName) throw new TartanError(ErrorCodes.MODEL_CORRUPT, `${file} holds no weight tensor (it has ${st.names().join(', ')}); download it again.`);
    const w = st.tensor(weightName);
    if (w.shape.length !== 2)
      throw new TartanError(ErrorCodes.MODEL_CORRUPT, `${file}: ${weightName} has shape [${w.shape.join(', ')}], expected [out, in]; download it again.`);
    const [outFeatures, inFeatures] = w.shape;
    if ((config.in_features && config.in_features !== inFeatures) || (config.out_features && config.out_features !== outFeatures)) {
      throw new TartanError(
        ErrorCodes.MODEL_CORRUPT,
        `${file}: weight is ${outFeatures}x${inFeatures} but config.json says ${config.out_features}x${config.in_features}; the files are from different models.`,
      );
    }
    const biasName = st.names().find((n) => /bias$/.test(n));
    layers.push({ inFeatures, outFeatures, weight: w.data, ...(biasName && config.bias !== false ? { bias: st.tensor(biasName).data } : {}) });
  }
  return layers;
}

/**
 * ColBERT settings of a folder: defaults from the tokenizer, overridden by the registry entry,
 * overridden by `config_sentence_transformers.json` (prefix tokens become marker ids via the vocabulary).
 */
export function readColbertSettings(dir: string, tokenizer: ModelTokenizer, spec?: ModelSpec): ColbertSettings {
  const base: ColbertSettings = spec?.colbert ?? {
    queryMarkerId: tokenizer.tokenToId('[unused0]') ?? 1,
    documentMarkerId: tokenizer.tokenToId('[unused1]') ?? 2,
    queryLength: 32,
    documentLength: tokenizer.modelMaxLength,
    attendToExpansionTokens: false,
    skiplistWords: [...DEFAULT_SKIPLIST],
    maskTokenId: tokenizer.maskId ?? 103,
  };
  const st = readJson<SentenceTransformersConfig>(join(dir, 'config_sentence_transformers.json'), ST_FIELDS);
  if (!st) return { ...base };
  const marker = (prefix: string | undefined, fallback: number, field: string): number => {
    if (prefix === undefined || prefix === '') return fallback;
    const id = tokenizer.tokenToId(prefix);
    if (id === undefined)
      throw new TartanError(
        ErrorCodes.TOKENIZER,
        `${field} '${prefix}' in ${join(dir, 'config_sentence_transformers.json')} is not a token of the model's vocabulary; fix the prefix or the tokenizer.json.`,
      );
    return id;
  };
  const positive = (v: number | undefined, fallback: number) => (typeof v === 'number' && Number.isInteger(v) && v > 2 ? v : fallback);
  return {
    queryMarkerId: marker(st.query_prefix, base.queryMarkerId, 'query_prefix'),
    documentMarkerId: marker(st.document_prefix, base.documentMarkerId, 'document_prefix'),
    queryLength: positive(st.query_length, base.queryLength),
    documentLength: positive(st.document_length, base.documentLength),
    attendToExpansionTokens: st.attend_to_expansion_tokens ?? base.attendToExpansionTokens,
    skiplistWords: Array.isArray(st.skiplist_words) ? st.skiplist_words : base.skiplistWords,
    maskTokenId: tokenizer.maskId ?? base.maskTokenId,
  };
}

function readPooling(dir: string, spec?: ModelSpec): 'cls' | 'mean' {
  const pooling = readJson<{ pooling_mode_cls_token?: boolean; pooling_mode_mean_tokens?: boolean }>(join(dir, '1_Pooling', 'config.json'), {
    pooling_mode_cls_token: 'boolean',
    pooling_mode_mean_tokens: 'boolean',
  });
  if (pooling?.pooling_mode_cls_token) return 'cls';
  if (pooling?.pooling_mode_mean_tokens) return 'mean';
  // Without a pooling config, follow the registry; bge-style CLS pooling otherwise.
  return spec?.pooling ?? 'cls';
}

/** What a folder holds apart from the ONNX session: enough to tokenize and to know the settings. */
export type ModelFolderInfo = Omit<ModelFolder, 'session'>;

/**
 * Reads a model folder without loading its ONNX graph: tokenizer, layout, projection, settings.
 * Errors: MODEL_FILES_MISSING (names the files and folder), MODEL_LAYOUT_UNKNOWN, MODEL_CORRUPT, TOKENIZER.
 */
export async function readModelFolder(dirPath: string, options: Omit<LoadFolderOptions, keyof SessionOptions> = {}): Promise<ModelFolderInfo> {
  const dir = resolve(dirPath);
  if (!existsSync(dir)) throw missing(dir, ['tokenizer.json', 'model.onnx'], 'everything (the folder does not exist)');
  const spec = options.spec;
  const kind = options.kind ?? spec?.kind ?? detectKind(dir);
  const layout = detectLayout(dir, kind, spec);
  if (layout.type === 'pylate' && kind !== 'colbert') {
    throw new TartanError(ErrorCodes.MODEL_LAYOUT_UNKNOWN, `${dir} has a PyLate projection but was loaded as ${kind}; load it as a ColBERT model.`);
  }
  const tokenizer = await ModelTokenizer.load(dir);
  const projection = layout.type === 'pylate' ? await readProjection(dir, layout.denseFile) : [];
  const config = readJson<{ max_position_embeddings?: number }>(join(dir, 'config.json'), { max_position_embeddings: 'number' });
  const positions = config?.max_position_embeddings;
  if (positions !== undefined && positions !== null && !(Number.isInteger(positions) && positions > 0))
    throw corrupt(join(dir, 'config.json'), `has max_position_embeddings = ${positions}, expected a positive integer`);
  const maxLength = Math.min(spec?.maxLength ?? tokenizer.modelMaxLength, positions ?? Infinity, tokenizer.modelMaxLength);
  const info: ModelFolderInfo = { dir, modelId: spec?.id ?? dir, kind, layout, tokenizer, projection, maxLength, ...(spec ? { spec } : {}) };
  if (kind === 'colbert') {
    info.colbert = readColbertSettings(dir, tokenizer, spec);
    info.colbert.documentLength = Math.min(info.colbert.documentLength, maxLength);
  }
  if (kind === 'dense') {
    info.pooling = readPooling(dir, spec);
    info.normalize = spec?.normalize ?? true;
  }
  return info;
}

/** Reads a model folder ({@link readModelFolder}) and loads its ONNX graph; a graph onnxruntime cannot load is MODEL_CORRUPT. */
export async function loadModelFolder(dirPath: string, options: LoadFolderOptions = {}): Promise<ModelFolder> {
  const info = await readModelFolder(dirPath, options);
  const session = await OnnxSession.create(join(info.dir, info.layout.onnxFile), options);
  return { ...info, session };
}
