/**
 * Dense centroid products: centroid scores of a query at search time (the
 * native PLAID kernel where the addon is built: no session, no transpose, about
 * 0.5 ms for 32 x 8192 x 128) and nearest-centroid assignment of millions of
 * tokens at build time, both on onnxruntime's CPU matrix multiply otherwise
 * (multi-threaded, vectorised). A one-node ONNX graph (MatMul with the
 * centroids as a constant, plus ArgMax) is built in memory with the project's
 * own ONNX writer; nothing is downloaded or written. onnxruntime and the
 * writer load on first use, so importing the package never loads the runtime.
 */
import { availableParallelism } from 'node:os';
import type * as Ort from 'onnxruntime-common';
import type * as OnnxGraph from '../models/runtime/onnx-graph.js';
import { loadOnnxRuntime } from '../models/runtime/load-ort.js';
import { plaidNative } from './kernels.js';
import { quantizeRowsInt8 } from '../scoring/quantize.js';

/** onnxruntime and the ONNX graph writer, as loaded on first use. */
export interface OnnxModules {
  ort: typeof Ort;
  graph: typeof OnnxGraph;
}

let modules: Promise<OnnxModules> | undefined;

/** Loads onnxruntime (a native addon) and the graph writer once, when a session is first needed. */
export function onnxModules(): Promise<OnnxModules> {
  modules ??= Promise.all([loadOnnxRuntime(), import('../models/runtime/onnx-graph.js')]).then(
    ([ort, graph]) => ({ ort, graph }),
    (err: unknown) => {
      modules = undefined; // a later call may succeed once the runtime is repaired
      throw err;
    },
  );
  return modules;
}

const BLOCK_ROWS = 2048;
const NATIVE_BLOCK_ROWS = 65536;

/** Transposes rows x dim into dim x rows. */
function transpose(x: Float32Array, rows: number, dim: number): Float32Array {
  const out = new Float32Array(rows * dim);
  for (let r = 0; r < rows; r++) for (let d = 0; d < dim; d++) out[d * rows + r] = x[r * dim + d];
  return out;
}

/**
 * An onnxruntime session for an in-memory graph of centroid products, built by `build` with the graph
 * writer (`threads`: intra-op threads, default all cores).
 */
export async function sessionOfGraph(build: (graph: typeof OnnxGraph) => OnnxGraph.GraphBuilder, threads?: number): Promise<Ort.InferenceSession> {
  const { ort, graph } = await onnxModules();
  const bytes = graph.modelProto(build(graph), { opset: 17 }).toBuffer();
  return ort.InferenceSession.create(new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength), {
    graphOptimizationLevel: 'all',
    executionMode: 'sequential',
    ...(threads ? { intraOpNumThreads: threads } : {}),
    // No busy-waiting threads: searches run one small product at a time and the machine may be shared.
    extra: { session: { intra_op: { allow_spinning: '0' } } },
  });
}

/** Centroids quantised per row to int8, with each row's value sum (what the int8 kernels take). */
function centroidsInt8(centroids: Float32Array, dim: number): { data: Int8Array; scales: Float32Array; sums: Int32Array } {
  const q = quantizeRowsInt8(centroids, dim);
  const k = q.scales.length;
  const sums = new Int32Array(k);
  for (let c = 0; c < k; c++) {
    let s = 0;
    for (let d = 0; d < dim; d++) s += q.data[c * dim + d];
    sums[c] = s;
  }
  return { data: q.data, scales: q.scales, sums };
}

export class CentroidEngine {
  private session?: Promise<Ort.InferenceSession>;
  private i8?: { data: Int8Array; scales: Float32Array; sums: Int32Array };

  private constructor(
    private readonly centroids: Float32Array,
    private readonly threads: number | undefined,
    readonly k: number,
    readonly dim: number,
  ) {}

  /**
   * Builds the engine for `centroids` (k x dim, row-major). `threads`: onnxruntime intra-op threads
   * (1 suits the small per-query product; the default, all cores, suits bulk assignment).
   * @example const engine = await CentroidEngine.create(centroids, 128); const s = await engine.scores(query);
   */
  static async create(centroids: Float32Array, dim: number, threads?: number): Promise<CentroidEngine> {
    return new CentroidEngine(centroids, threads, centroids.length / dim, dim);
  }

  /** The onnxruntime session, built on first use (query scoring with the native kernels never needs it). */
  private onnx(): Promise<Ort.InferenceSession> {
    this.session ??= CentroidEngine.createSession(this.centroids, this.dim, this.threads);
    return this.session;
  }

  private static createSession(centroids: Float32Array, dim: number, threads?: number): Promise<Ort.InferenceSession> {
    const k = centroids.length / dim;
    return sessionOfGraph(({ GraphBuilder, TensorType }) => {
      const g = new GraphBuilder('tartan_centroids');
      const xt = g.input('xt', TensorType.FLOAT, [dim, 'n']);
      const c = g.initializer('centroids', TensorType.FLOAT, [k, dim], new Uint8Array(centroids.buffer, centroids.byteOffset, centroids.byteLength));
      const st = g.op('MatMul', [c, xt]);
      g.output(st, TensorType.FLOAT, [k, 'n'], 'scores');
      const best = g.op('ArgMax', ['scores'], { axis: { int: 0 }, keepdims: { int: 0 } });
      g.output(best, TensorType.INT64, ['n'], 'nearest');
      return g;
    }, threads);
  }

  /** Scores of every centroid for every row of `x` (rows x dim), centroid-major: out[c * rows + r]. */
  async scores(x: Float32Array, rows: number): Promise<Float32Array> {
    const native = plaidNative();
    if (native) {
      const out = new Float32Array(this.k * rows);
      native.centroidScores(x.subarray(0, rows * this.dim), rows, this.dim, this.centroids, out);
      return out;
    }
    const session = await this.onnx();
    const { ort } = await onnxModules();
    const out = await session.run({ xt: new ort.Tensor('float32', transpose(x, rows, this.dim), [this.dim, rows]) }, ['scores']);
    return out.scores.data as Float32Array;
  }

  /**
   * The nearest centroid of every row of `x` for building an index: by int8 products (rows and
   * centroids quantised per row, AVX-512 VNNI, about four times the float throughput) where the addon
   * and CPU have them, else {@link nearest}. A centroid whose int8 score ties or beats the float
   * nearest by under the quantisation error (about 1e-3 for unit vectors) may be picked instead: its
   * residual is then marginally larger, and the residual is always taken against the centroid picked.
   */
  async nearestForBuild(x: Float32Array): Promise<Uint32Array> {
    const native = plaidNative();
    if (!native?.nearestI8 || this.dim % 4 !== 0) return this.nearest(x);
    const rows = x.length / this.dim;
    const out = new Uint32Array(rows);
    this.i8 ??= centroidsInt8(this.centroids, this.dim);
    const threads = this.threads ?? availableParallelism();
    for (let start = 0; start < rows; start += NATIVE_BLOCK_ROWS) {
      const n = Math.min(NATIVE_BLOCK_ROWS, rows - start);
      const c = this.i8;
      if (!native.nearestI8(x.subarray(start * this.dim, (start + n) * this.dim), this.dim, c.data, c.scales, c.sums, out.subarray(start, start + n), threads))
        return this.nearest(x);
      if (start + n < rows) await new Promise((resolve) => setImmediate(resolve));
    }
    return out;
  }

  /** The nearest (max dot product) centroid of every row of `x`, exact. */
  async nearest(x: Float32Array): Promise<Uint32Array> {
    const rows = x.length / this.dim;
    const out = new Uint32Array(rows);
    const native = plaidNative();
    if (native) {
      // Fused multiply + running argmax (no k x n score matrix), on every core; the event loop gets
      // a turn between blocks so a server stays responsive during a large add.
      const threads = this.threads ?? availableParallelism();
      for (let start = 0; start < rows; start += NATIVE_BLOCK_ROWS) {
        const n = Math.min(NATIVE_BLOCK_ROWS, rows - start);
        native.nearest(x.subarray(start * this.dim, (start + n) * this.dim), this.dim, this.centroids, out.subarray(start, start + n), threads);
        if (start + n < rows) await new Promise((resolve) => setImmediate(resolve));
      }
      return out;
    }
    const session = await this.onnx();
    const { ort } = await onnxModules();
    for (let start = 0; start < rows; start += BLOCK_ROWS) {
      const n = Math.min(BLOCK_ROWS, rows - start);
      const block = x.subarray(start * this.dim, (start + n) * this.dim);
      const res = await session.run({ xt: new ort.Tensor('float32', transpose(block, n, this.dim), [this.dim, n]) }, ['nearest']);
      const idx = res.nearest.data as BigInt64Array;
      for (let i = 0; i < n; i++) out[start + i] = Number(idx[i]);
    }
    return out;
  }

  async dispose(): Promise<void> {
    if (this.session) await (await this.session).release();
    this.session = undefined;
  }
}
