/**
 * BM25 over an in-memory inverted index, scored the way Lucene 9 (and so
 * Anserini's BEIR baselines) scores it:
 *
 * - idf = ln(1 + (N - df + 0.5) / (df + 0.5));
 * - per term: idf * tf / (tf + k1 * (1 - b + b * dl / avgdl)). Lucene 8+ dropped
 *   the constant (k1 + 1) factor of the textbook formula; rankings are the same;
 * - dl is the document length after Lucene's lossy one-byte encoding
 *   ({@link encodeLength}); avgdl is exact (total terms / documents);
 * - arithmetic in float32 where Lucene uses float, so equal-scoring documents
 *   tie the way they tie in Lucene;
 * - a query term repeated n times counts n times (Anserini's bag-of-words query
 *   boosts each term by its count).
 *
 * Defaults k1 = 0.9, b = 0.4 are Anserini's. Index one field: BEIR runs put
 * title and text together ("title\ntext", as Anserini's flat BEIR indexes do).
 */
import { ErrorCodes, TartanError, describeValue } from '../core/errors.js';
import { EnglishAnalyser } from './analyser.js';
import { DECODED_LENGTHS, encodeLength } from './length-norm.js';
import { TopK } from './top-k.js';

/** BM25 parameters. */
export interface Bm25Params {
  /** Term-frequency saturation. Default 0.9. */
  k1?: number;
  /** Length normalisation strength, 0..1. Default 0.4. */
  b?: number;
}

/** One search hit. */
export interface Bm25Hit {
  id: string;
  score: number;
}

/**
 * Everything an index holds, packed: term `t`'s postings are
 * `postingDocs/postingTfs[termOffsets[t] .. termOffsets[t + 1]]`, doc ordinals ascending.
 */
export interface Bm25Snapshot {
  k1: number;
  b: number;
  terms: string[];
  termOffsets: Uint32Array;
  postingDocs: Uint32Array;
  postingTfs: Uint32Array;
  docIds: string[];
  docLengths: Uint32Array;
  deleted: Uint8Array;
}

const f = Math.fround;

/** Grows a typed array to at least `min` elements (doubling), keeping its contents. */
function grow<T extends Uint32Array | Uint8Array>(array: T, min: number): T {
  if (array.length >= min) return array;
  const next = new (array.constructor as new (n: number) => T)(Math.max(min, array.length * 2, 8));
  next.set(array);
  return next;
}

/**
 * A BM25 index with add, delete, search, save and load.
 *
 * @example
 * ```ts
 * const index = new Bm25Index();
 * index.add('d1', 'Microstructural development of white matter');
 * index.add('d2', 'Cerebral white matter in newborns');
 * index.search('white matter newborn', 10); // [{ id: 'd2', score: ... }, { id: 'd1', ... }]
 * await index.save('/tmp/bm25');            // see bm25-file.ts
 * ```
 */
export class Bm25Index {
  readonly k1: number;
  readonly b: number;
  readonly analyser: EnglishAnalyser;

  private readonly termIds = new Map<string, number>();
  private terms: string[] = [];
  private postingDocs: Uint32Array[] = [];
  private postingTfs: Uint32Array[] = [];
  private postingCounts = new Uint32Array(0);

  private docIds: string[] = [];
  private readonly ordinalOf = new Map<string, number>();
  private docLengths = new Uint32Array(0);
  private normBytes = new Uint8Array(0);
  private deleted = new Uint8Array(0);
  private deletedCount = 0;
  private liveLengthSum = 0;

  /** Per-search scratch: accumulated scores and which ordinals were touched. */
  private scratch = new Float64Array(0);
  private touched = new Uint32Array(0);
  private seen = new Uint8Array(0);

  constructor(params: Bm25Params = {}, analyser: EnglishAnalyser = new EnglishAnalyser()) {
    if (params === null || typeof params !== 'object')
      throw new TartanError(ErrorCodes.INVALID_ARGUMENT, 'BM25 parameters must be an object like { k1: 0.9, b: 0.4 }.');
    const k1 = params.k1 ?? 0.9,
      b = params.b ?? 0.4;
    // typeof checks: a string such as "0.5" would pass the range comparisons by coercion.
    if (typeof k1 !== 'number' || !Number.isFinite(k1) || k1 < 0)
      throw new TartanError(
        ErrorCodes.INVALID_ARGUMENT,
        `BM25 k1 must be a finite number >= 0, got ${describeValue(k1)}; the usual range is 0.5-2 (default 0.9).`,
      );
    if (typeof b !== 'number' || !(b >= 0 && b <= 1))
      throw new TartanError(ErrorCodes.INVALID_ARGUMENT, `BM25 b must be between 0 and 1, got ${describeValue(b)}; default 0.4.`);
    this.k1 = k1;
    this.b = b;
    this.analyser = analyser;
  }

  /** Live (not deleted) documents. */
  get size(): number {
    return this.docIds.length - this.deletedCount;
  }

  /** Distinct terms in the dictionary (deleted documents' terms included until {@link compact}). */
  get termCount(): number {
    return this.terms.length;
  }

  /** True when a live document has this id. */
  has(id: string): boolean {
    const o = this.ordinalOf.get(id);
    return o !== undefined && this.deleted[o] === 0;
  }

  /** Adds one document. Throws DUPLICATE_ID when a live document already has this id. */
  add(id: string, text: string): void {
    if (typeof id !== 'string' || id.length === 0) throw new TartanError(ErrorCodes.INVALID_ARGUMENT, 'A document id must be a non-empty string.');
    if (typeof text !== 'string') throw new TartanError(ErrorCodes.NOT_A_STRING, `Document "${id}" text must be a string; pass "" for an empty document.`);
    if (this.has(id)) throw new TartanError(ErrorCodes.DUPLICATE_ID, `A document with id "${id}" is already indexed; delete it first to replace it.`);
    const ordinal = this.docIds.length;
    const counts = new Map<string, number>();
    let length = 0;
    this.analyser.forEachTerm(text, (term) => {
      counts.set(term, (counts.get(term) ?? 0) + 1);
      length++;
    });
    for (const [term, tf] of counts) this.appendPosting(this.termIdOf(term), ordinal, tf);
    this.docIds.push(id);
    this.ordinalOf.set(id, ordinal);
    this.docLengths = grow(this.docLengths, ordinal + 1);
    this.normBytes = grow(this.normBytes, ordinal + 1);
    this.deleted = grow(this.deleted, ordinal + 1);
    this.docLengths[ordinal] = length;
    this.normBytes[ordinal] = encodeLength(length);
    this.liveLengthSum += length;
  }

  /** Deletes a document by id; returns false when no live document has it. Space is reclaimed by {@link compact}. */
  delete(id: string): boolean {
    const o = this.ordinalOf.get(id);
    if (o === undefined || this.deleted[o] === 1) return false;
    this.deleted[o] = 1;
    this.deletedCount++;
    this.liveLengthSum -= this.docLengths[o];
    this.ordinalOf.delete(id);
    return true;
  }

  /**
   * The k best live documents for `query`, best first (ties: higher id first, as trec_eval orders them).
   * Statistics (N, df, avgdl) count live documents only.
   */
  search(query: string, k: number): Bm25Hit[] {
    if (!Number.isInteger(k) || k < 1) throw new TartanError(ErrorCodes.INVALID_ARGUMENT, `k must be a positive integer, got ${describeValue(k)}.`);
    if (typeof query !== 'string')
      throw new TartanError(ErrorCodes.NOT_A_STRING, `the BM25 query must be a string, got ${query === null ? 'null' : typeof query}.`);
    const live = this.size;
    if (live === 0) return [];
    const boosts = new Map<string, number>();
    for (const term of this.analyser.analyse(query)) boosts.set(term, (boosts.get(term) ?? 0) + 1);

    const n = this.docIds.length;
    if (this.scratch.length < n) {
      this.scratch = new Float64Array(Math.max(n, this.scratch.length * 2));
      this.touched = new Uint32Array(this.scratch.length);
      this.seen = new Uint8Array(this.scratch.length);
    }
    const acc = this.scratch,
      touched = this.touched,
      seen = this.seen;
    let touchedCount = 0;
    const normInverse = this.normInverseTable(live);

    for (const [term, boost] of boosts) {
      const t = this.termIds.get(term);
      if (t === undefined) continue;
      const docs = this.postingDocs[t],
        tfs = this.postingTfs[t],
        count = this.postingCounts[t];
      const df = this.deletedCount === 0 ? count : this.liveCount(docs, count);
      if (df === 0) continue;
      const idf = f(Math.log(1 + (live - df + 0.5) / (df + 0.5)));
      const weight = f(boost * idf);
      for (let p = 0; p < count; p++) {
        const d = docs[p];
        if (this.deleted[d] === 1) continue;
        const score = f(weight - f(weight / f(1 + f(tfs[p] * normInverse[this.normBytes[d]]))));
        // A separate mark, not acc[d] === 0: with a huge k1 a matching term scores 0 in float32,
        // and a zero-marker would list the document once per query term.
        if (seen[d] === 0) {
          seen[d] = 1;
          touched[touchedCount++] = d;
        }
        acc[d] += score;
      }
    }

    const top = new TopK(Math.min(k, touchedCount), (o) => this.docIds[o]);
    for (let i = 0; i < touchedCount; i++) {
      const d = touched[i];
      top.push(d, acc[d]);
      acc[d] = 0;
      seen[d] = 0;
    }
    const { ordinals, scores } = top.drain();
    const hits: Bm25Hit[] = new Array(ordinals.length);
    for (let i = 0; i < ordinals.length; i++) hits[i] = { id: this.docIds[ordinals[i]], score: scores[i] };
    return hits;
  }

  /** Document frequency of an analysed term among live documents (0 when unknown). */
  documentFrequency(term: string): number {
    const t = this.termIds.get(term);
    if (t === undefined) return 0;
    return this.liveCount(this.postingDocs[t], this.postingCounts[t]);
  }

  /** Rewrites the postings without deleted documents and renumbers ordinals. */
  compact(): void {
    if (this.deletedCount === 0) return;
    const snapshot = this.snapshot();
    const fresh = Bm25Index.fromSnapshot(snapshot, this.analyser);
    Object.assign(this, { ...fresh, analyser: this.analyser });
  }

  /** A packed copy of the index without deleted documents (what {@link saveBm25} writes). */
  snapshot(): Bm25Snapshot {
    const remap = new Uint32Array(this.docIds.length);
    const docIds: string[] = [];
    const docLengths = new Uint32Array(this.size);
    for (let o = 0; o < this.docIds.length; o++) {
      if (this.deleted[o] === 1) continue;
      remap[o] = docIds.length;
      docLengths[docIds.length] = this.docLengths[o];
      docIds.push(this.docIds[o]);
    }
    const terms: string[] = [];
    const termOffsets: number[] = [0];
    let total = 0;
    for (let t = 0; t < this.terms.length; t++) total += this.postingCounts[t];
    const postingDocs = new Uint32Array(total),
      postingTfs = new Uint32Array(total);
    let p = 0;
    for (let t = 0; t < this.terms.length; t++) {
      const start = p;
      const docs = this.postingDocs[t],
        tfs = this.postingTfs[t];
      for (let i = 0; i < this.postingCounts[t]; i++) {
        if (this.deleted[docs[i]] === 1) continue;
        postingDocs[p] = remap[docs[i]];
        postingTfs[p++] = tfs[i];
      }
      if (p > start) {
        terms.push(this.terms[t]);
        termOffsets.push(p);
      }
    }
    return {
      k1: this.k1,
      b: this.b,
      terms,
      termOffsets: Uint32Array.from(termOffsets),
      postingDocs: postingDocs.slice(0, p),
      postingTfs: postingTfs.slice(0, p),
      docIds,
      docLengths,
      deleted: new Uint8Array(docIds.length),
    };
  }

  /** Rebuilds an index from a snapshot (postings are viewed, not copied, until they grow). */
  static fromSnapshot(s: Bm25Snapshot, analyser: EnglishAnalyser = new EnglishAnalyser()): Bm25Index {
    const index = new Bm25Index({ k1: s.k1, b: s.b }, analyser);
    const termCount = s.terms.length;
    index.terms = s.terms.slice();
    index.postingCounts = new Uint32Array(termCount);
    index.postingDocs = new Array<Uint32Array>(termCount);
    index.postingTfs = new Array<Uint32Array>(termCount);
    for (let t = 0; t < termCount; t++) {
      const start = s.termOffsets[t],
        end = s.termOffsets[t + 1];
      index.termIds.set(s.terms[t], t);
      index.postingDocs[t] = s.postingDocs.subarray(start, end);
      index.postingTfs[t] = s.postingTfs.subarray(start, end);
      index.postingCounts[t] = end - start;
    }
    const n = s.docIds.length;
    index.docIds = s.docIds.slice();
    index.docLengths = s.docLengths.slice(0, n);
    index.normBytes = new Uint8Array(n);
    index.deleted = s.deleted.slice(0, n);
    for (let o = 0; o < n; o++) {
      index.normBytes[o] = encodeLength(index.docLengths[o]);
      if (index.deleted[o] === 1) index.deletedCount++;
      else {
        index.ordinalOf.set(s.docIds[o], o);
        index.liveLengthSum += index.docLengths[o];
      }
    }
    return index;
  }

  private termIdOf(term: string): number {
    let t = this.termIds.get(term);
    if (t === undefined) {
      t = this.terms.length;
      this.termIds.set(term, t);
      this.terms.push(term);
      this.postingDocs.push(new Uint32Array(2));
      this.postingTfs.push(new Uint32Array(2));
      this.postingCounts = grow(this.postingCounts, t + 1);
    }
    return t;
  }

  private appendPosting(t: number, ordinal: number, tf: number): void {
    const count = this.postingCounts[t];
    if (this.postingDocs[t].length <= count) {
      // subarray views from a loaded file are copied here on first growth
      this.postingDocs[t] = grow(this.postingDocs[t].slice(), count + 1);
      this.postingTfs[t] = grow(this.postingTfs[t].slice(), count + 1);
    }
    this.postingDocs[t][count] = ordinal;
    this.postingTfs[t][count] = tf;
    this.postingCounts[t] = count + 1;
  }

  private liveCount(docs: Uint32Array, count: number): number {
    let live = 0;
    for (let p = 0; p < count; p++) if (this.deleted[docs[p]] === 0) live++;
    return live;
  }

  /** Lucene's per-length cache: 1 / (k1 * (1 - b + b * dl / avgdl)), in float32, for each length byte. */
  private normInverseTable(live: number): Float32Array {
    const avgdl = f(this.liveLengthSum / live);
    const table = new Float32Array(256);
    const k1 = f(this.k1),
      b = f(this.b);
    for (let i = 0; i < 256; i++) {
      table[i] = f(1 / f(k1 * f(f(1 - b) + f(f(b * DECODED_LENGTHS[i]) / avgdl))));
    }
    return table;
  }
}
