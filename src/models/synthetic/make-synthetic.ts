/**
 * Writes a random-weight BERT model folder laid out like a hub repository:
 * `model.onnx`, `config.json`, the bert-base-uncased tokenizer files, the
 * ColBERT / PyLate settings or bge-style pooling files where they apply, and
 * `tartan-synthetic.json`.
 */
import { copyFile, mkdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { ErrorCodes, TartanError } from '../../core/errors.js';
import { fixtureTokenizerDir } from '../../core/paths.js';
import { ARCHITECTURES, SYNTHETIC_KINDS, SYNTHETIC_LAYOUTS, type SyntheticArch, type SyntheticKind, type SyntheticLayout } from './architectures.js';
import { bertConfig, clsPoolingConfig, colbertSettings, denseConfig, denseModules, pylateModules, syntheticMarker } from './folder-files.js';
import { PROJECTION_WEIGHT } from './heads.js';
import { encodeSafetensors } from './safetensors.js';
import { writeChunks } from './stream-file.js';
import { buildSyntheticGraph } from './synthetic-graph.js';
import { BERT_INIT_STD, materialiseWeight } from './weights.js';

/** Options of {@link makeSyntheticModel}. */
export interface SyntheticModelOptions {
  arch: SyntheticArch;
  kind: SyntheticKind;
  /** ColBERT output dimension (default 128); only for kind `colbert`. */
  dim?: number;
  /** PRNG seed (default 42): the same seed gives a byte-identical model.onnx. */
  seed?: number;
  /** `onnx` (default): projection inside model.onnx. `pylate`: backbone ONNX + `1_Dense` safetensors; colbert only. */
  layout?: SyntheticLayout;
}

/** What {@link makeSyntheticModel} wrote. */
export interface SyntheticModelInfo {
  dir: string;
  arch: SyntheticArch;
  kind: SyntheticKind;
  layout: SyntheticLayout;
  seed: number;
  hidden: number;
  /** Width of the main output's last axis: ColBERT dim, hidden size, or 1 for a cross-encoder. */
  dim: number;
  /** The name of the ONNX graph's output. */
  output: string;
  /** Parameters in model.onnx plus the PyLate projection, if any. */
  params: number;
  /** Every file written, relative to `dir`, with its size. */
  files: { path: string; bytes: number }[];
  totalBytes: number;
}

const DEFAULT_COLBERT_DIM = 128;
const DEFAULT_SEED = 42;
/** The file that marks a folder as a synthetic model and records how it was built. */
export const MARKER_FILE = 'tartan-synthetic.json';
const TOKENIZER_FILES = ['tokenizer.json', 'tokenizer_config.json', 'special_tokens_map.json', 'vocab.txt'] as const;
/** Files only some kinds or layouts write; removed when a rebuild in the same folder does not write them. */
const OPTIONAL_OUTPUTS = ['config_sentence_transformers.json', 'modules.json', '1_Dense', '1_Pooling'] as const;

function invalid(message: string): TartanError {
  return new TartanError(ErrorCodes.INVALID_ARGUMENT, message);
}

/** Options with defaults applied; `dim` is set for colbert only. */
export interface ResolvedSyntheticOptions {
  arch: SyntheticArch;
  kind: SyntheticKind;
  layout: SyntheticLayout;
  seed: number;
  dim?: number;
}

/** Checks options and applies defaults; throws INVALID_ARGUMENT saying what to use instead. */
export function resolveSyntheticOptions(opts: SyntheticModelOptions): ResolvedSyntheticOptions {
  if (!Object.hasOwn(ARCHITECTURES, opts.arch))
    throw invalid(`unknown synthetic architecture "${opts.arch}": use one of ${Object.keys(ARCHITECTURES).join(', ')}`);
  if (!SYNTHETIC_KINDS.includes(opts.kind)) throw invalid(`unknown synthetic model kind "${opts.kind}": use one of ${SYNTHETIC_KINDS.join(', ')}`);
  const layout = opts.layout ?? 'onnx';
  if (!SYNTHETIC_LAYOUTS.includes(layout)) throw invalid(`unknown layout "${layout}": use one of ${SYNTHETIC_LAYOUTS.join(', ')}`);
  if (layout === 'pylate' && opts.kind !== 'colbert')
    throw invalid(`layout "pylate" exists only for kind colbert (got ${opts.kind}): drop the layout option or use kind colbert`);
  if (opts.dim !== undefined && opts.kind !== 'colbert')
    throw invalid(`dim applies only to kind colbert (got kind ${opts.kind}): drop it; the output width is the hidden size`);
  if (opts.dim !== undefined && (!Number.isInteger(opts.dim) || opts.dim < 1 || opts.dim > 4096))
    throw invalid(`dim must be an integer from 1 to 4096, got ${opts.dim}`);
  const seed = opts.seed ?? DEFAULT_SEED;
  if (!Number.isSafeInteger(seed) || seed < 0 || seed > 0xffffffff) throw invalid(`seed must be an integer from 0 to 4294967295, got ${seed}`);
  return { arch: opts.arch, kind: opts.kind, layout, seed, dim: opts.kind === 'colbert' ? (opts.dim ?? DEFAULT_COLBERT_DIM) : undefined };
}

/**
 * The PyLate projection as torch stores it, [dim, hidden]: the transpose of the
 * [hidden, dim] matrix an `onnx`-layout graph with the same seed holds, so both
 * layouts of one seed compute the same token embeddings.
 */
export function pylateProjection(seed: number, hidden: number, dim: number): Float32Array {
  const inOut = materialiseWeight(hidden * dim, seed, PROJECTION_WEIGHT, { normal: BERT_INIT_STD });
  const outIn = new Float32Array(hidden * dim);
  for (let i = 0; i < hidden; i++) for (let o = 0; o < dim; o++) outIn[o * hidden + i] = inOut[i * dim + o];
  return outIn;
}

async function copyTokenizer(dir: string): Promise<void> {
  const src = fixtureTokenizerDir();
  for (const f of TOKENIZER_FILES) {
    if (!existsSync(join(src, f))) {
      throw new TartanError(
        ErrorCodes.MODEL_FILES_MISSING,
        `tokenizer file ${join(src, f)} is missing: set TARTAN_SHARED to the shared folder holding fixtures/tokenizers/bert-base-uncased`,
      );
    }
    await copyFile(join(src, f), join(dir, f));
  }
}

async function writeJson(dir: string, path: string, value: unknown): Promise<void> {
  await writeFile(join(dir, path), JSON.stringify(value, null, 2) + '\n');
}

/**
 * Builds a random-weight BERT model of a real architecture in `dir` (created if
 * needed; files of the same names are overwritten).
 *
 * @example
 * ```ts
 * const info = await makeSyntheticModel('/tmp/colbert-tiny', { arch: 'tiny', kind: 'colbert', dim: 32, seed: 7 });
 * const session = await ort.InferenceSession.create(join(info.dir, 'model.onnx'));
 * ```
 */
export async function makeSyntheticModel(dir: string, opts: SyntheticModelOptions): Promise<SyntheticModelInfo> {
  const { kind, layout, seed, dim } = resolveSyntheticOptions(opts);
  const arch = ARCHITECTURES[opts.arch];
  await mkdir(dir, { recursive: true });

  // Tokenizer first: if the fixtures are missing, fail before spending seconds on the weights.
  await copyTokenizer(dir);
  const { model, params: graphParams, output } = buildSyntheticGraph(arch, kind, layout, dim ?? 0, seed);
  // Written under a temporary name and renamed, so an interrupted build never leaves a truncated model.onnx.
  await writeChunks(join(dir, 'model.onnx.partial'), model.chunks());
  await rename(join(dir, 'model.onnx.partial'), join(dir, 'model.onnx'));
  let params = graphParams;

  const written = ['model.onnx', 'config.json', ...TOKENIZER_FILES];
  await writeJson(dir, 'config.json', bertConfig(arch, kind));
  if (kind === 'colbert') {
    await writeJson(dir, 'config_sentence_transformers.json', colbertSettings(arch));
    written.push('config_sentence_transformers.json');
  }
  if (kind === 'dense') {
    // bge-small's sentence-transformers files, so loaders find the pooling the way they would in the real repository.
    await mkdir(join(dir, '1_Pooling'), { recursive: true });
    await writeJson(dir, join('1_Pooling', 'config.json'), clsPoolingConfig(arch.hidden));
    await writeJson(dir, 'modules.json', denseModules());
    written.push('modules.json', '1_Pooling/config.json');
  }
  if (layout === 'pylate' && dim !== undefined) {
    await mkdir(join(dir, '1_Dense'), { recursive: true });
    const projection = pylateProjection(seed, arch.hidden, dim);
    await writeFile(join(dir, '1_Dense', 'model.safetensors'), encodeSafetensors([{ name: PROJECTION_WEIGHT, shape: [dim, arch.hidden], data: projection }]));
    await writeJson(dir, join('1_Dense', 'config.json'), denseConfig(arch.hidden, dim));
    await writeJson(dir, 'modules.json', pylateModules());
    params += projection.length;
    written.push('modules.json', '1_Dense/model.safetensors', '1_Dense/config.json');
  }
  // A folder rebuilt as another kind must not keep the old kind's files (a stale 1_Dense would make it look PyLate).
  for (const stale of OPTIONAL_OUTPUTS)
    if (!written.some((w) => w === stale || w.startsWith(`${stale}/`))) await rm(join(dir, stale), { recursive: true, force: true });
  const outDim = kind === 'colbert' ? (dim as number) : kind === 'cross-encoder' ? 1 : arch.hidden;
  await writeJson(dir, MARKER_FILE, syntheticMarker({ arch, kind, layout, dim: outDim, seed, params, output, files: [...written] }));
  written.push(MARKER_FILE);

  const files = await Promise.all(written.map(async (path) => ({ path, bytes: (await stat(join(dir, path))).size })));
  return {
    dir,
    arch: arch.name,
    kind,
    layout,
    seed,
    hidden: arch.hidden,
    dim: outDim,
    output,
    params,
    files,
    totalBytes: files.reduce((a, f) => a + f.bytes, 0),
  };
}
