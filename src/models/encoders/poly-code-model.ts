/**
 * Poly-encoder codes from an ONNX export, used instead of codes learned by k-means when a trained
 * poly-encoder is available. The export is the poly-encoder's code attention over a document's
 * token vectors (the encoder that produces those vectors stays tartan's ColBERT model):
 *
 * - input `token_embeddings`: float32 `[batch, tokens, dim]` (the document's token vectors, zero-padded)
 * - input `attention_mask`: int64 `[batch, tokens]` (1 for a real token, 0 for padding)
 * - output `codes`: float32 `[batch, M, dim]`
 *
 * {@link polyCodeModelBytes} writes tartan's own construction (`softmax(c . tokens / T) . tokens`
 * with given code queries) in this form: the reference export, and what the tests load.
 */
import { readFileSync } from 'node:fs';
import { ErrorCodes, TartanError } from '../../core/errors.js';
import type { TokenMatrixBatch } from '../../core/tensors.js';
import { GraphBuilder, modelProto, TensorType } from '../runtime/onnx-graph.js';
import { loadRuntime, type OrtModule } from '../runtime/load-ort.js';
import { MAX_CODES } from '../../representations/poly.js';

export const POLY_MODEL_INPUTS = ['token_embeddings', 'attention_mask'] as const;
export const POLY_MODEL_OUTPUT = 'codes';
/** Documents per onnxruntime run: bounds the padded batch tensor. */
const BATCH_DOCUMENTS = 32;

type Session = Awaited<ReturnType<OrtModule['InferenceSession']['create']>>;

/**
 * A loaded poly-encoder code export.
 * @example
 * const model = await PolyCodeModel.load('./poly-codes.onnx', 128);
 * const codes = await model.represent(batch); // model.codes rows per document
 */
export class PolyCodeModel {
  private constructor(
    private readonly ort: OrtModule,
    private readonly session: Session,
    readonly path: string,
    readonly dim: number,
    /** M: code vectors per document. */
    readonly codes: number,
  ) {}

  /**
   * Loads the export at `path` for `dim`-dimensional token vectors and finds M by running one token.
   * @throws TartanError MODEL_LAYOUT_UNKNOWN when the inputs, output or shapes differ from the contract; MODEL_CORRUPT when onnxruntime cannot load it.
   */
  static async load(path: string, dim: number): Promise<PolyCodeModel> {
    const { ort } = await loadRuntime();
    let session: Session;
    try {
      session = await ort.InferenceSession.create(readFileSync(path));
    } catch (e) {
      const missing = (e as NodeJS.ErrnoException).code === 'ENOENT';
      throw new TartanError(
        missing ? ErrorCodes.MODEL_FILES_MISSING : ErrorCodes.MODEL_CORRUPT,
        missing ? `poly-encoder export ${path} does not exist` : `onnxruntime could not load ${path}: ${(e as Error).message.split('\n')[0]}`,
        { cause: e },
      );
    }
    const layout = (why: string) =>
      new TartanError(
        ErrorCodes.MODEL_LAYOUT_UNKNOWN,
        `${path} is not a poly-encoder code export (${why}); it needs inputs token_embeddings [batch, tokens, ${dim}] and attention_mask [batch, tokens], and output codes [batch, M, ${dim}]`,
      );
    const inputs = [...session.inputNames].sort();
    if (inputs.join() !== [...POLY_MODEL_INPUTS].sort().join()) throw layout(`its inputs are ${session.inputNames.join(', ')}`);
    if (!session.outputNames.includes(POLY_MODEL_OUTPUT)) throw layout(`its outputs are ${session.outputNames.join(', ')}`);
    const probe = new PolyCodeModel(ort, session, path, dim, 0);
    let dims: number[];
    try {
      dims = (await probe.run(new Float32Array(dim), 1, 1, BigInt64Array.of(1n))).dims;
    } catch (e) {
      throw layout((e as Error).message.split('\n')[0]);
    }
    const m = dims[1];
    if (dims.length !== 3 || dims[0] !== 1 || dims[2] !== dim || !(m >= 1 && m <= MAX_CODES))
      throw layout(`one document gave codes of shape [${dims.join(', ')}]`);
    return new PolyCodeModel(ort, session, path, dim, m);
  }

  private async run(data: Float32Array, batch: number, tokens: number, mask: BigInt64Array): Promise<{ data: Float32Array; dims: number[] }> {
    const { Tensor } = this.ort;
    const out = await this.session.run({
      token_embeddings: new Tensor('float32', data, [batch, tokens, this.dim]),
      attention_mask: new Tensor('int64', mask, [batch, tokens]),
    });
    const t = out[POLY_MODEL_OUTPUT];
    return { data: t.data as Float32Array, dims: t.dims.map(Number) };
  }

  /** The codes of each document of `docs` (M rows each), packed like the input. */
  async represent(docs: TokenMatrixBatch): Promise<TokenMatrixBatch> {
    if (docs.dim !== this.dim)
      throw new TartanError(ErrorCodes.DIMENSION_MISMATCH, `documents have dim ${docs.dim}, the poly-encoder export ${this.path} takes ${this.dim}`);
    const n = docs.offsets.length - 1;
    const { dim, codes: m } = this;
    const out = new Float32Array(n * m * dim);
    for (let first = 0; first < n; first += BATCH_DOCUMENTS) {
      const batch = Math.min(BATCH_DOCUMENTS, n - first);
      let tokens = 1;
      for (let i = first; i < first + batch; i++) tokens = Math.max(tokens, docs.offsets[i + 1] - docs.offsets[i]);
      const data = new Float32Array(batch * tokens * dim);
      const mask = new BigInt64Array(batch * tokens);
      for (let b = 0; b < batch; b++) {
        const from = docs.offsets[first + b],
          rows = docs.offsets[first + b + 1] - from;
        data.set(docs.data.subarray(from * dim, (from + rows) * dim), b * tokens * dim);
        mask.fill(1n, b * tokens, b * tokens + rows);
      }
      const result = await this.run(data, batch, tokens, mask);
      out.set(result.data.subarray(0, batch * m * dim), first * m * dim);
    }
    for (let i = 0; i < out.length; i++)
      if (!Number.isFinite(out[i]))
        throw new TartanError(ErrorCodes.NON_FINITE_VALUE, `the poly-encoder export ${this.path} gave ${out[i]} for document ${Math.floor(i / (m * dim))}`);
    return { data: out, offsets: Uint32Array.from({ length: n + 1 }, (_, i) => i * m), dim };
  }

  async release(): Promise<void> {
    await this.session.release();
  }
}

/**
 * The ONNX bytes of a code export computing `softmax(c_j . tokens / temperature) . tokens` for the
 * `M x dim` code queries `queries` (padding masked out).
 * @example writeFileSync('poly-codes.onnx', polyCodeModelBytes(learnCodeQueries(tokens, 128, 16), 128, 0.01));
 */
export function polyCodeModelBytes(queries: Float32Array, dim: number, temperature: number): Uint8Array {
  const m = queries.length / dim;
  if (!Number.isInteger(m) || m < 1 || m > MAX_CODES)
    throw new TartanError(ErrorCodes.INVALID_ARGUMENT, `code queries must be M x ${dim} values with M from 1 to ${MAX_CODES}, got ${queries.length}`);
  // Transposed and pre-divided by the temperature: the graph's first MatMul then gives the softmax logits.
  const transposed = new Float32Array(dim * m);
  for (let j = 0; j < m; j++) for (let d = 0; d < dim; d++) transposed[d * m + j] = queries[j * dim + d] / temperature;
  const g = new GraphBuilder('poly_codes');
  const tokens = g.input('token_embeddings', TensorType.FLOAT, ['batch', 'tokens', dim]);
  const mask = g.input('attention_mask', TensorType.INT64, ['batch', 'tokens']);
  const w = g.initializer('code_queries', TensorType.FLOAT, [dim, m], new Uint8Array(transposed.buffer));
  const logits = g.op('MatMul', [tokens, w]); // [batch, tokens, M]
  // Padding gets -1e9 before the softmax: (mask - 1) * 1e9, broadcast over the M codes.
  const maskF = g.op('Cast', [mask], { to: { int: TensorType.FLOAT } });
  const bias = g.op('Mul', [g.op('Sub', [maskF, g.float(1)]), g.float(1e9)]);
  const masked = g.op('Add', [logits, g.op('Unsqueeze', [bias, g.int64([2])])]);
  const weights = g.op('Softmax', [g.op('Transpose', [masked], { perm: { ints: [0, 2, 1] } })], { axis: { int: -1 } }); // [batch, M, tokens]
  g.output(g.op('MatMul', [weights, tokens]), TensorType.FLOAT, ['batch', m, dim], POLY_MODEL_OUTPUT);
  return modelProto(g, { opset: 17, producerName: 'tartan poly codes' }).toBuffer();
}
