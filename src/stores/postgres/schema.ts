/**
 * The tables of a collection.
 *
 * A collection is its own set of tables, named `tartan_<collection>_*`, with
 * its dimension, model and layout recorded in `tartan_collections`. Separate
 * tables (rather than one table with a `collection` column) are
 * partitioning by collection done by hand: each collection has its own HNSW
 * graph sized to it, its own vector typmod (dimension), its own autovacuum,
 * can be moved to another tablespace, and is dropped in O(1).
 *
 * - `tartan_<c>_documents(doc_key bigint identity pk, id text unique, text, metadata jsonb, n_tokens)`
 * - token layout: `tartan_<c>_tokens(doc_key, pos, vec halfvec(dim))`, primary key (doc_key, pos),
 *   plus an HNSW index on `vec` with `halfvec_ip_ops` (inner product; vectors are L2-normalised);
 * - document layout (the seed's): `tartan_<c>_doc_vectors(doc_key pk, vecs halfvec(dim)[])`,
 *   one row per document, stored uncompressed out of line (float16 does not compress).
 */
import type pg from 'pg';
import { ErrorCodes, TartanError } from '../../core/errors.js';
import { quoteIdent } from './connection.js';

/** How token vectors are stored. */
export type PostgresLayout = 'token' | 'document' | 'plaid';

/** HNSW build parameters (token layout). */
export interface HnswParams {
  m: number;
  efConstruction: number;
}

export const DEFAULT_HNSW: HnswParams = { m: 16, efConstruction: 64 };

/** Compression of a plaid-layout collection, fixed when it is created. */
export interface PlaidParams {
  /** Residual bits per dimension (1, 2, 4 or 8). */
  nbits: number;
  /** Centroids; 0 picks them from the first add's token count. */
  centroids: number;
}

export const DEFAULT_PLAID: PlaidParams = { nbits: 2, centroids: 0 };

/** A collection's settings, as stored in `tartan_collections`. */
export interface CollectionSettings {
  name: string;
  dim: number;
  model: string | null;
  layout: PostgresLayout;
  hnsw: HnswParams;
  plaid: PlaidParams;
  /** plaid layout partitioned across servers: the postgres_fdw foreign servers holding its documents, segments and rerank rows (sharding.ts). */
  shards?: ShardInfo[];
}

/** One shard of a partitioned collection: its foreign server on the coordinator and where that server points. */
export interface ShardInfo {
  name: string;
  server: string;
  endpoint: string;
}

/** Table names of one collection. */
export interface CollectionTables {
  name: string;
  layout: PostgresLayout;
  documents: string;
  tokens: string;
  docVectors: string;
  /** plaid layout: one row per add (codes and residuals), the float16 rerank rows per document, deletions, the generation and codebook. */
  segments: string;
  rerank: string;
  tombstones: string;
  state: string;
  docKeySeq: string;
  segmentSeq: string;
}

const COLLECTION_NAME = /^[a-z][a-z0-9_]{0,39}$/;

/** Throws INVALID_ARGUMENT unless `name` is a valid collection name. */
export function checkCollectionName(name: string): void {
  if (!COLLECTION_NAME.test(name)) {
    throw new TartanError(
      ErrorCodes.INVALID_ARGUMENT,
      `collection name "${name}" is not allowed; use 1-40 characters a-z, 0-9 and _, starting with a letter (it becomes part of table names).`,
    );
  }
}

/** The table names of collection `name`. */
export function collectionTables(name: string, layout: PostgresLayout): CollectionTables {
  checkCollectionName(name);
  const t = `tartan_${name}`;
  return {
    name,
    layout,
    documents: `${t}_documents`,
    tokens: `${t}_tokens`,
    docVectors: `${t}_doc_vectors`,
    segments: `${t}_segments`,
    rerank: `${t}_rerank`,
    tombstones: `${t}_tombstones`,
    state: `${t}_state`,
    docKeySeq: `${t}_doc_key_seq`,
    segmentSeq: `${t}_segment_seq`,
  };
}

/** DDL creating a collection's tables and indexes (idempotent: IF NOT EXISTS throughout). */
export function collectionDdl(t: CollectionTables, dim: number, hnsw: HnswParams, shards?: readonly ShardInfo[]): string[] {
  if (t.layout === 'plaid') return plaidDdl(t, shards);
  const docs = quoteIdent(t.documents);
  const ddl = [
    `CREATE TABLE IF NOT EXISTS ${docs} (
      doc_key bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
      id text NOT NULL UNIQUE,
      text text,
      metadata jsonb NOT NULL DEFAULT '{}',
      n_tokens integer NOT NULL CHECK (n_tokens >= 0)
    )`,
    // jsonb_path_ops serves the containment (@>) that equality and $in filters compile to.
    `CREATE INDEX IF NOT EXISTS ${quoteIdent(`${t.documents}_metadata`)} ON ${docs} USING gin (metadata jsonb_path_ops)`,
  ];
  if (t.layout === 'token') {
    const tokens = quoteIdent(t.tokens);
    ddl.push(
      `CREATE TABLE IF NOT EXISTS ${tokens} (
        doc_key bigint NOT NULL REFERENCES ${docs} (doc_key) ON DELETE CASCADE,
        pos smallint NOT NULL,
        vec halfvec(${dim}) NOT NULL,
        PRIMARY KEY (doc_key, pos)
      )`,
      `CREATE INDEX IF NOT EXISTS ${quoteIdent(`${t.tokens}_hnsw`)} ON ${tokens} USING hnsw (vec halfvec_ip_ops)
        WITH (m = ${hnsw.m}, ef_construction = ${hnsw.efConstruction})`,
    );
  } else {
    const dv = quoteIdent(t.docVectors);
    ddl.push(
      `CREATE TABLE IF NOT EXISTS ${dv} (
        doc_key bigint PRIMARY KEY REFERENCES ${docs} (doc_key) ON DELETE CASCADE,
        vecs halfvec(${dim})[] NOT NULL
      )`,
      `ALTER TABLE ${dv} ALTER COLUMN vecs SET STORAGE EXTERNAL`,
    );
  }
  return ddl;
}

/**
 * The plaid layout's tables. No foreign keys and no identity columns: the big tables may be
 * partitioned across servers (postgres_fdw foreign partitions, sharding.ts), where neither works;
 * keys come from sequences and deletes remove a document's rows explicitly.
 */
function plaidDdl(t: CollectionTables, shards?: readonly ShardInfo[]): string[] {
  const q = quoteIdent;
  if (shards && shards.length > 0) return partitionedPlaidDdl(t, shards);
  return [
    `CREATE SEQUENCE IF NOT EXISTS ${q(t.docKeySeq)}`,
    `CREATE SEQUENCE IF NOT EXISTS ${q(t.segmentSeq)}`,
    `CREATE TABLE IF NOT EXISTS ${q(t.documents)} (
      doc_key bigint PRIMARY KEY,
      id text NOT NULL UNIQUE,
      text text,
      metadata jsonb NOT NULL DEFAULT '{}',
      n_tokens integer NOT NULL CHECK (n_tokens >= 0)
    )`,
    `CREATE INDEX IF NOT EXISTS ${q(`${t.documents}_metadata`)} ON ${q(t.documents)} USING gin (metadata jsonb_path_ops)`,
    // Codes and residuals do not compress: stored out of line as they are.
    `CREATE TABLE IF NOT EXISTS ${q(t.segments)} (
      seg_id bigint PRIMARY KEY,
      generation bigint NOT NULL,
      documents integer NOT NULL,
      tokens bigint NOT NULL,
      doc_keys bytea NOT NULL,
      token_offsets bytea NOT NULL,
      codes bytea NOT NULL,
      residuals bytea NOT NULL
    )`,
    `ALTER TABLE ${q(t.segments)} ALTER COLUMN codes SET STORAGE EXTERNAL, ALTER COLUMN residuals SET STORAGE EXTERNAL,
      ALTER COLUMN doc_keys SET STORAGE EXTERNAL, ALTER COLUMN token_offsets SET STORAGE EXTERNAL`,
    `CREATE TABLE IF NOT EXISTS ${q(t.rerank)} (doc_key bigint PRIMARY KEY, vecs bytea NOT NULL)`,
    `ALTER TABLE ${q(t.rerank)} ALTER COLUMN vecs SET STORAGE EXTERNAL`,
    `CREATE TABLE IF NOT EXISTS ${q(t.tombstones)} (doc_key bigint PRIMARY KEY, generation bigint NOT NULL)`,
    `CREATE TABLE IF NOT EXISTS ${q(t.state)} (
      one boolean PRIMARY KEY DEFAULT true CHECK (one),
      generation bigint NOT NULL DEFAULT 0,
      codebook jsonb,
      centroids bytea
    )`,
    `INSERT INTO ${q(t.state)} (one) VALUES (true) ON CONFLICT DO NOTHING`,
  ];
}

/**
 * The plaid layout on a coordinator: the sequences, state and tombstones stay local (small, and what
 * serialises writers); documents, segments and rerank rows are hash-partitioned, one postgres_fdw
 * foreign partition per shard, each naming the same-named table on its shard (created there as an
 * ordinary plaid collection). Uniqueness holds because each key hashes to one shard, whose own
 * primary key and unique id index enforce it.
 */
function partitionedPlaidDdl(t: CollectionTables, shards: readonly ShardInfo[]): string[] {
  const q = quoteIdent;
  const ddl = [
    `CREATE SEQUENCE IF NOT EXISTS ${q(t.docKeySeq)}`,
    `CREATE SEQUENCE IF NOT EXISTS ${q(t.segmentSeq)}`,
    `CREATE TABLE ${q(t.documents)} (doc_key bigint NOT NULL, id text NOT NULL, text text, metadata jsonb NOT NULL DEFAULT '{}', n_tokens integer NOT NULL)
      PARTITION BY HASH (id)`,
    `CREATE TABLE ${q(t.segments)} (seg_id bigint NOT NULL, generation bigint NOT NULL, documents integer NOT NULL, tokens bigint NOT NULL,
      doc_keys bytea NOT NULL, token_offsets bytea NOT NULL, codes bytea NOT NULL, residuals bytea NOT NULL) PARTITION BY HASH (seg_id)`,
    `CREATE TABLE ${q(t.rerank)} (doc_key bigint NOT NULL, vecs bytea NOT NULL) PARTITION BY HASH (doc_key)`,
    `CREATE TABLE ${q(t.tombstones)} (doc_key bigint PRIMARY KEY, generation bigint NOT NULL)`,
    `CREATE TABLE ${q(t.state)} (one boolean PRIMARY KEY DEFAULT true CHECK (one), generation bigint NOT NULL DEFAULT 0,
      codebook jsonb, centroids bytea)`,
    `INSERT INTO ${q(t.state)} (one) VALUES (true)`,
  ];
  shards.forEach((shard, i) => {
    for (const table of [t.documents, t.segments, t.rerank]) {
      ddl.push(
        `CREATE FOREIGN TABLE ${q(`${table}_${shard.name}`)} PARTITION OF ${q(table)} FOR VALUES WITH (MODULUS ${shards.length}, REMAINDER ${i})
          SERVER ${q(shard.server)} OPTIONS (table_name '${table}')`,
      );
    }
  });
  return ddl;
}

interface CollectionRow {
  name: string;
  dim: number;
  model: string | null;
  layout: PostgresLayout;
  options: { hnsw?: Partial<HnswParams>; plaid?: Partial<PlaidParams>; shards?: ShardInfo[] };
}

/** Reads a collection's settings; null when it does not exist. */
export async function readCollection(client: pg.PoolClient, name: string): Promise<CollectionSettings | null> {
  const r = await client.query<CollectionRow>('SELECT name, dim, model, layout, options FROM tartan_collections WHERE name = $1', [name]);
  const row = r.rows[0];
  if (!row) return null;
  return {
    name: row.name,
    dim: row.dim,
    model: row.model,
    layout: row.layout,
    hnsw: { ...DEFAULT_HNSW, ...row.options.hnsw },
    plaid: { ...DEFAULT_PLAID, ...row.options.plaid },
    ...(row.options.shards ? { shards: row.options.shards } : {}),
  };
}

/**
 * Creates a collection (catalogue row + tables) in the caller's transaction.
 * Concurrent creators serialise on a transaction advisory lock per name; the
 * loser finds the winner's row and returns it unchanged.
 */
export async function createCollection(client: pg.PoolClient, s: CollectionSettings): Promise<CollectionSettings> {
  await client.query("SELECT pg_advisory_xact_lock(hashtext('tartan_collection:' || $1))", [s.name]);
  const existing = await readCollection(client, s.name);
  if (existing) return existing;
  await client.query('INSERT INTO tartan_collections (name, dim, model, layout, options) VALUES ($1, $2, $3, $4, $5)', [
    s.name,
    s.dim,
    s.model,
    s.layout,
    JSON.stringify(s.layout === 'plaid' ? { plaid: s.plaid, ...(s.shards ? { shards: s.shards } : {}) } : { hnsw: s.hnsw }),
  ]);
  for (const sql of collectionDdl(collectionTables(s.name, s.layout), s.dim, s.hnsw, s.shards)) await client.query(sql);
  return s;
}

/** Drops a collection's tables and catalogue row, in the caller's transaction. Returns whether it existed. */
export async function dropCollection(client: pg.PoolClient, name: string): Promise<boolean> {
  checkCollectionName(name);
  // The same lock as createCollection: a drop and a create of one name never interleave.
  await client.query("SELECT pg_advisory_xact_lock(hashtext('tartan_collection:' || $1))", [name]);
  const t = collectionTables(name, 'token');
  for (const table of [t.tokens, t.docVectors, t.documents, t.segments, t.rerank, t.tombstones, t.state])
    await client.query(`DROP TABLE IF EXISTS ${quoteIdent(table)}`);
  for (const seq of [t.docKeySeq, t.segmentSeq]) await client.query(`DROP SEQUENCE IF EXISTS ${quoteIdent(seq)}`);
  const r = await client.query('DELETE FROM tartan_collections WHERE name = $1', [name]);
  return (r.rowCount ?? 0) > 0;
}

/** Names of every collection in the database. */
export async function listCollections(client: pg.PoolClient): Promise<CollectionSettings[]> {
  const r = await client.query<{ name: string }>('SELECT name FROM tartan_collections ORDER BY name');
  const out: CollectionSettings[] = [];
  for (const row of r.rows) {
    const s = await readCollection(client, row.name);
    if (s) out.push(s);
  }
  return out;
}
