/**
 * `tartan bench encode`: ColBERT passage encoding throughput of tartan against
 * the same ONNX graph run through @huggingface/transformers' feature-extraction
 * pipeline, in one process. Reports passages/s, tokens/s, the share of wall
 * time spent outside onnxruntime's run() (tokenising, padding, post-processing)
 * and the padding waste (padded slots that held no token). tartan runs at each
 * requested precision; for int8 the report also says how close its vectors are
 * to the fp32 ones (cosine per token, and MaxSim scores of passage pairs), and
 * transformers.js runs tartan's int8 graph too (dtype q8), which separates what
 * the runtime adds from what the quantisation does.
 */
import { cpus, loadavg, availableParallelism, tmpdir } from 'node:os';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { ErrorCodes, TartanError } from '../src/core/errors.js';
import { readJsonl } from '../src/eval/jsonl.js';
import { LateInteractionTextEmbedding } from '../src/models/encoders/late-interaction.js';
import { externalReader, type Precision } from '../src/models/runtime/onnx-session.js';
import { cpuHasVnni } from '../src/models/runtime/cpu-features.js';
import { int8Graph, type Int8Graph } from '../src/models/runtime/int8-cache.js';
import type { TokenMatrix } from '../src/core/tensors.js';
import { maxsimPair } from '../src/scoring/maxsim.js';

export interface EncodeBenchOptions {
  model: string;
  docs: string;
  limit?: number;
  batchSize?: number;
  threads?: number;
  /** Also run @huggingface/transformers on the same graph (default true). */
  baseline?: boolean;
  /** tartan precisions to run (default fp32 and int8). */
  precisions?: readonly Precision[];
  /** Also run tartan fp32 on onnxruntime-web's WebAssembly build (the fallback runtime) and report its ratio to the native one. */
  wasm?: boolean;
  /** Passages compared between fp32 and int8 vectors (default 200). */
  agreementPassages?: number;
  repeats?: number;
  onStatus?: (message: string) => void;
}

export type EncodeImpl = 'tartan' | 'tartan-int8' | 'tartan-wasm' | 'transformers.js' | 'transformers.js-q8';

export interface EncodeRun {
  impl: EncodeImpl;
  wall_s: number;
  passages_per_s: number;
  tokens_per_s: number;
  /** tartan only: share of wall time outside onnxruntime's run(). */
  outside_run_share?: number;
  /** tartan only: padded token slots that held no token, over all slots fed. */
  padding_waste?: number;
}

export interface EncodeBenchReport {
  machine: { cpu: string; cores: number; node: string; loadavg_1m: number };
  config: { model: string; passages: number; tokens: number; batch_size: number; threads: number; document_length: number; repeats: number };
  results: EncodeRun[];
  /** tartan (fp32) passages/s over transformers.js passages/s (medians). */
  ratio_vs_transformers?: number;
  /** tartan at int8 over transformers.js (medians). */
  ratio_int8_vs_transformers?: number;
  /** tartan at int8 over transformers.js at q8 running the same int8 graph (medians). */
  ratio_int8_vs_transformers_q8?: number;
  /** tartan at int8 over tartan at fp32 (medians). */
  ratio_int8_vs_fp32?: number;
  /** tartan fp32 on WebAssembly (onnxruntime-web) over tartan fp32 on onnxruntime-node (medians). */
  ratio_wasm_vs_native?: number;
  /** How far int8 vectors are from fp32 ones on the first passages. */
  int8_agreement?: Int8Agreement;
}

/** Differences between int8 and fp32 vectors of the same passages. */
export interface Int8Agreement {
  passages: number;
  tokens: number;
  /** Cosine between each token's int8 and fp32 vector: mean, 1st percentile, minimum. */
  mean_cosine: number;
  p01_cosine: number;
  min_cosine: number;
  /** MaxSim of consecutive passage pairs (one as query): largest absolute difference, and its mean. */
  maxsim_max_abs_diff: number;
  maxsim_mean_abs_diff: number;
}

/** Reads `limit` passages ("title\ntext" when a title is present) from a BEIR corpus.jsonl or any {text} JSONL. */
export async function readPassages(path: string, limit = Infinity): Promise<string[]> {
  const out: string[] = [];
  for await (const { value, line } of readJsonl(path)) {
    if (out.length >= limit) break;
    const text = typeof value.text === 'string' ? value.text : undefined;
    if (text === undefined) throw new TartanError(ErrorCodes.INPUT_FORMAT, `${path} line ${line} has no "text" string field`);
    const title = typeof value.title === 'string' && value.title ? `${value.title}\n` : '';
    if ((title + text).trim()) out.push(title + text);
  }
  return out;
}

function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

async function runTartan(
  model: LateInteractionTextEmbedding,
  passages: string[],
  batchSize: number,
  impl: EncodeImpl,
): Promise<EncodeRun & { tokens: number }> {
  const before = model.runtimeStats();
  const t0 = performance.now();
  for await (const _m of model.passageEmbed(passages, { batchSize }));
  const wall = (performance.now() - t0) / 1000;
  const after = model.runtimeStats();
  const runS = (after.runMs - before.runMs) / 1000;
  const slots = after.paddedTokens - before.paddedTokens;
  const real = after.realTokens - before.realTokens;
  return {
    impl,
    wall_s: wall,
    passages_per_s: passages.length / wall,
    tokens_per_s: real / wall,
    outside_run_share: Math.max(0, 1 - runS / wall),
    padding_waste: slots > 0 ? 1 - real / slots : 0,
    tokens: real,
  };
}

/**
 * A folder laid out the way transformers.js expects (onnx/model.onnx), pointing at the same graph;
 * with `int8`, also onnx/model_quantized.onnx, the graph tartan's int8 load makes, for dtype q8.
 */
function transformersView(modelDir: string, maxLength: number, int8?: Int8Graph): { root: string; name: string } {
  const root = mkdtempSync(join(tmpdir(), 'tartan-tfjs-'));
  const dir = join(root, 'model');
  mkdirSync(join(dir, 'onnx'), { recursive: true });
  symlinkSync(resolve(modelDir, 'model.onnx'), join(dir, 'onnx', 'model.onnx'));
  if (int8?.path) symlinkSync(int8.path, join(dir, 'onnx', 'model_quantized.onnx'));
  else if (int8?.bytes) writeFileSync(join(dir, 'onnx', 'model_quantized.onnx'), int8.bytes);
  for (const f of ['config.json', 'tokenizer.json', 'tokenizer_config.json', 'special_tokens_map.json', 'vocab.txt']) {
    if (existsSync(join(modelDir, f))) copyFileSync(join(modelDir, f), join(dir, f));
  }
  // Same truncation as tartan's document length, so both run the same token counts.
  const configPath = join(dir, 'tokenizer_config.json');
  const config = existsSync(configPath) ? (JSON.parse(readFileSync(configPath, 'utf8')) as Record<string, unknown>) : {};
  writeFileSync(configPath, JSON.stringify({ ...config, model_max_length: maxLength }));
  return { root, name: 'model' };
}

interface FeatureExtractor {
  (texts: string[], options?: Record<string, unknown>): Promise<{ dims: number[] }>;
  dispose(): Promise<void>;
}

type TransformersImpl = 'transformers.js' | 'transformers.js-q8';

/** transformers.js pipelines on the same graph: fp32, and q8 (tartan's int8 graph) when `int8` is given. */
async function loadTransformers(
  modelDir: string,
  threads: number,
  maxLength: number,
  int8?: Int8Graph,
): Promise<{ extractors: Map<TransformersImpl, FeatureExtractor>; cleanup: () => Promise<void> }> {
  let mod: { env: Record<string, unknown>; pipeline: (task: string, model: string, options: Record<string, unknown>) => Promise<unknown> };
  try {
    mod = (await import('@huggingface/transformers')) as unknown as typeof mod;
  } catch {
    throw new TartanError(
      ErrorCodes.INVALID_ARGUMENT,
      'the transformers.js baseline needs the dev dependency @huggingface/transformers (npm i -D @huggingface/transformers), or pass --no-baseline',
    );
  }
  const view = transformersView(modelDir, maxLength, int8);
  mod.env.localModelPath = view.root + '/';
  mod.env.allowRemoteModels = false;
  mod.env.allowLocalModels = true;
  const extractors = new Map<TransformersImpl, FeatureExtractor>();
  const load = async (dtype: string) =>
    (await mod.pipeline('feature-extraction', view.name, {
      dtype,
      device: 'cpu',
      session_options: { intraOpNumThreads: threads, interOpNumThreads: 1, graphOptimizationLevel: 'all' },
    })) as FeatureExtractor;
  extractors.set('transformers.js', await load('fp32'));
  if (int8) extractors.set('transformers.js-q8', await load('q8'));
  return {
    extractors,
    cleanup: async () => {
      for (const e of extractors.values()) await e.dispose();
      rmSync(view.root, { recursive: true, force: true });
    },
  };
}

async function runTransformers(extractor: FeatureExtractor, impl: TransformersImpl, passages: string[], batchSize: number, tokens: number): Promise<EncodeRun> {
  const t0 = performance.now();
  for (let i = 0; i < passages.length; i += batchSize) {
    await extractor(passages.slice(i, i + batchSize), { pooling: 'none', normalize: false });
  }
  const wall = (performance.now() - t0) / 1000;
  return { impl, wall_s: wall, passages_per_s: passages.length / wall, tokens_per_s: tokens / wall };
}

/** Compares int8 vectors with fp32 vectors of the same passages (both unit rows, same row count). */
export function int8Agreement(fp32: readonly TokenMatrix[], int8: readonly TokenMatrix[]): Int8Agreement {
  const cosines: number[] = [];
  for (let p = 0; p < fp32.length; p++) {
    const a = fp32[p];
    const b = int8[p];
    for (let r = 0; r < a.rows; r++) {
      let dot = 0;
      for (let k = 0; k < a.dim; k++) dot += a.data[r * a.dim + k] * b.data[r * b.dim + k];
      cosines.push(dot);
    }
  }
  cosines.sort((x, y) => x - y);
  let maxDiff = 0;
  let sumDiff = 0;
  const pairs = Math.max(0, fp32.length - 1);
  for (let p = 0; p < pairs; p++) {
    const diff = Math.abs(maxsimPair(fp32[p], fp32[p + 1]).raw - maxsimPair(int8[p], int8[p + 1]).raw);
    maxDiff = Math.max(maxDiff, diff);
    sumDiff += diff;
  }
  return {
    passages: fp32.length,
    tokens: cosines.length,
    mean_cosine: cosines.reduce((x, y) => x + y, 0) / Math.max(1, cosines.length),
    p01_cosine: cosines[Math.floor(cosines.length * 0.01)] ?? NaN,
    min_cosine: cosines[0] ?? NaN,
    maxsim_max_abs_diff: maxDiff,
    maxsim_mean_abs_diff: pairs ? sumDiff / pairs : 0,
  };
}

/** Runs the benchmark; see the module comment. */
export async function runEncodeBench(options: EncodeBenchOptions): Promise<EncodeBenchReport> {
  const status = options.onStatus ?? (() => {});
  const threads = options.threads ?? availableParallelism();
  const batchSize = options.batchSize ?? 32;
  const repeats = options.repeats ?? 1;
  const precisions = options.precisions ?? ['fp32', 'int8'];
  if (precisions.length === 0) throw new TartanError(ErrorCodes.INVALID_ARGUMENT, 'bench encode needs at least one precision (fp32, int8)');
  const passages = await readPassages(options.docs, options.limit ?? 1000);
  if (passages.length === 0) throw new TartanError(ErrorCodes.INPUT_FORMAT, `${options.docs} holds no passages`);
  const models = new Map<Precision, LateInteractionTextEmbedding>();
  const results: EncodeRun[] = [];
  let tokens = 0;
  let documentLength = 0;
  let tfjs: Awaited<ReturnType<typeof loadTransformers>> | undefined;
  let agreement: Int8Agreement | undefined;
  let wasmModel: LateInteractionTextEmbedding | undefined;
  try {
    for (const precision of precisions) {
      status(`loading ${options.model} at ${precision}`);
      models.set(precision, await LateInteractionTextEmbedding.load(options.model, { threads, batchSize, precision, runtime: 'native' }));
    }
    if (options.wasm) {
      status(`loading ${options.model} at fp32 on WebAssembly`);
      wasmModel = await LateInteractionTextEmbedding.load(options.model, { threads, batchSize, precision: 'fp32', runtime: 'wasm' });
      await runTartan(wasmModel, passages.slice(0, Math.min(4, passages.length)), batchSize, 'tartan-wasm');
    }
    const warm = passages.slice(0, Math.min(4, passages.length));
    for (const [precision, model] of models) {
      documentLength = model.processor.settings.documentLength;
      await runTartan(model, warm, batchSize, implOf(precision));
    }
    if (options.baseline !== false) {
      // transformers.js sees the document marker too: tartan's inputs are one token longer per passage.
      // With int8 in the run, transformers.js also gets the int8 graph tartan loads (as its q8 file).
      const graph = resolve(options.model, 'model.onnx');
      const int8 = models.has('int8') ? int8Graph(graph, { reduceRange: !cpuHasVnni(), readExternal: externalReader(graph) }) : undefined;
      tfjs = await loadTransformers(options.model, threads, documentLength - 1, int8);
      for (const e of tfjs.extractors.values()) await e(warm, { pooling: 'none' });
    }
    // Alternate the implementations so drifting machine load hits all alike.
    for (let r = 0; r < repeats; r++) {
      for (const [precision, model] of models) {
        status(`tartan ${precision}: ${passages.length} passages (run ${r + 1}/${repeats})`);
        const t = await runTartan(model, passages, batchSize, implOf(precision));
        tokens = t.tokens;
        const { tokens: _t, ...run } = t;
        results.push(run);
      }
      if (wasmModel) {
        status(`tartan fp32 on WebAssembly: ${passages.length} passages (run ${r + 1}/${repeats})`);
        const { tokens: _t, ...run } = await runTartan(wasmModel, passages, batchSize, 'tartan-wasm');
        results.push(run);
      }
      for (const [impl, extractor] of tfjs?.extractors ?? []) {
        status(`${impl}: ${passages.length} passages (run ${r + 1}/${repeats})`);
        results.push(await runTransformers(extractor, impl, passages, batchSize, tokens));
      }
    }
    const fp32 = models.get('fp32');
    const int8 = models.get('int8');
    if (fp32 && int8) {
      const sample = passages.slice(0, options.agreementPassages ?? 200);
      status(`int8 vs fp32 vectors: ${sample.length} passages`);
      agreement = int8Agreement(await fp32.embed(sample, false), await int8.embed(sample, false));
    }
  } finally {
    for (const model of models.values()) await model.dispose();
    await wasmModel?.dispose();
    await tfjs?.cleanup();
  }
  const med = (impl: EncodeImpl) => median(results.filter((x) => x.impl === impl).map((x) => x.passages_per_s));
  const report: EncodeBenchReport = {
    machine: { cpu: cpus()[0]?.model ?? 'unknown', cores: cpus().length, node: process.version, loadavg_1m: loadavg()[0] },
    config: { model: options.model, passages: passages.length, tokens, batch_size: batchSize, threads, document_length: documentLength, repeats },
    results,
  };
  if (tfjs && models.has('fp32')) report.ratio_vs_transformers = med('tartan') / med('transformers.js');
  if (tfjs && models.has('int8')) {
    report.ratio_int8_vs_transformers = med('tartan-int8') / med('transformers.js');
    report.ratio_int8_vs_transformers_q8 = med('tartan-int8') / med('transformers.js-q8');
  }
  if (models.has('fp32') && models.has('int8')) report.ratio_int8_vs_fp32 = med('tartan-int8') / med('tartan');
  if (wasmModel && models.has('fp32')) report.ratio_wasm_vs_native = med('tartan-wasm') / med('tartan');
  if (agreement) report.int8_agreement = agreement;
  return report;
}

function implOf(precision: Precision): EncodeImpl {
  return precision === 'int8' ? 'tartan-int8' : 'tartan';
}
