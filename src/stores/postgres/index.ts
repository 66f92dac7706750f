/**
 * The PostgreSQL + pgvector backend. `openPostgresStore(url, options)` opens
 * (or creates) a collection and returns a {@link VectorStore}; `Index.open`
 * calls it for `postgres://` locations.
 *
 * @example
 * ```ts
 * const store = await openPostgresStore('postgres://app@db:5432/search?collection=papers',
 *   { dim: 128, model: 'colbert-ir/colbertv2.0', layout: 'token', create: true });
 * await store.add([{ id: 'd1', text: '...', metadata: { year: 2021 } }], vectors);
 * const hits = await store.search(queryMatrix, { k: 10, filter: { year: { $gte: 2020 } } });
 * await store.close();
 * ```
 */
import { ErrorCodes, TartanError } from '../../core/errors.js';
import { checkNbits } from '../../plaid/residual-codec.js';
import type { VectorStore } from '../types.js';
import { createPool, parsePostgresUrl, withClient, withTransaction, type PostgresPool } from './connection.js';
import { migrate, schemaVersion } from './migrations.js';
import { DEFAULT_TOKEN_SEARCH, DEFAULT_TUNING, PostgresStore, type TokenSearchDefaults } from './postgres-store.js';
import { DEFAULT_PLAID_SEARCH, PostgresPlaidStore, type PlaidSearchDefaults } from './plaid-store.js';
import {
  DEFAULT_HNSW,
  DEFAULT_PLAID,
  checkCollectionName,
  createCollection,
  dropCollection,
  listCollections,
  readCollection,
  type CollectionSettings,
  type HnswParams,
  type PlaidParams,
  type PostgresLayout,
} from './schema.js';

export { isPostgresUrl, parsePostgresUrl } from './connection.js';
export { PostgresStore, type TokenSearchDefaults } from './postgres-store.js';
export type { CollectionSettings, HnswParams, PlaidParams, PostgresLayout, ShardInfo } from './schema.js';
export { PostgresPlaidStore, type PlaidSearchDefaults } from './plaid-store.js';
export { createShardedCollection, dropShardedCollection, type ShardSpec, type ShardedCollectionOptions } from './sharding.js';
export { LATEST_VERSION as POSTGRES_SCHEMA_VERSION, migrate as migratePostgres } from './migrations.js';

/** Options of {@link openPostgresStore}. */
export interface PostgresStoreOptions {
  /** Vector dimension; required to create, checked against the collection otherwise. */
  dim?: number;
  /** Model name recorded with a new collection, checked against an existing one. */
  model?: string;
  /**
   * 'token' (one row per token + HNSW, default), 'document' (one row per document, the seed's layout)
   * or 'plaid' (PLAID's compressed codes in tables, searched by tartan's kernels: see plaid-store.ts).
   */
  layout?: PostgresLayout;
  /** Collection name; default the URL's `?collection=`, else 'default'. */
  collection?: string;
  /** Create the collection (and migrate the schema) when missing. Default false. */
  create?: boolean;
  /** A read replica's URL: searches and reads go there, writes to `url`. */
  readUrl?: string;
  /** Connections per pool (default 10). */
  poolSize?: number;
  /** HNSW build parameters of a new token-layout collection. */
  hnsw?: Partial<HnswParams>;
  /** Token-layout search defaults. */
  search?: Partial<TokenSearchDefaults>;
  /** Compression of a new plaid-layout collection (nbits, centroids). */
  plaid?: Partial<PlaidParams>;
  /** Plaid-layout search defaults (nprobe, ndocs) and the size of the process's rerank-row cache. */
  plaidSearch?: Partial<PlaidSearchDefaults>;
  /** Most token rows per INSERT statement (default 16384). */
  tokensPerStatement?: number;
  /** Token layout: smallest batch (in tokens) that rebuilds the HNSW index instead of row-by-row inserts; see PostgresStoreTuning. */
  bulkLoadMinTokens?: number;
}

/**
 * Opens the collection at `url` (`postgres://user@host:port/db?collection=name`).
 * Its dimension, model and layout are stored in the database, so opening an
 * existing collection needs only the URL. Errors: DB_UNREACHABLE,
 * DB_EXTENSION_MISSING, INDEX_NOT_FOUND (no such collection and `create` off),
 * DIMENSION_MISMATCH, INVALID_ARGUMENT (layout or model differ).
 */
export async function openPostgresStore(url: string, options: PostgresStoreOptions = {}): Promise<VectorStore> {
  return openPostgresStoreTyped(url, options);
}

/** {@link openPostgresStore}, typed as the concrete store (tests and the benchmark use its extras). */
export async function openPostgresStoreTyped(url: string, options: PostgresStoreOptions = {}): Promise<PostgresStore> {
  const target = parsePostgresUrl(url);
  const name = options.collection ?? target.collection ?? 'default';
  checkCollectionName(name);
  if (options.dim !== undefined && (!Number.isInteger(options.dim) || options.dim < 1 || options.dim > 4000)) {
    throw new TartanError(ErrorCodes.INVALID_ARGUMENT, `dim must be an integer from 1 to 4000 (halfvec's HNSW limit), got ${options.dim}.`);
  }
  const urlLayout = target.layout;
  if (urlLayout !== undefined && !['token', 'document', 'plaid'].includes(urlLayout)) {
    throw new TartanError(ErrorCodes.INVALID_ARGUMENT, `?layout=${urlLayout} is not a layout; use token, document or plaid.`);
  }
  if (options.layout === undefined && urlLayout !== undefined) options = { ...options, layout: urlLayout as PostgresLayout };
  if (options.layout === 'plaid') checkNbits(options.plaid?.nbits ?? DEFAULT_PLAID.nbits);
  const writer = createPool(target, { max: options.poolSize });
  const reader = options.readUrl ? createPool(parsePostgresUrl(options.readUrl), { max: options.poolSize }) : writer;
  try {
    const settings = await resolveCollection(writer, name, options);
    const tuning = {
      search: { ...DEFAULT_TOKEN_SEARCH, ...options.search },
      tokensPerStatement: options.tokensPerStatement ?? DEFAULT_TUNING.tokensPerStatement,
      bulkLoadMinTokens: options.bulkLoadMinTokens ?? DEFAULT_TUNING.bulkLoadMinTokens,
      bulkMaintenanceWorkMem: DEFAULT_TUNING.bulkMaintenanceWorkMem,
    };
    if (settings.layout === 'plaid') return new PostgresPlaidStore(writer, reader, settings, tuning, { ...DEFAULT_PLAID_SEARCH, ...options.plaidSearch });
    return new PostgresStore(writer, reader, settings, tuning);
  } catch (e) {
    await Promise.all([...new Set([writer.pool, reader.pool])].map((p) => p.end()));
    throw e;
  }
}

async function resolveCollection(p: PostgresPool, name: string, options: PostgresStoreOptions): Promise<CollectionSettings> {
  const where = `database "${p.target.database}" at ${p.target.endpoint}`;
  if (options.create) await migrate(p);
  else if ((await schemaVersion(p)) === 0) {
    throw new TartanError(
      ErrorCodes.INDEX_NOT_FOUND,
      `no tartan collections in ${where}; create one first (create: true, or tartan index with --index postgres://...).`,
    );
  } else await migrate(p); // brings an older schema up to date; a no-op when current
  let settings = await withClient(p, (c) => readCollection(c, name));
  if (!settings) {
    if (!options.create) {
      throw new TartanError(
        ErrorCodes.INDEX_NOT_FOUND,
        `collection "${name}" does not exist in ${where}; create it (create: true) or pick another with ?collection=name.`,
      );
    }
    if (options.dim === undefined) {
      throw new TartanError(ErrorCodes.INVALID_ARGUMENT, `creating collection "${name}" needs the vector dimension (dim), normally the model's output size.`);
    }
    const wanted: CollectionSettings = {
      name,
      dim: options.dim,
      model: options.model ?? null,
      layout: options.layout ?? 'token',
      hnsw: { ...DEFAULT_HNSW, ...options.hnsw },
      plaid: { ...DEFAULT_PLAID, ...options.plaid },
    };
    settings = await withTransaction(p, (c) => createCollection(c, wanted));
  }
  if (options.dim !== undefined && options.dim !== settings.dim) {
    throw new TartanError(
      ErrorCodes.DIMENSION_MISMATCH,
      `collection "${name}" stores ${settings.dim}-d vectors${settings.model ? ` from ${settings.model}` : ''}, not ${options.dim}-d. Use the collection's model or another collection.`,
    );
  }
  if (options.layout !== undefined && options.layout !== settings.layout) {
    throw new TartanError(
      ErrorCodes.INVALID_ARGUMENT,
      `collection "${name}" uses the ${settings.layout} layout, not ${options.layout}; a layout is fixed when the collection is created.`,
    );
  }
  if (options.model !== undefined && settings.model !== null && options.model !== settings.model) {
    throw new TartanError(
      ErrorCodes.INVALID_ARGUMENT,
      `collection "${name}" was built with model ${settings.model}, not ${options.model}; its vectors are not comparable. Use that model or another collection.`,
    );
  }
  return settings;
}

/** Drops a collection (tables and catalogue row). Returns whether it existed. */
export async function dropPostgresCollection(url: string, collection?: string): Promise<boolean> {
  const target = parsePostgresUrl(url);
  const name = collection ?? target.collection ?? 'default';
  checkCollectionName(name);
  const p = createPool(target, { max: 1 });
  try {
    if ((await schemaVersion(p)) === 0) return false;
    return await withTransaction(p, (c) => dropCollection(c, name));
  } finally {
    await p.pool.end();
  }
}

/** Every collection in the database at `url` (empty when tartan never ran there). */
export async function listPostgresCollections(url: string): Promise<CollectionSettings[]> {
  const p = createPool(parsePostgresUrl(url), { max: 1 });
  try {
    if ((await schemaVersion(p)) === 0) return [];
    return await withClient(p, (c) => listCollections(c));
  } finally {
    await p.pool.end();
  }
}
