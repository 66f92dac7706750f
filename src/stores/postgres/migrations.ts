/**
 * Versioned migrations of tartan's shared objects in a database: the
 * `tartan_collections` catalogue and the MaxSim SQL functions. Applied
 * versions are recorded in `tartan_migrations`; each migration runs in its own
 * transaction, and a session advisory lock keeps two processes from migrating
 * at once (the second waits, then finds nothing left to do).
 */
import type pg from 'pg';
import { ErrorCodes, TartanError } from '../../core/errors.js';
import { extensionMissing, withClient, type PostgresPool } from './connection.js';
import { MAXSIM_FUNCTIONS_SQL } from './maxsim-sql.js';

/** One schema change. Versions only grow; a released migration is never edited. */
export interface Migration {
  version: number;
  name: string;
  sql: string;
}

/** Every migration, in order. */
export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'collections catalogue',
    sql: `CREATE TABLE tartan_collections (
      name text PRIMARY KEY,
      dim integer NOT NULL CHECK (dim BETWEEN 1 AND 4000),
      model text,
      layout text NOT NULL CHECK (layout IN ('token', 'document')),
      options jsonb NOT NULL DEFAULT '{}',
      created_at timestamptz NOT NULL DEFAULT now()
    )`,
  },
  { version: 2, name: 'maxsim functions', sql: MAXSIM_FUNCTIONS_SQL },
  {
    version: 3,
    name: 'plaid layout',
    sql: `ALTER TABLE tartan_collections DROP CONSTRAINT IF EXISTS tartan_collections_layout_check;
      ALTER TABLE tartan_collections ADD CONSTRAINT tartan_collections_layout_check CHECK (layout IN ('token', 'document', 'plaid'));
      CREATE OR REPLACE FUNCTION tartan_relation_bytes(rel text) RETURNS bigint LANGUAGE sql STABLE AS $fn$
        SELECT pg_total_relation_size(rel::regclass) + coalesce((SELECT sum(pg_total_relation_size(p.relid))
          FROM pg_partition_tree(rel::regclass) p JOIN pg_class c ON c.oid = p.relid WHERE c.relkind IN ('r', 'm')), 0)::bigint
      $fn$`,
  },
];

/** The newest schema version this build of tartan knows. */
export const LATEST_VERSION = MIGRATIONS[MIGRATIONS.length - 1].version;

/** Key of the advisory lock held while migrating (an arbitrary constant: 'tartan' in ASCII). */
const MIGRATION_LOCK_KEY = 0x746172746e;

/** Lowest pgvector version with halfvec. */
const MIN_PGVECTOR: [number, number] = [0, 7];

async function appliedVersions(client: pg.PoolClient): Promise<number[]> {
  const exists = await client.query<{ t: string | null }>("SELECT to_regclass('tartan_migrations')::text AS t");
  if (exists.rows[0].t === null) return [];
  const rows = await client.query<{ version: number }>('SELECT version FROM tartan_migrations ORDER BY version');
  return rows.rows.map((r) => r.version);
}

async function vectorVersion(client: pg.PoolClient): Promise<string | null> {
  const r = await client.query<{ extversion: string }>("SELECT extversion FROM pg_extension WHERE extname = 'vector'");
  return r.rows[0]?.extversion ?? null;
}

/** Creates the pgvector extension when missing; DB_EXTENSION_MISSING when that is impossible or too old. */
async function ensureVectorExtension(p: PostgresPool, client: pg.PoolClient): Promise<void> {
  let version = await vectorVersion(client);
  if (version === null) {
    try {
      await client.query('CREATE EXTENSION IF NOT EXISTS vector');
    } catch (e) {
      throw extensionMissing(p.target, e instanceof Error ? e.message : String(e), e);
    }
    version = await vectorVersion(client);
  }
  const [major, minor] = (version ?? '0.0').split('.').map(Number);
  if (major < MIN_PGVECTOR[0] || (major === MIN_PGVECTOR[0] && minor < MIN_PGVECTOR[1])) {
    throw extensionMissing(p.target, `installed version is ${version}; run ALTER EXTENSION vector UPDATE after upgrading pgvector`);
  }
}

/** Result of {@link migrate}. */
export interface MigrationReport {
  /** Versions applied by this call (empty when the schema was current). */
  applied: number[];
  /** Schema version after the call. */
  version: number;
}

/**
 * Brings the database's tartan schema to {@link LATEST_VERSION}: ensures
 * pgvector, then applies the pending migrations in order. Idempotent.
 * Throws INDEX_VERSION when the database was migrated by a newer tartan.
 */
export async function migrate(p: PostgresPool): Promise<MigrationReport> {
  return withClient(p, async (client) => {
    const before = await appliedVersions(client);
    checkNotNewer(before);
    const vectorOk = (await vectorVersion(client)) !== null;
    if (vectorOk && before.length > 0 && before[before.length - 1] === LATEST_VERSION) {
      return { applied: [], version: LATEST_VERSION };
    }
    await client.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK_KEY]);
    try {
      await ensureVectorExtension(p, client);
      await client.query(`CREATE TABLE IF NOT EXISTS tartan_migrations (
        version integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())`);
      // Re-read under the lock: another process may have migrated while we waited.
      const done = new Set(await appliedVersions(client));
      checkNotNewer([...done]);
      const applied: number[] = [];
      for (const m of MIGRATIONS) {
        if (done.has(m.version)) continue;
        await client.query('BEGIN');
        try {
          await client.query(m.sql);
          await client.query('INSERT INTO tartan_migrations (version, name) VALUES ($1, $2)', [m.version, m.name]);
          await client.query('COMMIT');
        } catch (e) {
          await client.query('ROLLBACK').catch(() => undefined);
          throw e;
        }
        applied.push(m.version);
      }
      return { applied, version: LATEST_VERSION };
    } finally {
      await client.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK_KEY]).catch(() => undefined);
    }
  });
}

/** The schema version a database is at (0 when tartan never ran there), without changing anything. */
export async function schemaVersion(p: PostgresPool): Promise<number> {
  return withClient(p, async (client) => {
    const v = await appliedVersions(client);
    return v.length === 0 ? 0 : v[v.length - 1];
  });
}

function checkNotNewer(versions: number[]): void {
  const newest = versions.length === 0 ? 0 : Math.max(...versions);
  if (newest > LATEST_VERSION) {
    throw new TartanError(
      ErrorCodes.INDEX_VERSION,
      `the database's tartan schema is at version ${newest}, newer than this tartan understands (${LATEST_VERSION}). Upgrade tartan.`,
    );
  }
}
