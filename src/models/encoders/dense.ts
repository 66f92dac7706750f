/**
 * `TextEmbedding`: a single-vector (bi-encoder) model such as BAAI/bge-small-en-v1.5.
 * One vector per text: CLS pooling (or attention-masked mean, per the model's pooling
 * config), L2-normalised. As in fastembed's default, queries get no instruction prefix.
 *
 * @example
 * ```ts
 * const model = await TextEmbedding.load(); // BAAI/bge-small-en-v1.5
 * for await (const v of model.passageEmbed(['Qdrant is a vector database'])) console.log(v.length); // 384
 * ```
 */
import { DEFAULT_BATCH_SIZE, padRows, runByLength, windows } from './batching.js';
import { normalizeInPlace } from './colbert-processing.js';
import type { ModelFolder } from './model-folder.js';
import { resolveModelFolder, type LoadModelOptions } from '../resolve-model.js';
import { assertText } from './tokenizer.js';
import type { DenseEncoder, EmbedOptions } from '../types.js';
import { ErrorCodes, TartanError } from '../../core/errors.js';

const OUTPUT_NAMES = ['last_hidden_state', 'token_embeddings', 'sentence_embedding'];

/** A dense encoder over a loaded model folder. */
export class TextEmbedding implements DenseEncoder {
  readonly kind = 'dense' as const;
  readonly modelId: string;
  readonly pooling: 'cls' | 'mean';
  readonly normalize: boolean;

  private constructor(
    private readonly folder: ModelFolder,
    readonly dim: number,
    private readonly batchSize: number,
  ) {
    this.modelId = folder.modelId;
    this.pooling = folder.pooling ?? 'cls';
    this.normalize = folder.normalize ?? true;
  }

  /** Loads a registry model or a local folder. Default: the default dense model. */
  static async load(modelIdOrPath?: string, options: LoadModelOptions = {}): Promise<TextEmbedding> {
    return TextEmbedding.fromFolder(await resolveModelFolder(modelIdOrPath, 'dense', options), options);
  }

  /** Wraps a loaded folder; runs the graph once to learn the output width. */
  static async fromFolder(folder: ModelFolder, options: { batchSize?: number } = {}): Promise<TextEmbedding> {
    const probe = new TextEmbedding(folder, 0, 1);
    const [v] = await probe.embed(['a']);
    return new TextEmbedding(folder, v.length, options.batchSize ?? DEFAULT_BATCH_SIZE);
  }

  /** One vector per query (no instruction prefix, as fastembed's default). */
  queryEmbed(texts: Iterable<string> | AsyncIterable<string>, options?: EmbedOptions): AsyncIterable<Float32Array> {
    return this.embedStream(texts, options);
  }

  /** One vector per passage. */
  passageEmbed(texts: Iterable<string> | AsyncIterable<string>, options?: EmbedOptions): AsyncIterable<Float32Array> {
    return this.embedStream(texts, options);
  }

  /** Embeds an array at once (results in input order). */
  async embed(texts: readonly string[], options?: EmbedOptions): Promise<Float32Array[]> {
    texts.forEach((t, i) => assertText(t, i));
    const encoded = texts.map((t) => this.encode(t));
    return runByLength(
      encoded,
      (ids) => ids.length,
      options?.batchSize ?? this.batchSize,
      (batch) => this.runBatch(batch),
    );
  }

  async dispose(): Promise<void> {
    await this.folder.session.release();
  }

  private async *embedStream(texts: Iterable<string> | AsyncIterable<string>, options?: EmbedOptions): AsyncGenerator<Float32Array> {
    const batchSize = options?.batchSize ?? this.batchSize;
    for await (const window of windows(texts, batchSize * 4)) {
      for (const v of await this.embed(window, { batchSize })) yield v;
    }
  }

  /** Token ids truncated to the model's maximum length, keeping the final special token. */
  private encode(text: string): number[] {
    const tok = this.folder.tokenizer;
    const ids = tok.encode(text, true).ids;
    const max = this.folder.maxLength;
    if (ids.length <= max) return ids;
    const suffix = tok.specialSuffix.length;
    return [...ids.slice(0, max - suffix), ...ids.slice(ids.length - suffix)];
  }

  private async runBatch(batch: number[][]): Promise<Float32Array[]> {
    const ids = padRows(batch, this.folder.tokenizer.padId);
    const attention = padRows(
      batch.map((r) => r.map(() => 1)),
      0,
    );
    const out = await this.folder.session.run({ ids: ids.flat, attention: attention.flat, batch: batch.length, seqLen: ids.seqLen }, OUTPUT_NAMES);
    if (out.dims.length === 2 && out.dims[0] === batch.length) {
      // The graph pools itself (sentence_embedding).
      const width = out.dims[1];
      return batch.map((_, b) => this.finish(out.data.slice(b * width, (b + 1) * width)));
    }
    if (out.dims.length !== 3 || out.dims[0] !== batch.length) {
      throw new TartanError(
        ErrorCodes.MODEL_LAYOUT_UNKNOWN,
        `${this.folder.session.path} returned shape [${out.dims.join(', ')}]; a dense model must return [batch, tokens, hidden] or [batch, dim]. Check the model folder.`,
      );
    }
    const [, seqLen, width] = out.dims;
    return batch.map((row, b) => {
      const base = b * seqLen * width;
      if (this.pooling === 'cls') return this.finish(out.data.slice(base, base + width));
      const v = new Float32Array(width);
      for (let t = 0; t < row.length; t++) for (let k = 0; k < width; k++) v[k] += out.data[base + t * width + k];
      for (let k = 0; k < width; k++) v[k] /= row.length;
      return this.finish(v);
    });
  }

  private finish(v: Float32Array): Float32Array {
    return this.normalize ? normalizeInPlace(v) : v;
  }
}
