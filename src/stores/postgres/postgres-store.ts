/**
 * {@link VectorStore} on PostgreSQL + pgvector. Documents, metadata and token
 * vectors live in the application's own database; MaxSim runs in SQL, so only
 * (id, score) rows cross the wire at search time.
 */
import type pg from 'pg';
import { ErrorCodes, TartanError } from '../../core/errors.js';
import { checkK } from '../../core/result-count.js';
import { batchSize, type TokenMatrix, type TokenMatrixBatch } from '../../core/tensors.js';
import type { DocumentInput, MetadataValue, SearchHit, StoreInfo, StoreSearchOptions, VectorStore } from '../types.js';
import { quoteIdent, withClient, withTransaction, type PostgresPool } from './connection.js';
import { compileFilter } from './filter-sql.js';
import { encodeHalfvecArray, float16BitsToFloat32, float32ToFloat16Bits } from './halfvec-codec.js';
import type { ScoredVectors } from '../capabilities.js';
import { exactSearchSql, tokenCandidateSearchSql } from './maxsim-sql.js';
import { collectionTables, dropCollection, type CollectionSettings, type CollectionTables } from './schema.js';
import { DEFAULT_TOKEN_SEARCH, DEFAULT_TUNING, type PostgresStoreTuning, type TokenSearchDefaults } from './tuning.js';

export { DEFAULT_TOKEN_SEARCH, DEFAULT_TUNING, type PostgresStoreTuning, type TokenSearchDefaults };

/** smallint `pos` column. */
const MAX_ROWS_PER_DOCUMENT = 32_767;

interface HitRow {
  id: string;
  text: string | null;
  metadata: Record<string, MetadataValue>;
  score: number;
}

/** The PostgreSQL store; create it with `openPostgresStore` (src/stores/postgres/index.ts). */
export class PostgresStore implements VectorStore {
  readonly dim: number;
  readonly settings: CollectionSettings;
  readonly tables: CollectionTables;
  private readonly oids = new Map<PostgresPool, number>();

  constructor(
    protected readonly writer: PostgresPool,
    protected readonly reader: PostgresPool,
    settings: CollectionSettings,
    protected tuning: PostgresStoreTuning = DEFAULT_TUNING,
  ) {
    this.settings = settings;
    this.dim = settings.dim;
    this.tables = collectionTables(settings.name, settings.layout);
  }

  /** Adds documents and their token matrices in one transaction: all of them, or none on any error. */
  async add(docs: readonly DocumentInput[], vectors: TokenMatrixBatch): Promise<void> {
    this.checkBatch(docs, vectors);
    if (docs.length === 0) return;
    const oid = await this.halfvecOid(this.writer);
    const batchTokens = vectors.offsets[docs.length] - vectors.offsets[0];
    await withTransaction(this.writer, async (client) => {
      const rebuild = await this.shouldRebuildIndex(client, batchTokens);
      if (rebuild) await client.query(this.dropIndexSql());
      let start = 0;
      while (start < docs.length) {
        // Chunk by token count so one statement's parameters stay a few MB.
        let end = start + 1;
        while (end < docs.length && vectors.offsets[end + 1] - vectors.offsets[start] <= this.tuning.tokensPerStatement) end++;
        await this.insertChunk(client, docs, vectors, start, end, oid);
        start = end;
      }
      if (rebuild) {
        await client.query("SELECT set_config('maintenance_work_mem', $1, true)", [this.tuning.bulkMaintenanceWorkMem]);
        await client.query(this.createIndexSql());
      }
    });
  }

  /** True when a batch is big enough, relative to the collection, that one index build beats row-by-row inserts. */
  private async shouldRebuildIndex(client: pg.PoolClient, batchTokens: number): Promise<boolean> {
    if (this.settings.layout !== 'token' || batchTokens < this.tuning.bulkLoadMinTokens) return false;
    const r = await client.query<{ tokens: string; indexed: boolean }>(
      `SELECT coalesce(sum(n_tokens), 0)::text AS tokens, to_regclass($1) IS NOT NULL AS indexed FROM ${quoteIdent(this.tables.documents)}`,
      [quoteIdent(`${this.tables.tokens}_hnsw`)],
    );
    return r.rows[0].indexed && Number(r.rows[0].tokens) <= batchTokens;
  }

  private dropIndexSql(): string {
    return `DROP INDEX IF EXISTS ${quoteIdent(`${this.tables.tokens}_hnsw`)}`;
  }

  private createIndexSql(): string {
    const { m, efConstruction } = this.settings.hnsw;
    return `CREATE INDEX IF NOT EXISTS ${quoteIdent(`${this.tables.tokens}_hnsw`)} ON ${quoteIdent(this.tables.tokens)}
      USING hnsw (vec halfvec_ip_ops) WITH (m = ${Number(m)}, ef_construction = ${Number(efConstruction)})`;
  }

  private async insertChunk(
    client: pg.PoolClient,
    docs: readonly DocumentInput[],
    vectors: TokenMatrixBatch,
    start: number,
    end: number,
    oid: number,
  ): Promise<void> {
    const slice = docs.slice(start, end);
    const counts = slice.map((_, i) => vectors.offsets[start + i + 1] - vectors.offsets[start + i]);
    const inserted = await client.query<{ doc_key: string; id: string }>(
      `INSERT INTO ${quoteIdent(this.tables.documents)} (id, text, metadata, n_tokens)
       SELECT * FROM unnest($1::text[], $2::text[], $3::jsonb[], $4::int[]) RETURNING doc_key, id`,
      [slice.map((d) => d.id), slice.map((d) => d.text ?? null), slice.map((d) => JSON.stringify(d.metadata ?? {})), counts],
    );
    // RETURNING order is not guaranteed: map keys back by id.
    const keyOf = new Map(inserted.rows.map((r) => [r.id, r.doc_key]));
    const keys = slice.map((d) => keyOf.get(d.id) as string);
    const firstRow = vectors.offsets[start];
    const packed = encodeHalfvecArray(vectors.data, vectors.dim, firstRow, vectors.offsets[end], oid);
    if (this.settings.layout === 'document') {
      const lo = counts.map((_, i) => vectors.offsets[start + i] - firstRow + 1);
      const hi = counts.map((_, i) => vectors.offsets[start + i + 1] - firstRow);
      await client.query(
        `INSERT INTO ${quoteIdent(this.tables.docVectors)} (doc_key, vecs)
         SELECT u.k, CASE WHEN u.lo > u.hi THEN '{}'::halfvec[] ELSE ($4::halfvec[])[u.lo:u.hi] END
         FROM unnest($1::bigint[], $2::int[], $3::int[]) AS u(k, lo, hi)`,
        [keys, lo, hi, packed],
      );
    } else {
      const tokenKeys: string[] = [];
      const positions: number[] = [];
      counts.forEach((n, i) => {
        for (let p = 0; p < n; p++) {
          tokenKeys.push(keys[i]);
          positions.push(p);
        }
      });
      await client.query(
        `INSERT INTO ${quoteIdent(this.tables.tokens)} (doc_key, pos, vec)
         SELECT * FROM unnest($1::bigint[], $2::smallint[], $3::halfvec[])`,
        [tokenKeys, positions, packed],
      );
    }
  }

  protected checkBatch(docs: readonly DocumentInput[], vectors: TokenMatrixBatch): void {
    if (batchSize(vectors) !== docs.length) {
      throw new TartanError(ErrorCodes.INVALID_ARGUMENT, `${docs.length} documents but ${batchSize(vectors)} token matrices; pass one matrix per document.`);
    }
    if (docs.length > 0 && vectors.dim !== this.dim) throw this.dimensionError(vectors.dim, 'the document vectors have');
    const seen = new Set<string>();
    docs.forEach((d, i) => {
      if (typeof d.id !== 'string' || d.id.length === 0) {
        throw new TartanError(ErrorCodes.INVALID_ARGUMENT, `document ${i} has no id; every document needs a non-empty string id.`);
      }
      if (seen.has(d.id)) throw new TartanError(ErrorCodes.DUPLICATE_ID, `id "${d.id}" appears twice in the batch; ids must be unique.`);
      seen.add(d.id);
      const rows = vectors.offsets[i + 1] - vectors.offsets[i];
      if (rows > MAX_ROWS_PER_DOCUMENT) {
        throw new TartanError(
          ErrorCodes.INVALID_ARGUMENT,
          `document "${d.id}" has ${rows} token vectors; the PostgreSQL store keeps at most ${MAX_ROWS_PER_DOCUMENT} per document. Split or truncate it.`,
        );
      }
    });
  }

  /** Deletes documents (and their vectors, by cascade) in one transaction; returns how many existed. */
  async delete(ids: readonly string[]): Promise<number> {
    if (ids.length === 0) return 0;
    return withTransaction(this.writer, async (client) => {
      const r = await client.query(`DELETE FROM ${quoteIdent(this.tables.documents)} WHERE id = ANY($1::text[])`, [[...ids]]);
      return r.rowCount ?? 0;
    });
  }

  /**
   * Top-k by exact MaxSim computed in PostgreSQL.
   * - token layout: HNSW candidates per query vector (`nprobe` tokens each, `ndocs` documents kept), then exact MaxSim;
   *   when the candidates hold fewer than k documents (a filter, or a large k), falls back to exact MaxSim over every matching document;
   * - document layout, or `candidates` given: exact MaxSim over every (matching) document.
   * Honours `k`, `filter`, `weights`, `candidates`, `nprobe`, `ndocs`.
   */
  async search(query: TokenMatrix, options: StoreSearchOptions = {}): Promise<SearchHit[]> {
    const k = this.checkSearch(query, options);
    const weights = options.weights;
    const oid = await this.halfvecOid(this.reader);
    const q = encodeHalfvecArray(query.data, query.dim, 0, query.rows, oid);
    const w = weights ? Array.from(weights) : null;
    const norm = weights ? weights.reduce((a, b) => a + b, 0) : query.rows;

    const rows = await withTransaction(this.reader, async (client) => {
      if (this.settings.layout === 'token' && !options.candidates) {
        // At least k tokens per query vector, so a large k is not starved of candidate documents.
        const perVector = Math.max(options.nprobe ?? this.tuning.search.tokensPerQueryVector, k);
        const ndocs = Math.max(options.ndocs ?? this.tuning.search.candidateDocs, k);
        const ef = Math.max(this.tuning.search.efSearch, perVector);
        await client.query("SELECT set_config('hnsw.ef_search', $1, true)", [String(Math.min(ef, 1000))]);
        const f = compileFilter(options.filter, 6);
        const r = await client.query<HitRow>(tokenCandidateSearchSql(this.tables, f.sql), [q, w, k, perVector, ndocs, ...f.params]);
        // Fewer than k hits when the filter removed most candidates, or the nearest tokens fell in fewer than k
        // documents: then score every matching document, so k is honoured whenever the collection holds k.
        if (r.rows.length >= k) return r.rows;
      }
      const f = compileFilter(options.filter, options.candidates ? 5 : 4);
      const conditions = [f.sql];
      const params: unknown[] = [q, w, k];
      if (options.candidates) {
        params.push([...options.candidates]);
        conditions.unshift('d.id = ANY($4::text[])');
      }
      params.push(...f.params);
      const r = await client.query<HitRow>(exactSearchSql(this.tables, conditions.filter(Boolean).join(' AND ')), params);
      return r.rows;
    });
    return rows.map((row, i) => ({
      id: row.id,
      rank: i + 1,
      score: row.score,
      normalizedScore: norm === 0 ? 0 : row.score / norm,
      ...(row.text !== null ? { text: row.text } : {}),
      metadata: row.metadata,
    }));
  }

  /** Checks a search's query and options at the store's boundary; returns k. */
  protected checkSearch(query: TokenMatrix, options: StoreSearchOptions): number {
    if (query.dim !== this.dim) throw this.dimensionError(query.dim, 'the query has');
    if (query.rows === 0) throw new TartanError(ErrorCodes.INVALID_ARGUMENT, 'the query has no token vectors; encode a non-empty query.');
    const k = checkK(options.k ?? 10);
    for (const [name, v] of [
      ['nprobe', options.nprobe],
      ['ndocs', options.ndocs],
    ] as const) {
      if (v !== undefined && (!Number.isInteger(v) || v < 1))
        throw new TartanError(ErrorCodes.INVALID_ARGUMENT, `${name} must be a positive integer, got ${v}.`);
    }
    const weights = options.weights;
    if (weights && weights.length !== query.rows) {
      throw new TartanError(ErrorCodes.INVALID_ARGUMENT, `${weights.length} weights for ${query.rows} query vectors; give one weight per query vector.`);
    }
    return k;
  }

  /** Documents by id, in the order asked; missing ids are skipped. */
  async get(ids: readonly string[]): Promise<DocumentInput[]> {
    if (ids.length === 0) return [];
    return withClient(this.reader, async (client) => {
      const r = await client.query<{ id: string; text: string | null; metadata: Record<string, MetadataValue> }>(
        `SELECT d.id, d.text, d.metadata FROM ${quoteIdent(this.tables.documents)} d
         JOIN unnest($1::text[]) WITH ORDINALITY AS u(id, ord) ON u.id = d.id ORDER BY u.ord`,
        [[...ids]],
      );
      return r.rows.map((row) => ({ id: row.id, ...(row.text !== null ? { text: row.text } : {}), metadata: row.metadata }));
    });
  }

  /**
   * The vectors behind the SQL MaxSim ({@link Explainable}): the query rounded to float16 as it
   * travels to the server, and each document's stored halfvec rows in position order.
   */
  async scoredVectors(query: TokenMatrix, ids: readonly string[]): Promise<ScoredVectors> {
    if (query.dim !== this.dim) throw this.dimensionError(query.dim, 'the query has');
    const rounded = new Float32Array(query.rows * query.dim);
    for (let i = 0; i < rounded.length; i++) rounded[i] = float16BitsToFloat32(float32ToFloat16Bits(query.data[i]));
    const documents = new Map<string, TokenMatrix[]>();
    if (ids.length > 0) {
      const docs = quoteIdent(this.tables.documents);
      const sql =
        this.settings.layout === 'token'
          ? `SELECT d.id, x.vec::real[] AS vec FROM ${docs} d JOIN ${quoteIdent(this.tables.tokens)} x ON x.doc_key = d.doc_key
           WHERE d.id = ANY($1::text[]) ORDER BY d.id, x.pos`
          : `SELECT d.id, u.vec::real[] AS vec FROM ${docs} d JOIN ${quoteIdent(this.tables.docVectors)} v ON v.doc_key = d.doc_key
           CROSS JOIN LATERAL unnest(v.vecs) WITH ORDINALITY AS u(vec, ord) WHERE d.id = ANY($1::text[]) ORDER BY d.id, u.ord`;
      const r = await withClient(this.reader, (c) => c.query<{ id: string; vec: number[] }>(sql, [[...ids]]));
      const rows = new Map<string, number[][]>();
      for (const row of r.rows) {
        const list = rows.get(row.id);
        if (list) list.push(row.vec);
        else rows.set(row.id, [row.vec]);
      }
      for (const [id, vecs] of rows) {
        const data = new Float32Array(vecs.length * this.dim);
        vecs.forEach((v, i) => data.set(v, i * this.dim));
        documents.set(id, [{ data, rows: vecs.length, dim: this.dim }]);
      }
    }
    return { query: { data: rounded, rows: query.rows, dim: query.dim }, documents };
  }

  /** Counts and on-disk size (tables + indexes + TOAST) of the collection. */
  async info(): Promise<StoreInfo> {
    return withClient(this.reader, async (client) => {
      const counts = await client.query<{ documents: string; tokens: string | null }>(
        `SELECT count(*) AS documents, sum(n_tokens) AS tokens FROM ${quoteIdent(this.tables.documents)}`,
      );
      const documents = Number(counts.rows[0].documents);
      const tokens = Number(counts.rows[0].tokens ?? 0);
      const { searchBytes, extras } = await this.storageFigures(client, tokens);
      return {
        kind: 'postgres',
        documents,
        tokens,
        dim: this.dim,
        bytesPerToken: tokens === 0 ? 0 : searchBytes / tokens,
        ...(this.settings.model ? { model: this.settings.model } : {}),
        collection: this.settings.name,
        layout: this.settings.layout,
        storageBytes: searchBytes,
        ...extras,
        endpoint: this.writer.target.endpoint,
      };
    });
  }

  /** The bytes {@link info} reports per token, and the layout's own extra fields. */
  protected async storageFigures(client: pg.PoolClient, tokens: number): Promise<{ searchBytes: number; extras: Record<string, unknown> }> {
    void tokens;
    return { searchBytes: await this.storageBytes(client), extras: {} };
  }

  /** Bytes on disk of the collection's tables, their indexes and TOAST. */
  async storageBytes(client?: pg.PoolClient): Promise<number> {
    const run = async (c: pg.PoolClient): Promise<number> => {
      const vectorsTable = this.settings.layout === 'token' ? this.tables.tokens : this.tables.docVectors;
      const r = await c.query<{ bytes: string }>('SELECT (pg_total_relation_size($1::regclass) + pg_total_relation_size($2::regclass))::text AS bytes', [
        quoteIdent(this.tables.documents),
        quoteIdent(vectorsTable),
      ]);
      return Number(r.rows[0].bytes);
    };
    return client ? run(client) : withClient(this.reader, run);
  }

  /**
   * Drops the token layout's HNSW index. For bulk loading: inserting into an
   * HNSW graph row by row is far slower than building it once afterwards with
   * {@link buildVectorIndex}. Until then, searches scan every token (correct, slow).
   */
  async dropVectorIndex(): Promise<void> {
    if (this.settings.layout !== 'token') return;
    await withClient(this.writer, async (c) => {
      await c.query(this.dropIndexSql());
    });
  }

  /**
   * (Re)builds the token layout's HNSW index if missing. `maintenanceWorkMem`
   * (e.g. '2GB') should hold the whole graph, or the build spills to disk and slows down.
   */
  async buildVectorIndex(options: { maintenanceWorkMem?: string; parallelWorkers?: number } = {}): Promise<void> {
    if (this.settings.layout !== 'token') return;
    await withClient(this.writer, async (c) => {
      if (options.maintenanceWorkMem) await c.query("SELECT set_config('maintenance_work_mem', $1, false)", [options.maintenanceWorkMem]);
      if (options.parallelWorkers !== undefined) {
        await c.query("SELECT set_config('max_parallel_maintenance_workers', $1, false)", [String(options.parallelWorkers)]);
      }
      await c.query(this.createIndexSql());
      await c.query('RESET maintenance_work_mem; RESET max_parallel_maintenance_workers');
    });
  }

  /** Changes this store's token-layout search defaults (e.g. ef_search) for later searches. */
  tuneSearch(search: Partial<TokenSearchDefaults>): void {
    this.tuning = { ...this.tuning, search: { ...this.tuning.search, ...search } };
  }

  /** Refreshes the planner's statistics of the collection's tables (worth doing after a bulk load). */
  async analyze(): Promise<void> {
    const vectorsTable = this.settings.layout === 'token' ? this.tables.tokens : this.tables.docVectors;
    await withClient(this.writer, async (c) => {
      await c.query(`ANALYZE ${quoteIdent(this.tables.documents)}, ${quoteIdent(vectorsTable)}`);
    });
  }

  /**
   * Drops the collection: its tables and its catalogue row, in one transaction (all or nothing),
   * then closes the pools. Other collections in the database are untouched.
   */
  async drop(): Promise<void> {
    await withTransaction(this.writer, (client) => dropCollection(client, this.settings.name));
    await this.close();
  }

  /** Closes the connection pools. */
  async close(): Promise<void> {
    const pools = new Set([this.writer.pool, this.reader.pool]);
    await Promise.all([...pools].map((p) => p.end()));
  }

  private async halfvecOid(p: PostgresPool): Promise<number> {
    const cached = this.oids.get(p);
    if (cached !== undefined) return cached;
    const oid = await withClient(p, async (client) => {
      const r = await client.query<{ oid: number }>("SELECT 'halfvec'::regtype::oid AS oid");
      return Number(r.rows[0].oid);
    });
    this.oids.set(p, oid);
    return oid;
  }

  protected dimensionError(got: number, what: string): TartanError {
    return new TartanError(
      ErrorCodes.DIMENSION_MISMATCH,
      `${what} dimension ${got}, but collection "${this.settings.name}" stores ${this.dim}-d vectors` +
        `${this.settings.model ? ` (model ${this.settings.model})` : ''}. Use the same model as the collection, or another collection.`,
    );
  }
}
