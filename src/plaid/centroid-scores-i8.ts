/**
 * Stage 1 of a search from int8 centroids (index format 3 stores them so):
 * each query row is quantised to int8 with its own scale, and
 * score(c, r) = (sum_d q8[r][d] * c8[c][d]) * (qscale[r] * cscale[c]).
 * The integer sums are exact, so the native kernel (AVX-512 VNNI,
 * native/plaid-centroids-vnni.cc) and its twin here (onnxruntime's
 * MatMulInteger, then the same two float32 multiplies) return the same bits.
 * Against float32 scores the error is about 1e-3 for unit vectors: stage 1 only
 * picks centroids and bounds, the exact rerank still scores float32 vectors.
 * On SciFact (32 x 8,192 x 128) the product costs about a quarter of the float one.
 */
import type * as Ort from 'onnxruntime-common';
import type { TokenMatrix } from '../core/tensors.js';
import { onnxModules, sessionOfGraph } from './centroid-engine.js';
import type { Codebook } from './types.js';
import type { CentroidsI8 } from './centroid-bytes.js';
import { plaidNative, searchThreads } from './kernels.js';
import { quantizeRowsInt8 } from '../scoring/quantize.js';

interface I8Addon {
  centroidScoresI8(
    q8: Int8Array,
    qscale: Float32Array,
    rows: number,
    dim: number,
    c8: Int8Array,
    cscale: Float32Array,
    csum: Int32Array,
    out: Float32Array,
    threads?: number,
  ): boolean;
}

/** Whether stage 1 of this codebook runs on int8 (int8 centroids stored, dim a multiple of 4). */
export function usesI8(cb: Codebook): boolean {
  return cb.i8 !== undefined && cb.codec.dim % 4 === 0;
}

/**
 * Centroid scores of `query` (centroid-major, out[c * rows + r]) from the codebook's int8 centroids;
 * requires usesI8(cb). The native kernel writes `scratch` (k x rows) before returning; the
 * onnxruntime twin awaits its session, so it always returns an array of its own (searches may interleave).
 */
export async function centroidScoresI8(query: TokenMatrix, cb: Codebook, scratch?: Float32Array): Promise<Float32Array> {
  const i8 = cb.i8!,
    { rows, dim } = query;
  const { data: q8, scales } = quantizeRowsInt8(query.data.subarray(0, rows * dim), dim);
  const native = plaidNative() as unknown as Partial<I8Addon> | null;
  if (native?.centroidScoresI8) {
    const out = scratch ?? new Float32Array(cb.k * rows);
    if (native.centroidScoresI8(q8, scales, rows, dim, i8.data, i8.scales, i8.sums, out, searchThreads())) return out;
  }
  const out = new Float32Array(cb.k * rows);
  const u8 = new Uint8Array(rows * dim);
  for (let i = 0; i < u8.length; i++) u8[i] = q8[i] + 128;
  const session = await sessionOf(i8, dim);
  const { ort } = await onnxModules();
  const res = await session.run({ x: new ort.Tensor('uint8', u8, [rows, dim]) });
  const acc = res.y.data as Int32Array; // rows x k: sum (q8 + 128) * c8
  const k = cb.k,
    f = Math.fround;
  for (let c = 0; c < k; c++) {
    const corr = 128 * i8.sums[c],
      cs = i8.scales[c];
    for (let r = 0; r < rows; r++) out[c * rows + r] = f((acc[r * k + c] - corr) * f(scales[r] * cs));
  }
  return out;
}

const sessions = new WeakMap<CentroidsI8, Promise<Ort.InferenceSession>>();

/** A one-node MatMulInteger graph with the centroids (transposed, dim x k) as a constant; built once per codebook. */
function sessionOf(i8: CentroidsI8, dim: number): Promise<Ort.InferenceSession> {
  let s = sessions.get(i8);
  if (!s) {
    const k = i8.scales.length;
    const ct = new Int8Array(dim * k);
    for (let c = 0; c < k; c++) for (let d = 0; d < dim; d++) ct[d * k + c] = i8.data[c * dim + d];
    s = sessionOfGraph(({ GraphBuilder, TensorType }) => {
      const g = new GraphBuilder('tartan_centroids_i8');
      const x = g.input('x', TensorType.UINT8, ['n', dim]);
      const w = g.initializer('centroids', TensorType.INT8, [dim, k], new Uint8Array(ct.buffer));
      g.output(g.op('MatMulInteger', [x, w]), TensorType.INT32, ['n', k], 'y');
      return g;
    }, 1);
    sessions.set(i8, s);
  }
  return s;
}
