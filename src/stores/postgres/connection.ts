/**
 * Connections to PostgreSQL: URL parsing, the connection pool, transactions,
 * and the translation of driver/server errors into tartan's error catalogue.
 */
import pg from 'pg';
import { ErrorCodes, TartanError } from '../../core/errors.js';
import { isPostgresLocation } from '../location.js';

/** True for `postgres://` and `postgresql://` URLs (the one test, {@link isPostgresLocation}, under this module's older name). */
export const isPostgresUrl = isPostgresLocation;

/** A PostgreSQL URL split into what the driver needs and tartan's own query parameters. */
export interface ParsedPostgresUrl {
  /** The URL without tartan's parameters, for the driver. */
  connectionString: string;
  /** `host:port` for error messages (never the password). */
  endpoint: string;
  database: string;
  /** From `?collection=name`, when present. */
  collection?: string;
  /** From `?layout=token|document|plaid`: the layout a collection created through this URL gets. */
  layout?: string;
}

/**
 * Parses a PostgreSQL URL. `?collection=name` selects the collection and
 * `?layout=plaid` the layout of one created through it; every other query
 * parameter (e.g. `sslmode`) is left for the driver.
 *
 * @example
 * parsePostgresUrl('postgres://app@db:5432/search?collection=papers').collection // 'papers'
 */
export function parsePostgresUrl(url: string): ParsedPostgresUrl {
  if (!isPostgresLocation(url)) {
    throw new TartanError(
      ErrorCodes.INVALID_ARGUMENT,
      `"${url}" is not a PostgreSQL URL; use postgres://user[:password]@host[:port]/database[?collection=name].`,
    );
  }
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch (cause) {
    throw new TartanError(
      ErrorCodes.INVALID_ARGUMENT,
      'the PostgreSQL URL could not be parsed; use postgres://user[:password]@host[:port]/database[?collection=name] (percent-encode special characters in the password).',
      { cause },
    );
  }
  const collection = parsed.searchParams.get('collection') ?? undefined;
  parsed.searchParams.delete('collection');
  const layout = parsed.searchParams.get('layout') ?? undefined;
  parsed.searchParams.delete('layout');
  const host = parsed.hostname || 'localhost';
  const port = parsed.port || '5432';
  return {
    connectionString: parsed.toString(),
    endpoint: `${host}:${port}`,
    database: decodeURIComponent(parsed.pathname.replace(/^\//, '')) || '(default)',
    ...(collection ? { collection } : {}),
    ...(layout ? { layout } : {}),
  };
}

/** Options of {@link createPool}. */
export interface PoolOptions {
  /** Most connections held at once (default 10). */
  max?: number;
  /** How long to wait for a connection, in ms (default 10000). */
  connectTimeoutMs?: number;
}

/** A pool plus the endpoint it talks to, for error messages. */
export interface PostgresPool {
  readonly pool: pg.Pool;
  readonly target: ParsedPostgresUrl;
}

/** Opens a connection pool (lazily: no connection is made until the first query). */
export function createPool(url: ParsedPostgresUrl, options: PoolOptions = {}): PostgresPool {
  const pool = new pg.Pool({
    connectionString: url.connectionString,
    max: options.max ?? 10,
    connectionTimeoutMillis: options.connectTimeoutMs ?? 10_000,
    application_name: 'tartan',
  });
  // An idle connection dropped by the server must not crash the process; the next query reconnects.
  pool.on('error', () => undefined);
  return { pool, target: url };
}

const NETWORK_CODES = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'ECONNRESET']);

function errorCodeOf(e: unknown): string | undefined {
  if (typeof e !== 'object' || e === null) return undefined;
  const code = (e as { code?: unknown }).code;
  if (typeof code === 'string') return code;
  // Node reports a failed multi-address connect (IPv6 + IPv4) as an AggregateError.
  const inner = (e as { errors?: unknown[] }).errors;
  return Array.isArray(inner) && inner.length > 0 ? errorCodeOf(inner[0]) : undefined;
}

/**
 * Maps a driver or server error to a {@link TartanError}: unreachable server
 * or failed login -> DB_UNREACHABLE, missing pgvector -> DB_EXTENSION_MISSING,
 * wrong vector dimension -> DIMENSION_MISMATCH, duplicate id -> DUPLICATE_ID.
 * Anything else keeps its text under DB_SCHEMA or INTERNAL.
 */
export function mapPgError(e: unknown, target: ParsedPostgresUrl): TartanError {
  if (e instanceof TartanError) return e;
  const code = errorCodeOf(e);
  const message = e instanceof Error ? e.message : String(e);
  const where = `PostgreSQL at ${target.endpoint} (database "${target.database}")`;
  // postgres_fdw reports a shard it cannot reach (or lost mid-statement) in the coordinator's error.
  const shard = /(?:could not connect to|lost connection to|connection to) server "([^"]+)"/.exec(message);
  if (shard && code !== undefined && /^08/.test(code)) {
    return new TartanError(
      ErrorCodes.DB_SHARD_UNAVAILABLE,
      `shard "${shard[1]}" of the collection at ${where} cannot be reached: ${message}. The statement failed as a whole (no partial results); ` +
        'bring the shard back, or repoint its foreign server (ALTER SERVER ... OPTIONS (SET host ...)) to a replica of it.',
      { cause: e },
    );
  }
  // Server errors carry a 5-character SQLSTATE; only driver/socket failures count as "unreachable".
  const fromServer = code !== undefined && /^[0-9A-Z]{5}$/.test(code);
  if ((code && NETWORK_CODES.has(code)) || (!fromServer && /timeout|terminated unexpectedly|Connection terminated/i.test(message))) {
    return new TartanError(
      ErrorCodes.DB_UNREACHABLE,
      `cannot reach ${where}: ${code ?? message}. Check that the server is running and listening on that host and port, ` +
        'that a firewall lets you through, and that the URL is right (postgres://user@host:port/database).',
      { cause: e },
    );
  }
  if (code === '28P01' || code === '28000') {
    return new TartanError(
      ErrorCodes.DB_UNREACHABLE,
      `${where} refused the login: ${message}. Check the user and password in the URL and the server's pg_hba.conf.`,
      { cause: e },
    );
  }
  if (code === '3D000') {
    return new TartanError(ErrorCodes.DB_UNREACHABLE, `${where}: ${message}. Create it (CREATE DATABASE ...) or fix the database name in the URL.`, {
      cause: e,
    });
  }
  if (code === '22000' && /expected \d+ dimensions/.test(message)) {
    return new TartanError(
      ErrorCodes.DIMENSION_MISMATCH,
      `${message}: the vectors do not have the collection's dimension. Use the model the collection was built with, or a new collection.`,
      { cause: e },
    );
  }
  if (code === '57014') {
    return new TartanError(
      ErrorCodes.TIMEOUT,
      `${where} cancelled the query: ${message}. Raise statement_timeout for this user, or search with smaller nprobe/ndocs.`,
      { cause: e },
    );
  }
  if (code === '23505') {
    return new TartanError(ErrorCodes.DUPLICATE_ID, `a document id already exists in the collection (${message}). Delete it first or use a new id.`, {
      cause: e,
    });
  }
  if (code === '42704' && /type "(half)?vec/.test(message)) {
    return extensionMissing(target, message, e);
  }
  if (code && /^42/.test(code)) {
    return new TartanError(
      ErrorCodes.DB_SCHEMA,
      `${where}: ${message}. The tartan tables may be missing or changed by hand; open the collection with create enabled to migrate it.`,
      { cause: e },
    );
  }
  return new TartanError(ErrorCodes.INTERNAL, `${where} failed: ${message}`, { cause: e });
}

/** The DB_EXTENSION_MISSING error, with the install hint. */
export function extensionMissing(target: ParsedPostgresUrl, reason: string, cause?: unknown): TartanError {
  return new TartanError(
    ErrorCodes.DB_EXTENSION_MISSING,
    `the pgvector extension (>= 0.7, for halfvec) is not available in database "${target.database}" at ${target.endpoint}: ${reason}. ` +
      'Install pgvector on the server (Debian/Ubuntu: apt-get install postgresql-<major>-pgvector; or build it from source, see .ci/install-postgres.sh), ' +
      'then run CREATE EXTENSION vector; in that database as a superuser (or the database owner on PostgreSQL 13+ if pgvector is marked trusted).',
    { cause },
  );
}

/** Runs `body` on one pooled connection. */
export async function withClient<T>(p: PostgresPool, body: (client: pg.PoolClient) => Promise<T>): Promise<T> {
  let client: pg.PoolClient;
  try {
    client = await p.pool.connect();
  } catch (e) {
    throw mapPgError(e, p.target);
  }
  try {
    return await body(client);
  } catch (e) {
    throw mapPgError(e, p.target);
  } finally {
    client.release();
  }
}

/**
 * Runs `body` in one transaction (opened by `begin`, e.g. with an isolation level): COMMIT when it
 * resolves, ROLLBACK when it throws (then rethrows, mapped to a TartanError).
 */
export async function withTransaction<T>(p: PostgresPool, body: (client: pg.PoolClient) => Promise<T>, begin = 'BEGIN'): Promise<T> {
  return withClient(p, async (client) => {
    await client.query(begin);
    try {
      const result = await body(client);
      await client.query('COMMIT');
      return result;
    } catch (e) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw e;
    }
  });
}

/** Quotes an SQL identifier (only ever used on names tartan validated). */
export function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}
