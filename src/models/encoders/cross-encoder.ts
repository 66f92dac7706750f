/**
 * `TextCrossEncoder`: scores (query, document) pairs jointly, as fastembed's
 * `TextCrossEncoder`. Each pair is encoded `[CLS] query [SEP] document [SEP]` with
 * token_type_ids, truncated to the model's maximum length (512) by cutting the document
 * first; the score is the raw logit.
 *
 * @example
 * ```ts
 * const ce = await TextCrossEncoder.load(); // Xenova/ms-marco-MiniLM-L-6-v2
 * for await (const s of ce.rerank('What is Qdrant?', ['Qdrant is a vector database', 'Bread'])) console.log(s);
 * ```
 */
import { DEFAULT_BATCH_SIZE, padRows, runByLength, windows } from './batching.js';
import type { ModelFolder } from './model-folder.js';
import { resolveModelFolder, type LoadModelOptions } from '../resolve-model.js';
import { assertText, type EncodedPair } from './tokenizer.js';
import type { CrossEncoder, EmbedOptions } from '../types.js';
import { ErrorCodes, TartanError } from '../../core/errors.js';

const OUTPUT_NAMES = ['logits'];

/** A cross-encoder over a loaded model folder. */
export class TextCrossEncoder implements CrossEncoder {
  readonly kind = 'cross-encoder' as const;
  readonly modelId: string;

  private constructor(
    private readonly folder: ModelFolder,
    private readonly batchSize: number,
  ) {
    this.modelId = folder.modelId;
  }

  /** Loads a registry model or a local folder. Default: the default cross-encoder. */
  static async load(modelIdOrPath?: string, options: LoadModelOptions = {}): Promise<TextCrossEncoder> {
    return TextCrossEncoder.fromFolder(await resolveModelFolder(modelIdOrPath, 'cross-encoder', options), options);
  }

  /** Wraps a loaded folder. */
  static fromFolder(folder: ModelFolder, options: { batchSize?: number } = {}): TextCrossEncoder {
    return new TextCrossEncoder(folder, options.batchSize ?? DEFAULT_BATCH_SIZE);
  }

  /** One raw logit per document, in document order. */
  async *rerank(query: string, documents: Iterable<string> | AsyncIterable<string>, options?: EmbedOptions): AsyncIterable<number> {
    assertText(query);
    const batchSize = options?.batchSize ?? this.batchSize;
    for await (const window of windows(documents, batchSize * 4)) {
      for (const s of await this.score(query, window, { batchSize })) yield s;
    }
  }

  /** Scores an array of documents at once (results in input order). */
  async score(query: string, documents: readonly string[], options?: EmbedOptions): Promise<number[]> {
    assertText(query);
    documents.forEach((d, i) => assertText(d, i));
    const pairs = documents.map((d) => this.folder.tokenizer.encodePair(query, d, this.folder.maxLength));
    return runByLength(
      pairs,
      (p) => p.ids.length,
      options?.batchSize ?? this.batchSize,
      (batch) => this.runBatch(batch),
    );
  }

  async dispose(): Promise<void> {
    await this.folder.session.release();
  }

  private async runBatch(batch: EncodedPair[]): Promise<number[]> {
    const ids = padRows(
      batch.map((p) => p.ids),
      this.folder.tokenizer.padId,
    );
    const attention = padRows(
      batch.map((p) => p.ids.map(() => 1)),
      0,
    );
    const types = padRows(
      batch.map((p) => p.typeIds),
      0,
    );
    const out = await this.folder.session.run(
      { ids: ids.flat, attention: attention.flat, typeIds: types.flat, batch: batch.length, seqLen: ids.seqLen },
      OUTPUT_NAMES,
    );
    if (out.dims[0] !== batch.length || out.dims.length > 2) {
      throw new TartanError(
        ErrorCodes.MODEL_LAYOUT_UNKNOWN,
        `${this.folder.session.path} returned shape [${out.dims.join(', ')}]; a cross-encoder must return logits [batch, 1]. Check the model folder.`,
      );
    }
    const width = out.dims.length === 2 ? out.dims[1] : 1;
    // Relevance is the first logit, as fastembed reads it.
    return batch.map((_, b) => out.data[b * width]);
  }
}
