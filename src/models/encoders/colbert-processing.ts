/**
 * ColBERT pre- and post-processing, independent of the ONNX runtime:
 *
 * - query: tokenize, insert the query marker right after the first special token ([CLS]),
 *   truncate to the query length (keeping the final [SEP]) and pad with the mask token to
 *   exactly the query length; every position yields a vector. The attention mask covers the
 *   [MASK] expansion tokens only when `attendToExpansionTokens` is set.
 * - document: tokenize, insert the document marker after [CLS], truncate to the document
 *   length keeping the final [SEP]; the vectors of skiplist (punctuation) tokens and of
 *   padding are dropped; every kept vector is L2-normalised.
 *
 * This follows fastembed's `Colbert` (marker insertion, mask padding, skiplist by first
 * token id of each punctuation symbol) and PyLate's settings (lengths, expansion attention).
 */
import type { ColbertSettings } from '../registry-types.js';
import type { VectorToken } from '../types.js';
import type { ModelTokenizer } from './tokenizer.js';

/** The punctuation ColBERT drops from documents (Python's `string.punctuation`). */
export const DEFAULT_SKIPLIST: readonly string[] = [...'!"#$%&\'()*+,-./:;<=>?@[\\]^_`{|}~'];

/** One text ready for the model: token ids, attention mask, and which rows get vectors. */
export interface PreparedInput {
  ids: number[];
  tokens: string[];
  attention: number[];
  /** Positions whose output rows are kept, in order. */
  keep: number[];
}

/** Applies a model's ColBERT settings to texts. Stateless apart from the skiplist id set. */
export class ColbertProcessor {
  private readonly skipIds: ReadonlySet<number>;

  constructor(
    private readonly tokenizer: ModelTokenizer,
    readonly settings: ColbertSettings,
  ) {
    this.skipIds = skiplistIds(tokenizer, settings.skiplistWords);
  }

  /** Ids whose document vectors are dropped. */
  get skiplist(): ReadonlySet<number> {
    return this.skipIds;
  }

  /** Query input: exactly `queryLength` positions, all kept. */
  prepareQuery(text: string): PreparedInput {
    const { queryLength, queryMarkerId, maskTokenId, attendToExpansionTokens } = this.settings;
    const ids = this.withMarker(text, queryMarkerId, queryLength);
    const attention = new Array<number>(queryLength).fill(attendToExpansionTokens ? 1 : 0);
    for (let i = 0; i < ids.length; i++) attention[i] = 1;
    while (ids.length < queryLength) ids.push(maskTokenId);
    const keep = ids.map((_, i) => i);
    return { ids, tokens: ids.map((id) => this.tokenizer.idToToken(id)), attention, keep };
  }

  /** Document input: at most `documentLength` positions; skiplist and padding positions are not kept. */
  prepareDocument(text: string): PreparedInput {
    const { documentLength, documentMarkerId } = this.settings;
    const ids = this.withMarker(text, documentMarkerId, documentLength);
    const attention = new Array<number>(ids.length).fill(1);
    const keep: number[] = [];
    for (let i = 0; i < ids.length; i++) if (!this.skipIds.has(ids[i]) && ids[i] !== this.tokenizer.padId) keep.push(i);
    return { ids, tokens: ids.map((id) => this.tokenizer.idToToken(id)), attention, keep };
  }

  /** The tokens that get vectors, in row order. */
  vectorTokens(text: string, isQuery: boolean): VectorToken[] {
    const p = isQuery ? this.prepareQuery(text) : this.prepareDocument(text);
    return p.keep.map((position) => ({ id: p.ids[position], text: p.tokens[position], position }));
  }

  /** Tokenizes with the model template, truncates the body to fit `maxLength` with the marker, inserts the marker. */
  private withMarker(text: string, marker: number, maxLength: number): number[] {
    const encoded = this.tokenizer.encode(text, true).ids;
    const prefix = this.tokenizer.specialPrefix.length;
    const suffix = this.tokenizer.specialSuffix.length;
    // One slot goes to the marker; the final special tokens ([SEP]) are kept on truncation.
    const room = maxLength - 1;
    let ids = encoded;
    if (ids.length > room) ids = [...encoded.slice(0, Math.max(prefix, room - suffix)), ...encoded.slice(encoded.length - suffix)];
    const at = Math.min(prefix, 1);
    return [...ids.slice(0, at), marker, ...ids.slice(at)];
  }
}

/** Ids of the skiplist words: the first id each word encodes to, as fastembed does. */
export function skiplistIds(tokenizer: ModelTokenizer, words: readonly string[]): Set<number> {
  const out = new Set<number>();
  for (const w of words) {
    const ids = tokenizer.encode(w, false).ids;
    if (ids.length > 0) out.add(ids[0]);
  }
  return out;
}

/**
 * Copies the rows `keep` of one sequence of model output (`seqLen x dim` at `offset` in `src`)
 * into `dst` at row `dstRow`, L2-normalising each (norm clamped at 1e-12 like fastembed).
 */
export function copyNormalizedRows(src: Float32Array, offset: number, dim: number, keep: readonly number[], dst: Float32Array, dstRow: number): void {
  for (let r = 0; r < keep.length; r++) {
    const s = offset + keep[r] * dim;
    const d = (dstRow + r) * dim;
    let sq = 0;
    for (let k = 0; k < dim; k++) sq += src[s + k] * src[s + k];
    const inv = 1 / Math.max(Math.sqrt(sq), 1e-12);
    for (let k = 0; k < dim; k++) dst[d + k] = src[s + k] * inv;
  }
}

/** L2-normalises a vector in place (norm clamped at 1e-12). */
export function normalizeInPlace(v: Float32Array): Float32Array {
  let sq = 0;
  for (let k = 0; k < v.length; k++) sq += v[k] * v[k];
  const inv = 1 / Math.max(Math.sqrt(sq), 1e-12);
  for (let k = 0; k < v.length; k++) v[k] *= inv;
  return v;
}
