/**
 * The dense side index: exact single-vector retrieval ({@link DenseIndex})
 * with the dense model that embeds passages and queries, saved as
 * `dense/dense.bin`. Its signature is the model, so a change of model rebuilds it.
 */
import { ErrorCodes, TartanError } from '../core/errors.js';
import { loadEncoder } from '../models/model-loader.js';
import type { DenseEncoder } from '../models/types.js';
import { VectorSide } from './vector-side.js';
import type { ScoredId } from './fusion.js';
import type { SideDocument, SideIndex, SideQuery } from './side-index.js';

export class DenseSide extends VectorSide implements SideIndex {
  readonly name = 'dense';

  /**
   * An empty dense side index over `encoder`, which it disposes on {@link dispose}.
   * `model` (registry id or folder) is recorded as the signature, so later opens load the same one.
   */
  constructor(
    readonly encoder: DenseEncoder,
    readonly model: string,
  ) {
    super(encoder.dim);
  }

  /** Loads the dense model `model` and wraps it. */
  static async open(model: string): Promise<DenseSide> {
    const enc = await loadEncoder(model, 'dense');
    if (enc.kind !== 'dense') {
      await enc.dispose();
      throw new TartanError(ErrorCodes.UNSUPPORTED_MODEL, `${model} is a ${enc.kind} model; --dense-model needs a single-vector (dense) model`);
    }
    return new DenseSide(enc, model);
  }

  get signature(): string {
    return this.model;
  }

  /** Embeds and adds documents that have text; a document without text has no vector. */
  async add(docs: readonly SideDocument[]): Promise<void> {
    const withText = docs.filter((d) => d.text.trim() !== '');
    let i = 0;
    for await (const v of this.encoder.passageEmbed(withText.map((d) => d.text))) this.current.add(withText[i++].id, v);
  }

  /** Metadata filters are not applied here; a later ColBERT stage applies them. */
  async search(query: SideQuery, k: number): Promise<ScoredId[]> {
    let vector: Float32Array | undefined;
    for await (const v of this.encoder.queryEmbed([query.text])) vector ??= v;
    return vector ? this.current.search(vector, k, query.candidates) : [];
  }

  async dispose(): Promise<void> {
    await this.encoder.dispose();
  }
}
