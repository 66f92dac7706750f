/**
 * The plaid layout: PLAID inside PostgreSQL. The tables hold the codebook,
 * one row per add with its tokens' centroid codes and packed residuals, the
 * documents, and each document's float16 originals for the final rerank
 * (plaid-writes.ts). A search revalidates the process's copy of the codes
 * (plaid-cache.ts) inside its own REPEATABLE READ snapshot, runs PLAID's
 * candidate stages on it with the native kernels, then fetches the float16
 * rows of the final candidates (kept in a bounded cache: rerank-rows.ts) and
 * the hits' documents from the same snapshot. Every process serving one
 * database searches the same committed state; none keeps anything else.
 */
import type pg from 'pg';
import { ErrorCodes, TartanError } from '../../core/errors.js';
import type { TokenMatrix, TokenMatrixBatch } from '../../core/tensors.js';
import { validateQuery } from '../../scoring/validate.js';
import { fromFloat16 } from '../../scoring/float16.js';
import { plaidCandidates } from '../../plaid/search-stages.js';
import { allowedCandidates, rerankDocuments, weightedRows } from '../../plaid/search.js';
import type { Candidate, Codebook, DocScore, PlaidIndex } from '../../plaid/types.js';
import type { ScoredVectors } from '../capabilities.js';
import type { DocumentInput, MetadataValue, SearchHit, StoreSearchOptions } from '../types.js';
import { quoteIdent, withClient, withTransaction, type PostgresPool } from './connection.js';
import { compileFilter } from './filter-sql.js';
import { PlaidCache } from './plaid-cache.js';
import { addPlaidDocuments, deletePlaidDocuments } from './plaid-writes.js';
import { PostgresStore } from './postgres-store.js';
import { RerankRowCache, withRerankRows } from './rerank-rows.js';
import type { CollectionSettings } from './schema.js';
import type { PostgresStoreTuning } from './tuning.js';

/** Search defaults and the rerank cache of a plaid-layout store. */
export interface PlaidSearchDefaults {
  /** Centroids probed per query vector (default 64, as the embedded index). */
  nprobe: number;
  /** Candidates reranked with the float16 originals (default 96). */
  ndocs: number;
  /** Bytes of float16 rerank rows a process keeps (default 512 MiB; 0 fetches every search's rows). */
  rerankCacheBytes: number;
}

export const DEFAULT_PLAID_SEARCH: PlaidSearchDefaults = { nprobe: 64, ndocs: 96, rerankCacheBytes: 512 * 2 ** 20 };

/** A search that found the process's copy newer than its snapshot tries again this often before reloading the copy. */
const SNAPSHOT_RETRIES = 2;

/** The plaid-layout store; created by `openPostgresStore` for collections with layout 'plaid'. */
export class PostgresPlaidStore extends PostgresStore {
  private readonly cache: PlaidCache;
  private readonly rerankRows: RerankRowCache;
  private refreshing: Promise<unknown> = Promise.resolve();
  private writerCodebook?: Codebook;

  constructor(
    writer: PostgresPool,
    reader: PostgresPool,
    settings: CollectionSettings,
    tuning: PostgresStoreTuning,
    private defaults: PlaidSearchDefaults = DEFAULT_PLAID_SEARCH,
  ) {
    super(writer, reader, settings, tuning);
    this.cache = new PlaidCache(this.tables);
    this.rerankRows = new RerankRowCache(defaults.rerankCacheBytes);
  }

  /** Adds documents as one segment in one transaction (all or none); the first add trains the codebook. */
  override async add(docs: readonly DocumentInput[], vectors: TokenMatrixBatch): Promise<void> {
    this.checkBatch(docs, vectors);
    if (docs.length === 0) return;
    for (let i = vectors.offsets[0] * vectors.dim; i < vectors.offsets[docs.length] * vectors.dim; i++) {
      if (!Number.isFinite(vectors.data[i]))
        throw new TartanError(ErrorCodes.NON_FINITE_VALUE, `vector value ${i} is ${vectors.data[i]}; the encoder produced NaN/Infinity, check the model`);
    }
    this.writerCodebook = await withTransaction(this.writer, (client) =>
      addPlaidDocuments(client, this.tables, this.settings, docs, vectors, this.writerCodebook, this.tuning.tokensPerStatement),
    );
  }

  /** Deletes documents in one transaction; searches stop returning them at commit. Returns how many existed. */
  override async delete(ids: readonly string[]): Promise<number> {
    if (ids.length === 0) return 0;
    return withTransaction(this.writer, (client) => deletePlaidDocuments(client, this.tables, ids));
  }

  /**
   * Top-k by MaxSim: PLAID candidates from the codes (nprobe centroids per query vector, ndocs
   * candidates), reranked exactly over the float16 originals. Honours k, filter, weights,
   * candidates (then every given document is scored exactly), nprobe, ndocs. When a filter leaves
   * fewer than k candidates, every matching document is scored, so k is honoured whenever k match.
   */
  override async search(query: TokenMatrix, options: StoreSearchOptions = {}): Promise<SearchHit[]> {
    const k = this.checkSearch(query, options);
    validateQuery(query);
    if (k === 0) return [];
    for (let attempt = 0; ; attempt++) {
      const hits = await this.inSnapshot(async (client) => {
        const generation = await this.refresh(client, attempt > SNAPSHOT_RETRIES);
        if (generation !== this.cache.generation) return null; // the copy is newer than this snapshot: take a new one
        return this.searchSnapshot(client, query, options, k);
      });
      if (hits) return hits;
    }
  }

  private async searchSnapshot(client: pg.PoolClient, query: TokenMatrix, options: StoreSearchOptions, k: number): Promise<SearchHit[]> {
    const index = this.cache.index();
    if (!index) return [];
    const segments = this.cache.segments;
    const { allowed, count } = await this.allowedDocuments(client, options);
    if (count === 0) return [];
    let cands: Candidate[];
    if (options.candidates) cands = allowedCandidates(index, allowed);
    else {
      const nprobe = Math.min(options.nprobe ?? this.defaults.nprobe, index.codebook.k);
      const ndocs = Math.max(options.ndocs ?? this.defaults.ndocs, k);
      cands = await plaidCandidates(index, weightedRows(query, options.weights), nprobe, ndocs, allowed);
      // A filter can leave fewer candidates than k although k documents match: score them all.
      if (cands.length < k && count > cands.length) cands = allowedCandidates(index, allowed);
    }
    const scored = await this.rerank(client, index, segments, query, cands, options.weights);
    scored.sort((a, b) => b.raw - a.raw || a.doc - b.doc);
    const top = scored.slice(0, k);
    const keys = top.map((s) => this.cache.docKeys[s.doc]);
    const r = await client.query<{ doc_key: string; id: string; text: string | null; metadata: Record<string, MetadataValue> }>(
      `SELECT doc_key::text, id, text, metadata FROM ${quoteIdent(this.tables.documents)} WHERE doc_key = ANY($1::bigint[])`,
      [keys.map(String)],
    );
    const byKey = new Map(r.rows.map((row) => [Number(row.doc_key), row]));
    const hits: SearchHit[] = [];
    top.forEach((s, i) => {
      const row = byKey.get(keys[i]);
      if (!row) return; // deleted after the copy was made; the snapshot no longer holds it
      hits.push({
        id: row.id,
        rank: hits.length + 1,
        score: s.raw,
        normalizedScore: s.normalized,
        ...(row.text !== null ? { text: row.text } : {}),
        metadata: row.metadata,
      });
    });
    return hits;
  }

  private async rerank(
    client: pg.PoolClient,
    index: PlaidIndex,
    segments: PlaidCache['segments'],
    query: TokenMatrix,
    cands: readonly Candidate[],
    weights?: Float32Array,
  ): Promise<DocScore[]> {
    if (cands.length === 0) return [];
    const withRows = await withRerankRows(client, this.tables.rerank, index, segments, cands, this.rerankRows);
    return rerankDocuments(withRows, query, cands, weights);
  }

  /** Global document numbers a hit may come from: live ones, narrowed by the filter and the candidate ids in SQL. */
  private async allowedDocuments(client: pg.PoolClient, options: StoreSearchOptions): Promise<{ allowed: Uint8Array; count: number }> {
    if (!options.filter && !options.candidates) return { allowed: this.cache.live, count: this.cache.liveCount };
    const f = compileFilter(options.filter, options.candidates ? 2 : 1);
    const conditions = [f.sql];
    const params: unknown[] = [];
    if (options.candidates) {
      params.push([...options.candidates]);
      conditions.unshift('d.id = ANY($1::text[])');
    }
    params.push(...f.params);
    const r = await client.query<{ doc_key: string }>(
      `SELECT d.doc_key::text FROM ${quoteIdent(this.tables.documents)} d WHERE ${conditions.filter(Boolean).join(' AND ') || 'true'}`,
      params,
    );
    const allowed = new Uint8Array(this.cache.live.length);
    let count = 0;
    for (const row of r.rows) {
      const doc = this.cache.docOf.get(Number(row.doc_key));
      if (doc !== undefined && this.cache.live[doc] && !allowed[doc]) {
        allowed[doc] = 1;
        count++;
      }
    }
    return { allowed, count };
  }

  /** Revalidates the copy (one refresh at a time); returns the generation of `client`'s snapshot. */
  private refresh(client: pg.PoolClient, reload: boolean): Promise<number> {
    const run = this.refreshing.then(() => this.cache.refresh(client, reload));
    this.refreshing = run.catch(() => undefined);
    return run;
  }

  private inSnapshot<T>(body: (client: pg.PoolClient) => Promise<T>): Promise<T> {
    return withTransaction(this.reader, body, 'BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
  }

  /** The float16 rerank rows of `ids` as float32 (what the final scores are computed from); the query as given. */
  override async scoredVectors(query: TokenMatrix, ids: readonly string[]): Promise<ScoredVectors> {
    if (query.dim !== this.dim) throw this.dimensionError(query.dim, 'the query has');
    const documents = new Map<string, TokenMatrix[]>();
    if (ids.length > 0) {
      const r = await withClient(this.reader, (c) =>
        c.query<{ id: string; vecs: Buffer }>(
          `SELECT d.id, v.vecs FROM ${quoteIdent(this.tables.documents)} d JOIN ${quoteIdent(this.tables.rerank)} v ON v.doc_key = d.doc_key WHERE d.id = ANY($1::text[])`,
          [[...ids]],
        ),
      );
      for (const row of r.rows) {
        const half = new Uint16Array(row.vecs.byteLength / 2);
        new Uint8Array(half.buffer).set(row.vecs);
        documents.set(row.id, [{ data: fromFloat16(half), rows: half.length / this.dim, dim: this.dim }]);
      }
    }
    return { query, documents };
  }

  /** info(): bytes per token of what search reads; the float16 rerank rows apart; the codebook, segments and generation. */
  protected override async storageFigures(client: pg.PoolClient, tokens: number): Promise<{ searchBytes: number; extras: Record<string, unknown> }> {
    const { search, rerank } = await this.storageSplit(client);
    const state = await client.query<{ generation: string; k: number | null; segments: string }>(
      `SELECT s.generation::text, (s.codebook ->> 'k')::int AS k, (SELECT count(*) FROM ${quoteIdent(this.tables.segments)})::text AS segments
       FROM ${quoteIdent(this.tables.state)} s`,
    );
    const st = state.rows[0];
    return {
      searchBytes: search,
      extras: {
        rerankBytesPerToken: tokens === 0 ? 0 : rerank / tokens,
        rerankStorageBytes: rerank,
        nbits: this.settings.plaid.nbits,
        centroids: st?.k ?? 0,
        segments: Number(st?.segments ?? 0),
        generation: Number(st?.generation ?? 0),
      },
    };
  }

  /** Bytes of what search reads (documents, segments, tombstones, state) and of the float16 rerank rows, tables + indexes + TOAST. */
  private async storageSplit(client?: pg.PoolClient): Promise<{ search: number; rerank: number }> {
    const t = this.tables;
    const run = async (c: pg.PoolClient) => {
      const r = await c.query<{ search: string; rerank: string }>(
        `SELECT (tartan_relation_bytes($1) + tartan_relation_bytes($2) + tartan_relation_bytes($3) + tartan_relation_bytes($4))::text AS search,
                tartan_relation_bytes($5)::text AS rerank`,
        [t.documents, t.segments, t.tombstones, t.state, t.rerank].map(quoteIdent),
      );
      return { search: Number(r.rows[0].search), rerank: Number(r.rows[0].rerank) };
    };
    return client ? run(client) : withClient(this.reader, run);
  }

  /** Total bytes of the collection, rerank rows included. */
  override async storageBytes(client?: pg.PoolClient): Promise<number> {
    const { search, rerank } = await this.storageSplit(client);
    return search + rerank;
  }

  override async analyze(): Promise<void> {
    const t = this.tables;
    await withClient(this.writer, async (c) => {
      await c.query(`ANALYZE ${[t.documents, t.segments, t.rerank, t.tombstones].map(quoteIdent).join(', ')}`);
    });
  }

  /** The search defaults in force. */
  searchDefaults(): PlaidSearchDefaults {
    return { ...this.defaults };
  }

  /** Rerank-row cache figures: bytes held, hits and misses (documents) since the store opened. */
  rerankCache(): { bytes: number; hits: number; misses: number } {
    return { bytes: this.rerankRows.size, hits: this.rerankRows.hits, misses: this.rerankRows.misses };
  }
}
