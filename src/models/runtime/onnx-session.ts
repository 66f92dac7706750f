/**
 * ONNX sessions for tartan's encoders (onnxruntime-node, or onnxruntime-web's WebAssembly build where the
 * native runtime is absent: see load-ort.ts): thread counts from options or
 * `TARTAN_ONNX_THREADS`, int64 inputs built from token ids, outputs picked by name,
 * graphs with or without a `token_type_ids` input, and int8 loading (the graph's weight
 * MatMuls quantised at load, see onnx/quantize-int8.ts, and cached, see onnx/int8-cache.ts).
 *
 * @example
 * ```ts
 * const session = await OnnxSession.create('model.onnx', { threads: 2 });
 * const out = await session.run({ ids, attention, batch: 1, seqLen: ids.length }, ['token_embeddings']);
 * ```
 */
import { closeSync, existsSync, fstatSync, openSync, readdirSync, readFileSync, readSync } from 'node:fs';
import { basename, dirname, isAbsolute, join, relative, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import type * as Ort from 'onnxruntime-common';
import { ErrorCodes, TartanError } from '../../core/errors.js';
import { cpuHasVnni } from './cpu-features.js';
import { int8Graph, type Int8Graph } from './int8-cache.js';
import { loadRuntime, type OrtModule, type RuntimeChoice, type RuntimeInfo } from './load-ort.js';
import { QuantizeError } from './quantize-int8.js';

/** Numeric precision of the graph's weight products. */
export type Precision = 'fp32' | 'int8';
export const PRECISIONS: readonly Precision[] = ['fp32', 'int8'];

/** Thread settings for one session. */
export interface SessionOptions {
  /** Threads inside one operator (intra-op). Default: `TARTAN_ONNX_THREADS`, else onnxruntime's default. */
  threads?: number;
  /** Threads across independent operators (inter-op). Default 1: BERT graphs are a chain. */
  interOpThreads?: number;
  /**
   * 'fp32' (default: the graph as exported) or 'int8': weight MatMuls run as dynamically
   * quantised int8 products, about twice as fast on CPUs with VNNI, with vectors that differ
   * slightly from fp32 ones (`tartan bench encode` measures both). Default `TARTAN_PRECISION`, else fp32.
   */
  precision?: Precision;
  /**
   * Which ONNX runtime runs the graph: 'native' (onnxruntime-node), 'wasm' (onnxruntime-web) or 'auto'
   * (native when installed, else WebAssembly). Default `TARTAN_RUNTIME`, else auto.
   */
  runtime?: RuntimeChoice;
}

/** A padded batch of token ids, row-major `batch x seqLen`. */
export interface TokenBatch {
  ids: ArrayLike<number>;
  attention: ArrayLike<number>;
  /** Segment ids (cross-encoders); zeros are fed when absent and the graph asks for them. */
  typeIds?: ArrayLike<number>;
  batch: number;
  seqLen: number;
}

/** A float output tensor. */
export interface OutputTensor {
  data: Float32Array;
  dims: number[];
}

/** Reads the thread count: explicit option, else `TARTAN_ONNX_THREADS`, else undefined (runtime default). */
export function resolveThreads(threads?: number, env: NodeJS.ProcessEnv = process.env): number | undefined {
  const value = threads ?? (env.TARTAN_ONNX_THREADS ? Number(env.TARTAN_ONNX_THREADS) : undefined);
  if (value === undefined) return undefined;
  if (!Number.isInteger(value) || value < 1 || value > 1024) {
    throw new TartanError(
      ErrorCodes.INVALID_ARGUMENT,
      `thread count ${String(value)} is not a whole number between 1 and 1024; fix --threads or TARTAN_ONNX_THREADS.`,
    );
  }
  return value;
}

/** True for the names in PRECISIONS. */
export function isPrecision(value: string): value is Precision {
  return (PRECISIONS as readonly string[]).includes(value);
}

/** Reads the precision: explicit option, else `TARTAN_PRECISION`, else fp32. */
export function resolvePrecision(precision?: string, env: NodeJS.ProcessEnv = process.env): Precision {
  const value = precision ?? (env.TARTAN_PRECISION || 'fp32');
  if (!isPrecision(value)) {
    throw new TartanError(ErrorCodes.INVALID_ARGUMENT, `precision '${value}' is not one of ${PRECISIONS.join(', ')}; fix --precision or TARTAN_PRECISION.`);
  }
  return value;
}

/** Cumulative counters of one session, for benchmarks: time inside onnxruntime and padding. */
export interface SessionStats {
  runs: number;
  /** Milliseconds spent inside onnxruntime's run(). */
  runMs: number;
  /** Token slots fed (batch x padded length), and how many were attended (mask = 1): for documents, the real tokens. */
  paddedTokens: number;
  realTokens: number;
}

/** One loaded ONNX graph. */
export class OnnxSession {
  readonly stats: SessionStats = { runs: 0, runMs: 0, paddedTokens: 0, realTokens: 0 };

  private constructor(
    private readonly ort: OrtModule,
    private readonly session: Ort.InferenceSession,
    readonly path: string,
    readonly precision: Precision,
    /** The runtime that runs this session. */
    readonly runtime: RuntimeInfo,
    /** For int8 sessions: what the quantisation changed. */
    readonly quantized?: Int8Graph['report'],
  ) {}

  /** Loads a graph; MODEL_FILES_MISSING when the file is absent, MODEL_CORRUPT when onnxruntime cannot load it. */
  static async create(path: string, options: SessionOptions = {}): Promise<OnnxSession> {
    if (!existsSync(path))
      throw new TartanError(
        ErrorCodes.MODEL_FILES_MISSING,
        `ONNX file ${path} does not exist; download the model again or point to the folder that holds it.`,
        { details: { missing: [path] } },
      );
    const threads = resolveThreads(options.threads);
    const sessionOptions: Ort.InferenceSession.SessionOptions = {
      graphOptimizationLevel: 'all',
      executionMode: 'sequential',
      interOpNumThreads: options.interOpThreads ?? 1,
      ...(threads !== undefined ? { intraOpNumThreads: threads } : {}),
    };
    const precision = resolvePrecision(options.precision);
    const int8 = precision === 'int8' ? quantizedGraph(path) : undefined;
    const { ort, info } = await loadRuntime(options.runtime);
    try {
      const graph = int8?.bytes ?? int8?.path ?? path;
      // onnxruntime-web reads no files itself: it gets the graph's bytes and those of its external data files.
      const session =
        typeof graph === 'string' && info.kind === 'native'
          ? await ort.InferenceSession.create(graph, sessionOptions)
          : await ort.InferenceSession.create(
              typeof graph === 'string' ? readFileSync(graph) : graph,
              info.kind === 'wasm' ? { ...sessionOptions, externalData: externalDataFiles(int8?.path ?? path) } : sessionOptions,
            );
      return new OnnxSession(ort, session, path, precision, info, int8?.report);
    } catch (err) {
      throw new TartanError(
        ErrorCodes.MODEL_CORRUPT,
        `onnxruntime could not load ${path}: ${(err as Error).message.split('\n')[0]}. The file is damaged or not an ONNX graph; delete it and download the model again.`,
        { cause: err },
      );
    }
  }

  get inputNames(): readonly string[] {
    return this.session.inputNames;
  }
  get outputNames(): readonly string[] {
    return this.session.outputNames;
  }

  /** The first of `preferred` the graph produces, else its first output. */
  pickOutput(preferred: readonly string[]): string {
    return preferred.find((n) => this.session.outputNames.includes(n)) ?? this.session.outputNames[0];
  }

  /**
   * Runs a batch and returns the named output (first of `preferred` present, else the
   * first output) as float32. onnxruntime errors become MODEL_RUNTIME.
   */
  async run(input: TokenBatch, preferred: readonly string[]): Promise<OutputTensor> {
    const dims = [input.batch, input.seqLen];
    const size = input.batch * input.seqLen;
    const feeds: Record<string, Ort.Tensor> = {};
    const { Tensor } = this.ort;
    for (const name of this.session.inputNames) {
      if (name === 'input_ids') feeds[name] = new Tensor('int64', toInt64(input.ids, size), dims);
      else if (name === 'attention_mask') feeds[name] = new Tensor('int64', toInt64(input.attention, size), dims);
      else if (name === 'token_type_ids') feeds[name] = new Tensor('int64', input.typeIds ? toInt64(input.typeIds, size) : new BigInt64Array(size), dims);
      else
        throw new TartanError(
          ErrorCodes.MODEL_LAYOUT_UNKNOWN,
          `${this.path} asks for an input '${name}'; tartan feeds input_ids, attention_mask and token_type_ids only. Use an export of the model with those inputs.`,
        );
    }
    const name = this.pickOutput(preferred);
    let results: Ort.InferenceSession.OnnxValueMapType;
    const started = performance.now();
    try {
      results = await this.session.run(feeds, [name]);
    } catch (err) {
      throw new TartanError(
        ErrorCodes.MODEL_RUNTIME,
        `onnxruntime failed running ${this.path}: ${(err as Error).message.split('\n')[0]}. Check that the model folder matches its registry entry; try a smaller batch size if memory ran out.`,
        { cause: err },
      );
    }
    this.stats.runs++;
    this.stats.runMs += performance.now() - started;
    this.stats.paddedTokens += size;
    for (let i = 0; i < size; i++) this.stats.realTokens += input.attention[i] ? 1 : 0;
    const tensor = results[name] as Ort.Tensor;
    const data = tensor.data;
    const floats = data instanceof Float32Array ? data : Float32Array.from(data as ArrayLike<number>);
    return { data: floats, dims: tensor.dims.map(Number) };
  }

  /** Frees the native session. */
  async release(): Promise<void> {
    await this.session.release();
  }
}

/** The graph at `path` with its weight MatMuls in int8; coded errors when it cannot be quantised. */
function quantizedGraph(path: string): Int8Graph {
  let result: Int8Graph;
  try {
    result = int8Graph(path, { reduceRange: !cpuHasVnni(), readExternal: externalReader(path) });
  } catch (err) {
    if (!(err instanceof QuantizeError)) throw err;
    throw new TartanError(ErrorCodes.MODEL_CORRUPT, `cannot load ${path} in int8: ${err.message}. Load it with precision fp32.`, { cause: err });
  }
  if (result.report.matmuls === 0) {
    throw new TartanError(
      ErrorCodes.UNSUPPORTED_MODEL,
      `${path} has no MatMul with a constant float32 weight matrix, so int8 precision would change nothing; load it with precision fp32.`,
    );
  }
  return result;
}

/** The data files beside a graph (model.onnx_data, model.onnx.data, ...), as onnxruntime-web's `externalData` option takes them. */
function externalDataFiles(graphPath: string): { path: string; data: Uint8Array }[] {
  const dir = dirname(resolve(graphPath));
  const name = basename(graphPath);
  return readdirSync(dir)
    .filter((n) => n !== name && n.startsWith(name) && /data$/.test(n))
    .map((n) => ({ path: n, data: readFileSync(join(dir, n)) }));
}

/** Reads external tensor data beside the graph at `modelPath`; locations may not leave its folder. */
export function externalReader(modelPath: string): (location: string, offset: number, length: number | undefined) => Uint8Array {
  const dir = dirname(resolve(modelPath));
  return (location, offset, length) => {
    const file = resolve(dir, location);
    const rel = relative(dir, file);
    if (isAbsolute(location) || rel.startsWith('..') || isAbsolute(rel))
      throw new QuantizeError(`external data location ${location} points outside the model folder`);
    if (!existsSync(file)) throw new QuantizeError(`external data file ${file} is missing`);
    const fd = openSync(file, 'r');
    try {
      const size = fstatSync(fd).size;
      const n = length ?? size - offset;
      if (offset + n > size) throw new QuantizeError(`external data file ${file} is ${size} bytes; a tensor wants bytes ${offset} to ${offset + n}`);
      const out = Buffer.allocUnsafe(n);
      for (let done = 0; done < n;) {
        const got = readSync(fd, out, done, n - done, offset + done);
        if (got === 0) throw new QuantizeError(`external data file ${file} ended early`);
        done += got;
      }
      return out;
    } finally {
      closeSync(fd);
    }
  };
}

function toInt64(values: ArrayLike<number>, size: number): BigInt64Array {
  const out = new BigInt64Array(size);
  for (let i = 0; i < size; i++) out[i] = BigInt(values[i]);
  return out;
}
