/**
 * The model-bound index: an encoder plus a store. Texts go in, hits come out.
 * The store is the embedded file index (a folder) or, for a `postgres://`
 * URL, the PostgreSQL store; the model id/path is recorded so `open` reloads it.
 * @example
 * const index = await Index.create('./scifact-idx', { model: 'lexical', nbits: 2 });
 * await index.add([{ id: 'd1', text: 'Aspirin lowers fever.' }]);
 * const hits = await index.search('what reduces fever', { k: 5 });
 * await index.close();
 */
import { parseIndexRepresentation, PolyIndex, type IndexRepresentation } from './poly-index.js';
import { ErrorCodes, TartanError, describeValue } from '../core/errors.js';
import type { LateInteractionEncoder } from '../models/types.js';
import type { Precision } from '../models/runtime/onnx-session.js';
import type { DocumentInput, SearchHit, StoreInfo, StoreSearchOptions, VectorStore } from '../stores/types.js';
import type { TokenMatrix, TokenMatrixBatch } from '../core/tensors.js';
import { packMatrices } from '../core/tensors.js';
import type { IndexSettings } from '../stores/file/manifest.js';
import { PlaidStore } from '../stores/file/plaid-store.js';
import { FlatStore } from '../stores/file/flat-store.js';
import { isPostgresLocation, openStore } from '../stores/open.js';
import { canCheck, canCompact } from '../stores/capabilities.js';
import { loadColbertEncoder } from './colbert-encoder.js';
import { checkCreateSettings, checkDocument, checkIds, checkSearchOptions } from '../stores/file/options-check.js';
import { assertText } from '../models/encoders/tokenizer.js';
import { explainCount, explainHits, type ExplainedHit, type ExplainOption } from './explain-hits.js';
import { toTokenMatrix, type VectorDocumentInput, type VectorsInput } from './vector-input.js';
import type { Explanation } from '../scoring/explain.js';

/** Refuses a location that is not a folder path or URL string (a number would become a folder named "42"). */
function checkLocation(location: unknown): asserts location is string {
  if (typeof location !== 'string' || location.length === 0 || location.includes('\0')) {
    throw new TartanError(
      ErrorCodes.INVALID_ARGUMENT,
      `the index location must be a folder path or a postgres:// URL, got ${typeof location === 'string' ? JSON.stringify(location) : typeof location}`,
    );
  }
}

function isIterable(v: unknown): v is Iterable<unknown> | AsyncIterable<unknown> {
  return v !== null && typeof v === 'object' && (Symbol.iterator in v || Symbol.asyncIterator in v);
}
import type { CheckReport } from '../stores/file/check.js';

/** Options of {@link Index.create}. */
export interface IndexCreateOptions extends Partial<Omit<IndexSettings, 'dim' | 'model'>> {
  /** Model id, local folder or `lexical`; recorded in the index. */
  model?: string;
  /** Use this encoder instead of loading `model` (its modelId is recorded unless `model` is given). */
  encoder?: LateInteractionEncoder;
  /** Precision of the loaded model ('fp32' default, or 'int8': faster encoding, see SessionOptions.precision). Not recorded in the index. */
  precision?: Precision;
  /**
   * What the index stores per document: `'colbert'` (a vector per token, the default) or `'poly:<M>'`
   * (M poly-encoder code vectors, learned from the first add; folder indexes, flat mode unless `mode` is given).
   */
  representation?: IndexRepresentation;
}

/** Options of {@link Index.search} and {@link Index.searchVectors}. */
export interface IndexSearchOptions extends StoreSearchOptions {
  /**
   * Attach `explanation` to hits (true: every hit; n: the best n): per query token its best document
   * token, similarity and contribution, from the vectors the store scored, so `explanation.raw` is the hit's `score`.
   */
  explain?: ExplainOption;
}

/** Options of {@link Index.add}. */
export interface IndexAddOptions {
  /** Called after each encoded document with the running count. */
  onProgress?: (documents: number) => void;
  /** Tokens encoded before they are written as one segment (the first one also trains the centroids). Default 500,000. */
  segmentTokens?: number;
  /**
   * Replace documents whose id is already in the index (upsert) instead of refusing them with E_DUPLICATE_ID.
   * The file index swaps each segment's old and new versions in one atomic write; other stores delete, then add.
   */
  replace?: boolean;
  /** Called after each write that made documents durable, with the running count written by this call. */
  onCommit?: (documents: number) => void;
}

/** Writes documents replacing any with the same ids: atomically where the store can upsert, else delete then add. */
async function replaceDocuments(store: VectorStore, docs: readonly DocumentInput[], vectors: TokenMatrixBatch): Promise<void> {
  const upsert = (store as { upsert?: (d: readonly DocumentInput[], v: TokenMatrixBatch) => Promise<number> }).upsert;
  if (typeof upsert === 'function') {
    await upsert.call(store, docs, vectors);
    return;
  }
  await store.delete(docs.map((d) => d.id));
  await store.add(docs, vectors);
}

export class Index {
  private constructor(
    readonly location: string,
    readonly store: VectorStore,
    readonly encoder: LateInteractionEncoder,
    /** Set when the index stores poly-encoder codes instead of token vectors. */
    private readonly poly?: PolyIndex,
  ) {}

  /** Creates a new index at a folder (or PostgreSQL URL) for a model. */
  static async create(dirOrUrl: string, options: IndexCreateOptions = {}): Promise<Index> {
    checkLocation(dirOrUrl);
    const { encoder: _enc, precision, representation, ...given } = options;
    checkCreateSettings(given);
    const poly = parseIndexRepresentation(representation);
    const encoder = options.encoder ?? (await loadColbertEncoder(options.model, precision ? { precision } : {}));
    const model = options.model ?? encoder.modelId;
    if (isPostgresLocation(dirOrUrl)) {
      if (poly)
        throw new TartanError(
          ErrorCodes.INVALID_ARGUMENT,
          'a poly representation is kept by folder indexes only; create the index in a folder, or use colbert',
        );
      const { openPostgresStore } = await import('../stores/postgres/index.js');
      return new Index(dirOrUrl, await openPostgresStore(dirOrUrl, { dim: encoder.dim, model, create: true }), encoder);
    }
    // A code export is checked before the folder is written, so a bad one leaves nothing behind.
    const polyChecked = poly ? await PolyIndex.resolve(poly, encoder.dim) : undefined;
    const { encoder: _e, model: _m, precision: _p, representation: _r, ...rest } = options;
    // An explicit undefined (a forwarded optional flag) means "default", not "store undefined in the manifest";
    // the model's own defaults (encoder.indexDefaults) apply where the caller gave nothing.
    const settings = { ...encoder.indexDefaults, ...Object.fromEntries(Object.entries(rest).filter(([, v]) => v !== undefined)) } as typeof rest;
    // M codes per document are few: exact (flat) search over them, unless the caller chose a mode.
    if (poly && rest.mode === undefined) settings.mode = 'flat';
    const create = settings.mode === 'flat' ? FlatStore.create.bind(FlatStore) : PlaidStore.create.bind(PlaidStore);
    const store = await create(dirOrUrl, { ...settings, dim: encoder.dim, model });
    return new Index(dirOrUrl, store, encoder, polyChecked ? PolyIndex.create(dirOrUrl, encoder.dim, polyChecked) : undefined);
  }

  /** Opens an existing index and reloads its model (or uses `options.encoder`). */
  static async open(dirOrUrl: string, options: { encoder?: LateInteractionEncoder; model?: string; precision?: Precision } = {}): Promise<Index> {
    checkLocation(dirOrUrl);
    const store = await openStore(dirOrUrl, options.model ? { model: options.model } : {});
    const model = options.model ?? (await store.info()).model;
    const encoder = options.encoder ?? (await loadColbertEncoder(model, options.precision ? { precision: options.precision } : {}));
    if (encoder.dim !== store.dim) {
      await store.close();
      throw new TartanError(
        ErrorCodes.DIMENSION_MISMATCH,
        `model ${encoder.modelId} gives dim ${encoder.dim} but the index stores dim ${store.dim}; open it with the model it was built with (${model ?? 'unknown'})`,
      );
    }
    return new Index(dirOrUrl, store, encoder, isPostgresLocation(dirOrUrl) ? undefined : PolyIndex.read(dirOrUrl));
  }

  /** `colbert`, or `poly:<M>` when the index stores M codes per document. */
  get representation(): string {
    return this.poly?.name ?? 'colbert';
  }

  /** A poly index's stored rows are codes, labelled `code 1` to `code M` in explanations. */
  private rowLabels(): ((rows: number) => string[]) | undefined {
    return this.poly ? (rows) => Array.from({ length: rows }, (_, i) => `code ${i + 1}`) : undefined;
  }

  /** What the store is given for these documents' token vectors: the vectors, or their poly codes. */
  private async represent(vectors: TokenMatrixBatch): Promise<TokenMatrixBatch> {
    return this.poly ? this.poly.represent(vectors) : vectors;
  }

  /** Encodes and adds documents (any iterable, streamed in segments); `onProgress` reports the count. */
  async add(docs: Iterable<DocumentInput> | AsyncIterable<DocumentInput>, options: IndexAddOptions = {}): Promise<void> {
    if (!isIterable(docs)) throw new TartanError(ErrorCodes.INVALID_ARGUMENT, 'add takes a list (or iterable) of documents like [{"id": "d1", "text": "..."}]');
    const segmentTokens = options.segmentTokens ?? 500_000;
    if (!Number.isInteger(segmentTokens) || segmentTokens < 1)
      throw new TartanError(ErrorCodes.INVALID_ARGUMENT, `segmentTokens must be a positive integer, got ${describeValue(segmentTokens)}`);
    for (const name of ['onProgress', 'onCommit'] as const)
      if (options[name] !== undefined && typeof options[name] !== 'function') throw new TartanError(ErrorCodes.INVALID_ARGUMENT, `${name} must be a function`);
    // Ids seen in this call: a repeat in a later segment would otherwise fail after earlier segments were published.
    const seen = new Set<string>();
    let pending: DocumentInput[] = [];
    let matrices: TokenMatrix[] = [];
    let tokens = 0,
      count = 0,
      committed = 0;
    const flush = async () => {
      if (pending.length === 0) return;
      const vectors = await this.represent(packMatrices(matrices, this.encoder.dim));
      if (options.replace === true) await replaceDocuments(this.store, pending, vectors);
      else await this.store.add(pending, vectors);
      committed += pending.length;
      options.onCommit?.(committed);
      pending = [];
      matrices = [];
      tokens = 0;
    };
    let batch: DocumentInput[] = [];
    const encodeBatch = async () => {
      const texts = batch.map((d) => {
        if (d.text === undefined || (typeof d.text === 'string' && d.text.trim().length === 0))
          throw new TartanError(ErrorCodes.EMPTY_TEXT, `document "${d.id}" has no text; give every document a non-empty text field`);
        assertText(d.text, count + pending.length);
        return d.text;
      });
      let i = 0;
      for await (const m of this.encoder.passageEmbed(texts)) {
        pending.push(batch[i++]);
        matrices.push(m);
        tokens += m.rows;
        options.onProgress?.(++count);
      }
      batch = [];
      if (tokens >= segmentTokens) await flush();
    };
    for await (const d of docs) {
      checkDocument(d, seen.size);
      if (seen.has(d.id))
        throw new TartanError(ErrorCodes.DUPLICATE_ID, `document id "${d.id}" appears twice in this add; ids must be unique`, { details: { id: d.id } });
      seen.add(d.id);
      batch.push(d);
      if (batch.length >= 64) await encodeBatch();
    }
    if (batch.length) await encodeBatch();
    await flush();
  }

  /**
   * Adds documents with token vectors encoded elsewhere (e.g. in Python with the index's model): no
   * encoder runs. Each document is `{ id, vectors, text?, metadata? }`, `vectors` a {@link TokenMatrix}
   * or an array of rows (`dim` numbers each, `index.store.dim`). Every document is checked before
   * anything is written (ids, metadata, duplicate ids: E_DUPLICATE_ID, dim: E_DIMENSION_MISMATCH,
   * NaN/Infinity: E_NON_FINITE_VALUE, no rows: E_EMPTY_TEXT); then all are added in one atomic write,
   * to the file index or PostgreSQL alike.
   * @example
   * // vectors.json from Python: [{"id": "d1", "vectors": model.encode(text).tolist()}, ...]
   * const index = await Index.create('./idx', { model: 'colbert-ir/colbertv2.0' });
   * await index.addVectors(JSON.parse(readFileSync('vectors.json', 'utf8')));
   * const hits = await index.searchVectors(queryRows, { k: 10 });
   */
  async addVectors(docs: Iterable<VectorDocumentInput> | AsyncIterable<VectorDocumentInput>): Promise<void> {
    if (!isIterable(docs))
      throw new TartanError(
        ErrorCodes.INVALID_ARGUMENT,
        'addVectors takes a list (or iterable) of documents like [{"id": "d1", "vectors": [[0.1, ...], ...]}]',
      );
    const seen = new Set<string>();
    const pending: DocumentInput[] = [];
    const matrices: TokenMatrix[] = [];
    for await (const d of docs) {
      checkDocument(d, pending.length);
      if (seen.has(d.id))
        throw new TartanError(ErrorCodes.DUPLICATE_ID, `document id "${d.id}" appears twice in this add; ids must be unique`, { details: { id: d.id } });
      seen.add(d.id);
      const { vectors, ...doc } = d;
      if (doc.text !== undefined && typeof doc.text !== 'string')
        throw new TartanError(ErrorCodes.NOT_A_STRING, `the text of document "${d.id}" is ${describeValue(doc.text)}; give a string or leave it out`);
      matrices.push(toTokenMatrix(vectors, this.store.dim, `document "${d.id}"`));
      pending.push(doc);
    }
    if (pending.length === 0) return;
    await this.store.add(pending, await this.represent(packMatrices(matrices, this.store.dim)));
  }

  /**
   * Searches with a query's token vectors encoded elsewhere (a {@link TokenMatrix} or an array of rows),
   * checked like {@link Index.addVectors}; `options` as for {@link Index.search} (explanations label rows `#i`).
   * @example const hits = await index.searchVectors([[0.12, -0.03, ...], ...], { k: 5, filter: { lang: 'en' } });
   */
  async searchVectors(query: VectorsInput, options: IndexSearchOptions = {}): Promise<ExplainedHit[]> {
    checkSearchOptions(options);
    const { explain, ...search } = options;
    const q = toTokenMatrix(query, this.store.dim, 'the query');
    const hits = await this.store.search(q, search);
    return explainHits(
      this.store,
      this.encoder,
      { matrix: q, ...(search.weights ? { weights: search.weights } : {}) },
      hits,
      explainCount(explain, hits.length),
      this.rowLabels(),
    );
  }

  /** Deletes documents by id; returns how many existed. */
  async delete(ids: readonly string[]): Promise<number> {
    checkIds(ids);
    return this.store.delete(ids);
  }

  /**
   * Encodes the query and searches; with `explain`, hits carry the explanation of their score.
   * The encoded query is checked (shape, NaN) once, by the store that scores it.
   */
  async search(query: string, options: IndexSearchOptions = {}): Promise<ExplainedHit[]> {
    checkSearchOptions(options);
    const { explain, ...search } = options;
    explainCount(explain, 0);
    const q = await this.encodeQuery(query);
    if (q.dim !== this.store.dim)
      throw new TartanError(
        ErrorCodes.DIMENSION_MISMATCH,
        `the encoder gave a query of dim ${q.dim} but the index stores dim ${this.store.dim}; use the model the index was built with`,
      );
    // Models that weight query tokens (the lexical model's IDF) score with weighted MaxSim.
    const weights = search.weights ?? this.queryWeights(query);
    const hits = await this.store.search(q, weights ? { ...search, weights } : search);
    return explainHits(
      this.store,
      this.encoder,
      { matrix: q, text: query, ...(weights ? { weights } : {}) },
      hits,
      explainCount(explain, hits.length),
      this.rowLabels(),
    );
  }

  /**
   * Explains hits that a search for `query` returned (e.g. a pipeline's ColBERT stage): the query is
   * encoded and weighted again exactly as that search did, and each explanation adds up to its hit's score.
   */
  async explain<H extends SearchHit>(query: string, hits: readonly H[]): Promise<Array<H & { explanation?: Explanation }>> {
    if (hits.length === 0) return [];
    const q = await this.encodeQuery(query);
    const weights = this.queryWeights(query);
    return explainHits(this.store, this.encoder, { matrix: q, text: query, ...(weights ? { weights } : {}) }, hits, hits.length, this.rowLabels());
  }

  /** Per-token query weights when the model defines them (the lexical model's IDF), else undefined. */
  queryWeights(query: string): Float32Array | undefined {
    const weigh = (this.encoder as { queryWeights?: (text: string) => Float32Array }).queryWeights;
    return typeof weigh === 'function' ? weigh.call(this.encoder, query) : undefined;
  }

  /** The query's token matrix (for explanations or custom scoring). */
  async encodeQuery(query: string): Promise<TokenMatrix> {
    if (typeof query === 'string' && query.trim().length === 0)
      throw new TartanError(ErrorCodes.EMPTY_TEXT, 'the query is empty; pass some text to search for');
    // The encoder checks the text itself (a string, no lone surrogates...): the one check on the way.
    for await (const m of this.encoder.queryEmbed([query])) return m;
    throw new TartanError(ErrorCodes.INTERNAL, 'the encoder returned no query matrix');
  }

  /** Rewrites the index without deleted documents (file index only). */
  async compact(): Promise<void> {
    if (!canCompact(this.store)) throw new TartanError(ErrorCodes.INVALID_ARGUMENT, 'compact applies to the file index; PostgreSQL reclaims space with VACUUM');
    await this.store.compact();
  }

  /** Verifies the file index on disk (checksums, counts, tables against each other); `ok` is false with coded problems when damaged. */
  async check(): Promise<CheckReport> {
    if (!canCheck(this.store))
      throw new TartanError(ErrorCodes.INVALID_ARGUMENT, 'check applies to the file index; PostgreSQL checks its own pages (see amcheck)');
    return this.store.check();
  }

  async info(): Promise<StoreInfo> {
    const info = await this.store.info();
    return this.poly ? { ...info, representation: this.poly.name } : info;
  }

  async close(): Promise<void> {
    await this.store.close();
    await this.poly?.close();
    await this.encoder.dispose();
  }
}
