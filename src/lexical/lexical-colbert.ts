/**
 * `lexical`: a built-in late-interaction "model" that needs no download.
 *
 * It is LEXICAL, NOT SEMANTIC. Each analysed token (see {@link EnglishAnalyser})
 * gets a vector built from hashed character n-grams, fastText style: the word
 * is wrapped in `<` `>` boundary markers, its 3- to 5-grams and the whole
 * word are hashed (FNV-1a, then a murmur3 finaliser) into `dim` buckets with
 * a hashed sign, summed and L2-normalised. Words that share spelling share
 * direction ("mutation" / "mutations" / "mutant"), words that share meaning
 * but not letters do not ("heart" / "cardiac"). Use it for air-gapped smoke
 * runs, tests and demos of the MaxSim machinery, never as a quality baseline
 * for a neural ColBERT.
 *
 * Query rows carry optional IDF weights (from document frequencies it is given,
 * e.g. counted over a corpus sample with {@link LexicalColbert.fitDocumentFrequencies});
 * use them with the `weighted` MaxSim variant.
 *
 * @example
 * ```ts
 * const model = new LexicalColbert({ dim: 128 });
 * model.fitDocumentFrequencies(corpusTexts);
 * const q = model.embedQuery('white matter development');   // TokenMatrix, 3 x 128
 * const w = model.queryWeights('white matter development'); // Float32Array(3)
 * ```
 */
import { ErrorCodes, TartanError } from '../core/errors.js';
import type { EmbedOptions, LateInteractionEncoder, VectorToken } from '../models/types.js';
import type { TokenMatrix } from '../core/tensors.js';
import { EnglishAnalyser } from './analyser.js';
import { assertText } from '../models/encoders/tokenizer.js';

/** Options of the lexical model. */
export interface LexicalColbertOptions {
  /** Vector dimension. Default 128. */
  dim?: number;
  /** Smallest and largest character n-gram (boundary markers included). Default 3 and 5. */
  minN?: number;
  maxN?: number;
  /** The analyser giving the tokens. Default: English, stopwords removed, Porter stems. */
  analyser?: EnglishAnalyser;
  /** Document frequencies for query IDF weights; without them every weight is 1. */
  documentFrequencies?: { counts: ReadonlyMap<string, number>; documents: number };
}

const FNV_OFFSET = 0x811c9dc5;
const FNV_PRIME = 0x01000193;
/** Seed that separates the whole-word feature from an n-gram with the same characters. */
const WORD_SEED = 0x5bd1e995;
/** Words kept in the vector cache; beyond that vectors are recomputed (bounded memory). */
const MAX_CACHED_WORDS = 200_000;

/** murmur3's 32-bit finaliser: spreads FNV's weak low bits before taking bucket and sign. */
function mix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** Document frequencies of analysed terms over `size` live documents. */
export interface DocumentFrequencySource {
  documentFrequency(term: string): number;
  readonly size: number;
}

/** The analysed tokens of a text and their raw-token positions. */
interface Tokens {
  terms: string[];
  positions: number[];
}

/** See the module comment: hashed character n-gram token vectors, lexical only. */
export class LexicalColbert implements LateInteractionEncoder {
  readonly kind = 'colbert' as const;
  readonly modelId = 'lexical';
  readonly dim: number;
  /**
   * Hashed n-gram vectors barely cluster, so centroid-based candidate generation misses documents
   * (SciFact: 58.5 nDCG@10 in a plaid index against 65.5 exact); the flat index scores them exactly.
   */
  readonly indexDefaults = { mode: 'flat' } as const;
  private readonly minN: number;
  private readonly maxN: number;
  private readonly analyser: EnglishAnalyser;
  /** Keeps every token when stopword removal would leave a text empty. */
  private readonly fallbackAnalyser = new EnglishAnalyser({ removeStopwords: false });
  private dfCounts: ReadonlyMap<string, number> | undefined;
  private dfDocuments = 0;
  /** A live source of frequencies (e.g. a BM25 index over the same texts); wins over `dfCounts`. */
  private dfSource: DocumentFrequencySource | undefined;

  /** Word vector cache: word -> row in `cacheRows`. */
  private readonly cacheIndex = new Map<string, number>();
  private cacheRows: Float32Array;

  constructor(options: LexicalColbertOptions = {}) {
    this.dim = options.dim ?? 128;
    this.minN = options.minN ?? 3;
    this.maxN = options.maxN ?? 5;
    if (!Number.isInteger(this.dim) || this.dim < 1)
      throw new TartanError(ErrorCodes.INVALID_ARGUMENT, `lexical model dim must be a positive integer, got ${this.dim}.`);
    if (!Number.isInteger(this.minN) || !Number.isInteger(this.maxN) || this.minN < 1 || this.maxN < this.minN) {
      throw new TartanError(ErrorCodes.INVALID_ARGUMENT, `lexical model n-gram range must satisfy 1 <= minN <= maxN, got ${this.minN}..${this.maxN}.`);
    }
    this.analyser = options.analyser ?? new EnglishAnalyser();
    if (options.documentFrequencies) this.setDocumentFrequencies(options.documentFrequencies.counts, options.documentFrequencies.documents);
    this.cacheRows = new Float32Array(1024 * this.dim);
  }

  /** Uses these document frequencies (analysed term -> documents containing it, out of `documents`) for query weights. */
  setDocumentFrequencies(counts: ReadonlyMap<string, number>, documents: number): void {
    if (!Number.isInteger(documents) || documents < 1)
      throw new TartanError(ErrorCodes.INVALID_ARGUMENT, `documents must be a positive integer, got ${documents}.`);
    this.dfCounts = counts;
    this.dfDocuments = documents;
  }

  /**
   * Reads document frequencies from a live source at query time, so weights follow adds and
   * deletes. The source must analyse text as this model does (tartan's BM25 index does).
   */
  useDocumentFrequencies(source: DocumentFrequencySource | undefined): void {
    this.dfSource = source;
  }

  /** Counts document frequencies over `texts` (a corpus or a sample of it) and uses them for query weights. */
  fitDocumentFrequencies(texts: Iterable<string>): void {
    const counts = new Map<string, number>();
    let documents = 0;
    for (const text of texts) {
      documents++;
      for (const term of new Set(this.analyser.analyse(text))) counts.set(term, (counts.get(term) ?? 0) + 1);
    }
    if (documents > 0) this.setDocumentFrequencies(counts, documents);
  }

  /** The tokens that get rows: analysed terms, or all lowercased stems when only stopwords remain. */
  private tokensOf(text: string): Tokens {
    if (typeof text !== 'string') throw new TartanError(ErrorCodes.NOT_A_STRING, `lexical model input must be a string, got ${typeof text}.`);
    const tokens: Tokens = { terms: [], positions: [] };
    const collect = (term: string, position: number) => {
      tokens.terms.push(term);
      tokens.positions.push(position);
    };
    this.analyser.forEachTerm(text, collect);
    if (tokens.terms.length === 0) this.fallbackAnalyser.forEachTerm(text, collect);
    return tokens;
  }

  /**
   * Embeds one text: one L2-normalised row per token (0 rows when the text has
   * no word characters). With `distinct`, a repeated token gets one row only:
   * the rows would be identical, so MaxSim over the document is unchanged and
   * cheaper (use it for documents, never for queries, whose rows are summed).
   */
  embedText(text: string, distinct = false): TokenMatrix {
    const terms = this.termsOf(text, distinct);
    const data = new Float32Array(terms.length * this.dim);
    this.writeTermVectors(terms, data, 0);
    return { data, rows: terms.length, dim: this.dim };
  }

  /** The tokens of `text` that get rows, in row order (first occurrences only with `distinct`). */
  termsOf(text: string, distinct = false): string[] {
    const tokens = this.tokensOf(text).terms;
    return distinct ? [...new Set(tokens)] : tokens;
  }

  /**
   * Writes one row per term into `out` from row `startRow` on: lets a caller
   * fill one packed corpus buffer without an intermediate matrix per document.
   */
  writeTermVectors(terms: readonly string[], out: Float32Array, startRow: number): void {
    if ((startRow + terms.length) * this.dim > out.length) {
      throw new TartanError(
        ErrorCodes.DIMENSION_MISMATCH,
        `the output holds ${Math.floor(out.length / this.dim)} rows; ${startRow + terms.length} are needed.`,
      );
    }
    for (let r = 0; r < terms.length; r++) this.writeWordVector(terms[r], out, (startRow + r) * this.dim);
  }

  /** Same as {@link embedText}: queries get no expansion rows in this model. */
  embedQuery(text: string): TokenMatrix {
    return this.embedText(text);
  }

  /**
   * IDF weight of each query row: ln(1 + (N - df + 0.5) / (df + 0.5)) with the
   * frequencies this model was given (a term never seen gets df = 0); all 1
   * when it has none.
   */
  queryWeights(text: string): Float32Array {
    const { terms } = this.tokensOf(text);
    const weights = new Float32Array(terms.length);
    const source = this.dfSource && this.dfSource.size > 0 ? this.dfSource : undefined;
    const documents = source ? source.size : this.dfDocuments;
    for (let i = 0; i < terms.length; i++) {
      if (!source && !this.dfCounts) {
        weights[i] = 1;
        continue;
      }
      const df = Math.min(source ? source.documentFrequency(terms[i]) : (this.dfCounts!.get(terms[i]) ?? 0), documents);
      weights[i] = Math.log(1 + (documents - df + 0.5) / (df + 0.5));
    }
    return weights;
  }

  async *queryEmbed(texts: Iterable<string> | AsyncIterable<string>, _options?: EmbedOptions): AsyncIterable<TokenMatrix> {
    let i = 0;
    for await (const text of texts) {
      assertText(text, i++);
      yield this.embedText(text);
    }
  }

  async *passageEmbed(texts: Iterable<string> | AsyncIterable<string>, _options?: EmbedOptions): AsyncIterable<TokenMatrix> {
    for await (const text of texts) yield this.embedText(text);
  }

  /** The analysed tokens in row order; `id` is the token's 32-bit whole-word hash. */
  vectorTokens(text: string, _isQuery: boolean): VectorToken[] {
    const { terms, positions } = this.tokensOf(text);
    return terms.map((term, i) => ({ id: this.wordHash(term), text: term, position: positions[i] }));
  }

  async dispose(): Promise<void> {
    this.cacheIndex.clear();
  }

  /** Writes the normalised vector of `word` into `out[offset .. offset + dim)`. */
  private writeWordVector(word: string, out: Float32Array, offset: number): void {
    const dim = this.dim;
    const cached = this.cacheIndex.get(word);
    if (cached !== undefined) {
      out.set(this.cacheRows.subarray(cached * dim, cached * dim + dim), offset);
      return;
    }
    out.fill(0, offset, offset + dim);
    const length = word.length + 2;
    // code unit i of "<word>" without building the string
    const unit = (i: number) => (i === 0 ? 60 : i === length - 1 ? 62 : word.charCodeAt(i - 1));
    for (let start = 0; start < length; start++) {
      let h = FNV_OFFSET;
      const end = Math.min(length, start + this.maxN);
      for (let e = start; e < end; e++) {
        h = Math.imul(h ^ unit(e), FNV_PRIME);
        if (e - start + 1 >= this.minN) this.addFeature(h, out, offset);
      }
    }
    this.addFeature(this.wordHash(word), out, offset);
    let norm = 0;
    for (let i = offset; i < offset + dim; i++) norm += out[i] * out[i];
    if (norm === 0) {
      // every feature cancelled out (possible with signed hashing): fall back to the whole-word bucket
      out[offset + ((mix32(this.wordHash(word)) >>> 1) % dim)] = 1;
    } else {
      const inv = 1 / Math.sqrt(norm);
      for (let i = offset; i < offset + dim; i++) out[i] *= inv;
    }
    if (this.cacheIndex.size < MAX_CACHED_WORDS) {
      const row = this.cacheIndex.size;
      if ((row + 1) * dim > this.cacheRows.length) {
        const bigger = new Float32Array(this.cacheRows.length * 2);
        bigger.set(this.cacheRows);
        this.cacheRows = bigger;
      }
      this.cacheRows.set(out.subarray(offset, offset + dim), row * dim);
      this.cacheIndex.set(word, row);
    }
  }

  /** Adds ±1 to the bucket of one hashed feature; bit 0 of the mixed hash is the sign. */
  private addFeature(hash: number, out: Float32Array, offset: number): void {
    const mixed = mix32(hash);
    out[offset + ((mixed >>> 1) % this.dim)] += (mixed & 1) === 0 ? 1 : -1;
  }

  /** 32-bit hash of the whole word with its boundary markers, seeded apart from the n-grams. */
  private wordHash(word: string): number {
    let h = FNV_OFFSET ^ WORD_SEED;
    h = Math.imul(h ^ 60, FNV_PRIME);
    for (let i = 0; i < word.length; i++) h = Math.imul(h ^ word.charCodeAt(i), FNV_PRIME);
    return Math.imul(h ^ 62, FNV_PRIME) >>> 0;
  }
}
