/**
 * A plaid-layout collection partitioned across PostgreSQL servers with
 * PostgreSQL's own machinery: declarative hash partitioning on a coordinator
 * whose partitions are postgres_fdw foreign tables on the shards. tartan talks
 * to the coordinator only, as to any collection (`openPostgresStore`); the
 * coordinator routes each row to its shard and gathers reads from all of them
 * (asynchronously, `async_capable`). A shard that cannot be reached fails the
 * statement, so a search never returns partial results (E_DB_SHARD_UNAVAILABLE
 * names the shard).
 *
 * Writes commit on the coordinator and then on each shard (postgres_fdw's
 * remote transactions, not two-phase commit): a shard crashing in that window
 * can keep or lose its part of a batch. Read replicas of the coordinator serve
 * searches as for one server.
 *
 * @example
 * ```ts
 * await createShardedCollection('postgres://app@coordinator/search', {
 *   collection: 'papers', dim: 128,
 *   shards: [{ name: 's1', url: 'postgres://app@shard1/search' }, { name: 's2', url: 'postgres://app@shard2/search' }],
 * });
 * const store = await openPostgresStore('postgres://app@coordinator/search?collection=papers');
 * ```
 */
import { ErrorCodes, TartanError } from '../../core/errors.js';
import { createPool, parsePostgresUrl, quoteIdent, withTransaction } from './connection.js';
import { migrate } from './migrations.js';
import { checkCollectionName, createCollection, DEFAULT_HNSW, DEFAULT_PLAID, dropCollection, readCollection } from './schema.js';
import type { PlaidParams, ShardInfo } from './schema.js';

/** A shard: a short name (foreign server `tartan_shard_<name>`) and its database URL. */
export interface ShardSpec {
  name: string;
  url: string;
}

/** Options of {@link createShardedCollection}. */
export interface ShardedCollectionOptions {
  /** Collection name; default the coordinator URL's `?collection=`, else 'default'. */
  collection?: string;
  dim: number;
  model?: string;
  plaid?: Partial<PlaidParams>;
  /** At least two shards. */
  shards: readonly ShardSpec[];
}

const SHARD_NAME = /^[a-z][a-z0-9_]{0,15}$/;

function checkShards(shards: readonly ShardSpec[]): void {
  if (!Array.isArray(shards) || shards.length < 2) {
    throw new TartanError(
      ErrorCodes.INVALID_ARGUMENT,
      `a sharded collection needs at least two shards, got ${Array.isArray(shards) ? shards.length : 'none'}.`,
    );
  }
  const seen = new Set<string>();
  for (const s of shards) {
    if (!SHARD_NAME.test(s.name))
      throw new TartanError(ErrorCodes.INVALID_ARGUMENT, `shard name "${s.name}" is not allowed; use 1-16 characters a-z, 0-9 and _, starting with a letter.`);
    if (seen.has(s.name)) throw new TartanError(ErrorCodes.INVALID_ARGUMENT, `shard name "${s.name}" appears twice; give each shard its own name.`);
    seen.add(s.name);
  }
}

/** Quotes a string literal for DDL (server options cannot be bound as parameters). */
function literal(value: string): string {
  return `'${value.replace(/'/g, "''")}'`;
}

/**
 * Creates a plaid-layout collection whose documents, segments and rerank rows live on `shards`:
 * the tables on each shard (an ordinary plaid collection there), then on the coordinator the
 * postgres_fdw servers and user mappings (the URL's user and password) and the partitioned tables.
 * Errors: INVALID_ARGUMENT (shard list, or the collection exists), DB_UNREACHABLE for any server.
 */
export async function createShardedCollection(coordinatorUrl: string, o: ShardedCollectionOptions): Promise<void> {
  checkShards(o.shards);
  const target = parsePostgresUrl(coordinatorUrl);
  const name = o.collection ?? target.collection ?? 'default';
  checkCollectionName(name);
  const settings = { name, dim: o.dim, model: o.model ?? null, layout: 'plaid' as const, hnsw: DEFAULT_HNSW, plaid: { ...DEFAULT_PLAID, ...o.plaid } };
  for (const shard of o.shards) {
    const sp = createPool(parsePostgresUrl(shard.url), { max: 1 });
    try {
      await migrate(sp);
      await withTransaction(sp, (client) => createCollection(client, settings));
    } finally {
      await sp.pool.end();
    }
  }
  const p = createPool(target, { max: 1 });
  try {
    await migrate(p);
    await withTransaction(p, async (client) => {
      if (await readCollection(client, name)) {
        throw new TartanError(
          ErrorCodes.INVALID_ARGUMENT,
          `collection "${name}" already exists on the coordinator ${target.endpoint}; drop it first or pick another name.`,
        );
      }
      await client.query('CREATE EXTENSION IF NOT EXISTS postgres_fdw');
      const infos: ShardInfo[] = [];
      for (const shard of o.shards) {
        const url = new URL(shard.url);
        const server = `tartan_shard_${shard.name}`;
        const exists = await client.query('SELECT 1 FROM pg_foreign_server WHERE srvname = $1', [server]);
        const opts = [`host ${literal(url.hostname)}`, `port ${literal(url.port || '5432')}`, `dbname ${literal(decodeURIComponent(url.pathname.slice(1)))}`];
        if (exists.rows.length === 0) {
          await client.query(
            `CREATE SERVER ${quoteIdent(server)} FOREIGN DATA WRAPPER postgres_fdw OPTIONS (${opts.join(', ')}, async_capable 'true', fetch_size '1000')`,
          );
        } else {
          await client.query(`ALTER SERVER ${quoteIdent(server)} OPTIONS (${opts.map((x) => `SET ${x}`).join(', ')})`);
        }
        const user = [`user ${literal(decodeURIComponent(url.username || 'postgres'))}`];
        if (url.password) user.push(`password ${literal(decodeURIComponent(url.password))}`);
        await client.query(`DROP USER MAPPING IF EXISTS FOR CURRENT_USER SERVER ${quoteIdent(server)}`);
        await client.query(`CREATE USER MAPPING FOR CURRENT_USER SERVER ${quoteIdent(server)} OPTIONS (${user.join(', ')})`);
        infos.push({ name: shard.name, server, endpoint: `${url.hostname}:${url.port || '5432'}/${decodeURIComponent(url.pathname.slice(1))}` });
      }
      await createCollection(client, { ...settings, shards: infos });
    });
  } finally {
    await p.pool.end();
  }
}

/** Drops a sharded collection: its coordinator tables and catalogue row, then its tables on each shard. */
export async function dropShardedCollection(coordinatorUrl: string, o: { collection?: string; shards: readonly ShardSpec[] }): Promise<void> {
  const target = parsePostgresUrl(coordinatorUrl);
  const name = o.collection ?? target.collection ?? 'default';
  checkCollectionName(name);
  const p = createPool(target, { max: 1 });
  try {
    await withTransaction(p, (client) => dropCollection(client, name));
  } finally {
    await p.pool.end();
  }
  for (const shard of o.shards) {
    const s = createPool(parsePostgresUrl(shard.url), { max: 1 });
    try {
      await withTransaction(s, async (client) => {
        const exists = await client.query("SELECT to_regclass('tartan_collections') IS NOT NULL AS ok");
        if (exists.rows[0].ok) await dropCollection(client, name);
      });
    } finally {
      await s.pool.end();
    }
  }
}
