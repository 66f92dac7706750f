/**
 * `LateInteractionTextEmbedding`: a ColBERT model that turns each text into one L2-normalised
 * vector per token. Queries give exactly `queryLength` rows ([MASK] expansion included);
 * documents give one row per kept token (punctuation and padding dropped).
 *
 * @example
 * ```ts
 * const model = await LateInteractionTextEmbedding.load('colbert-ir/colbertv2.0', { threads: 2 });
 * for await (const q of model.queryEmbed(['What is Qdrant?'])) console.log(q.rows, q.dim); // 32 128
 * await model.dispose();
 * ```
 */
import type { TokenMatrix } from '../../core/tensors.js';
import { ColbertProcessor, copyNormalizedRows, type PreparedInput } from './colbert-processing.js';
import { DEFAULT_BATCH_SIZE, padRows, runByLength, windows } from './batching.js';
import type { LinearLayer, ModelFolder } from './model-folder.js';
import type { SessionStats } from '../runtime/onnx-session.js';
import { resolveModelFolder, type LoadModelOptions } from '../resolve-model.js';
import { assertText } from './tokenizer.js';
import type { EmbedOptions, LateInteractionEncoder, VectorToken } from '../types.js';
import { ErrorCodes, TartanError } from '../../core/errors.js';

const OUTPUT_NAMES = ['token_embeddings'];

/** A ColBERT encoder over a loaded model folder. */
export class LateInteractionTextEmbedding implements LateInteractionEncoder {
  readonly kind = 'colbert' as const;
  readonly modelId: string;
  readonly processor: ColbertProcessor;

  private constructor(
    private readonly folder: ModelFolder,
    /** Projection layers still to apply after the graph (empty when the graph already projects). */
    private readonly projection: LinearLayer[],
    readonly dim: number,
    private readonly batchSize: number,
  ) {
    this.modelId = folder.modelId;
    if (!folder.colbert) throw new TartanError(ErrorCodes.INTERNAL, `${folder.dir} was loaded without ColBERT settings; this is a bug.`);
    this.processor = new ColbertProcessor(folder.tokenizer, folder.colbert);
  }

  /** Loads a registry model (downloaded into the hub cache) or a local folder. Default: the default ColBERT model. */
  static async load(modelIdOrPath?: string, options: LoadModelOptions = {}): Promise<LateInteractionTextEmbedding> {
    const folder = await resolveModelFolder(modelIdOrPath, 'colbert', options);
    return LateInteractionTextEmbedding.fromFolder(folder, options);
  }

  /**
   * Wraps a loaded folder. Runs the graph once on a one-word document to learn its output width,
   * so a PyLate projection is applied only when the graph does not already project.
   */
  static async fromFolder(folder: ModelFolder, options: { batchSize?: number } = {}): Promise<LateInteractionTextEmbedding> {
    const probe = new LateInteractionTextEmbedding(folder, [], 0, 1);
    const raw = await probe.runRaw([probe.processor.prepareDocument('a')]);
    const width = raw.dims[2];
    let projection = folder.projection;
    if (projection.length > 0) {
      const last = projection[projection.length - 1];
      if (width === projection[0].inFeatures) projection = folder.projection;
      else if (width === last.outFeatures) projection = [];
      else
        throw new TartanError(
          ErrorCodes.MODEL_LAYOUT_UNKNOWN,
          `${folder.dir}: the ONNX graph outputs ${width}-d vectors but the projection expects ${projection[0].inFeatures}-d input; the backbone and 1_Dense are from different models.`,
        );
    }
    const dim = projection.length > 0 ? projection[projection.length - 1].outFeatures : width;
    return new LateInteractionTextEmbedding(folder, projection, dim, options.batchSize ?? DEFAULT_BATCH_SIZE);
  }

  /** One matrix per query, `queryLength x dim`. */
  queryEmbed(texts: Iterable<string> | AsyncIterable<string>, options?: EmbedOptions): AsyncIterable<TokenMatrix> {
    return this.embedStream(texts, true, options);
  }

  /** One matrix per document, one row per kept token. */
  passageEmbed(texts: Iterable<string> | AsyncIterable<string>, options?: EmbedOptions): AsyncIterable<TokenMatrix> {
    return this.embedStream(texts, false, options);
  }

  /** Embeds an array at once (results in input order). */
  async embed(texts: readonly string[], isQuery: boolean, options?: EmbedOptions): Promise<TokenMatrix[]> {
    texts.forEach((t, i) => assertText(t, i));
    const prepared = texts.map((t) => (isQuery ? this.processor.prepareQuery(t) : this.processor.prepareDocument(t)));
    const batchSize = options?.batchSize ?? this.batchSize;
    return runByLength(
      prepared,
      (p) => p.ids.length,
      batchSize,
      (batch) => this.runBatch(batch),
    );
  }

  /** The tokens that get vectors, in row order of the matching embed call. */
  vectorTokens(text: string, isQuery: boolean): VectorToken[] {
    assertText(text);
    return this.processor.vectorTokens(text, isQuery);
  }

  /** Cumulative onnxruntime counters (time in run(), padded vs real tokens), for benchmarks. */
  runtimeStats(): SessionStats {
    return { ...this.folder.session.stats };
  }

  async dispose(): Promise<void> {
    await this.folder.session.release();
  }

  private async *embedStream(texts: Iterable<string> | AsyncIterable<string>, isQuery: boolean, options?: EmbedOptions): AsyncGenerator<TokenMatrix> {
    const batchSize = options?.batchSize ?? this.batchSize;
    // Sorting by length happens within a window of a few batches, so streams start yielding early.
    for await (const window of windows(texts, batchSize * 4)) {
      for (const m of await this.embed(window, isQuery, { batchSize })) yield m;
    }
  }

  private async runRaw(batch: PreparedInput[]) {
    const ids = padRows(
      batch.map((p) => p.ids),
      this.folder.tokenizer.padId,
    );
    const attention = padRows(
      batch.map((p) => p.attention),
      0,
    );
    const out = await this.folder.session.run({ ids: ids.flat, attention: attention.flat, batch: batch.length, seqLen: ids.seqLen }, OUTPUT_NAMES);
    if (out.dims.length !== 3 || out.dims[0] !== batch.length || out.dims[1] !== ids.seqLen) {
      throw new TartanError(
        ErrorCodes.MODEL_LAYOUT_UNKNOWN,
        `${this.folder.session.path} returned shape [${out.dims.join(', ')}]; a ColBERT graph must return [batch, tokens, dim]. Check that the folder holds a ColBERT or backbone export.`,
      );
    }
    return out;
  }

  private async runBatch(batch: PreparedInput[]): Promise<TokenMatrix[]> {
    const out = await this.runRaw(batch);
    const [, seqLen, width] = out.dims;
    return batch.map((p, b) => {
      const offset = b * seqLen * width;
      const data = new Float32Array(p.keep.length * this.dim);
      if (this.projection.length === 0) {
        copyNormalizedRows(out.data, offset, width, p.keep, data, 0);
      } else {
        const projected = projectRows(out.data, offset, width, p.keep, this.projection);
        copyNormalizedRows(
          projected,
          0,
          this.dim,
          p.keep.map((_, r) => r),
          data,
          0,
        );
      }
      return { data, rows: p.keep.length, dim: this.dim };
    });
  }
}

/** Applies the projection chain to the rows `keep` of one sequence; returns `keep.length x outDim`. */
export function projectRows(src: Float32Array, offset: number, width: number, keep: readonly number[], layers: readonly LinearLayer[]): Float32Array {
  let current = new Float32Array(keep.length * width);
  keep.forEach((row, r) => current.set(src.subarray(offset + row * width, offset + (row + 1) * width), r * width));
  let inDim = width;
  for (const layer of layers) {
    const next = new Float32Array(keep.length * layer.outFeatures);
    for (let r = 0; r < keep.length; r++) {
      const x = r * inDim;
      for (let o = 0; o < layer.outFeatures; o++) {
        const w = o * inDim;
        let s = layer.bias ? layer.bias[o] : 0;
        for (let k = 0; k < inDim; k++) s += layer.weight[w + k] * current[x + k];
        next[r * layer.outFeatures + o] = s;
      }
    }
    current = next;
    inDim = layer.outFeatures;
  }
  return current;
}
