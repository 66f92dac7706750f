import assert from 'node:assert/strict';
import { createPool, parsePostgresUrl } from '../../../src/stores/postgres/connection.js';
import { LATEST_VERSION, MIGRATIONS, migrate, schemaVersion } from '../../../src/stores/postgres/migrations.js';
import { ErrorCodes, isTartanError } from '../../../src/core/errors.js';
import { adminQuery, pgTest, uniqueName, urlFor } from './pg-test-env.js';

/** A fresh database (pgvector not yet created in it), dropped after `body`. */
async function withFreshDatabase(url: string, body: (dbUrl: string) => Promise<void>): Promise<void> {
  const db = uniqueName('tartan_mig');
  await adminQuery(url, `CREATE DATABASE ${db}`);
  try {
    await body(urlFor(url, db));
  } finally {
    await adminQuery(url, `DROP DATABASE IF EXISTS ${db} WITH (FORCE)`);
  }
}

pgTest('migrations: a fresh database gets every version once, in order; a second run applies nothing', async (_t, url) => {
  await withFreshDatabase(url, async (dbUrl) => {
    const p = createPool(parsePostgresUrl(dbUrl), { max: 2 });
    try {
      assert.equal(await schemaVersion(p), 0);
      const first = await migrate(p);
      assert.deepEqual(
        first.applied,
        MIGRATIONS.map((m) => m.version),
      );
      assert.deepEqual(
        first.applied,
        [...first.applied].sort((a, b) => a - b),
      );
      const second = await migrate(p);
      assert.deepEqual(second, { applied: [], version: LATEST_VERSION });
      const rows = await adminQuery(dbUrl, 'SELECT version, name FROM tartan_migrations ORDER BY version');
      assert.deepEqual(
        rows.rows.map((r) => [r.version, r.name]),
        MIGRATIONS.map((m) => [m.version, m.name]),
      );
      const ext = await adminQuery(dbUrl, "SELECT 1 FROM pg_extension WHERE extname = 'vector'");
      assert.equal(ext.rowCount, 1, 'migrate creates the pgvector extension');
      const fn = await adminQuery(dbUrl, "SELECT tartan_maxsim(ARRAY['[1,0]','[0,1]']::halfvec[], ARRAY['[0.5,0.5]','[1,0]']::halfvec[]) AS s");
      assert.equal(fn.rows[0].s, 1 + 0.5);
    } finally {
      await p.pool.end();
    }
  });
});

pgTest('migrations: two processes migrating at once apply each version exactly once (advisory lock)', async (_t, url) => {
  await withFreshDatabase(url, async (dbUrl) => {
    const a = createPool(parsePostgresUrl(dbUrl), { max: 1 });
    const b = createPool(parsePostgresUrl(dbUrl), { max: 1 });
    try {
      const [ra, rb] = await Promise.all([migrate(a), migrate(b)]);
      const all = [...ra.applied, ...rb.applied].sort((x, y) => x - y);
      assert.deepEqual(
        all,
        MIGRATIONS.map((m) => m.version),
      );
    } finally {
      await Promise.all([a.pool.end(), b.pool.end()]);
    }
  });
});

pgTest('migrations: a schema newer than this tartan is refused with INDEX_VERSION', async (_t, url) => {
  await withFreshDatabase(url, async (dbUrl) => {
    const p = createPool(parsePostgresUrl(dbUrl), { max: 1 });
    try {
      await migrate(p);
      await adminQuery(dbUrl, "INSERT INTO tartan_migrations (version, name) VALUES ($1, 'from the future')", [LATEST_VERSION + 1]);
      await assert.rejects(migrate(p), (e) => isTartanError(e, ErrorCodes.INDEX_VERSION) && /Upgrade tartan/.test(e.message));
    } finally {
      await p.pool.end();
    }
  });
});

pgTest('migrations: a failing migration leaves no trace of itself (each runs in a transaction)', async (_t, url) => {
  await withFreshDatabase(url, async (dbUrl) => {
    // Occupy the name migration 1 creates, so it fails half-way: its version must not be recorded.
    await adminQuery(dbUrl, 'CREATE TABLE tartan_collections (x int)');
    const p = createPool(parsePostgresUrl(dbUrl), { max: 1 });
    try {
      await assert.rejects(migrate(p));
      const rows = await adminQuery(dbUrl, 'SELECT count(*)::int AS n FROM tartan_migrations');
      assert.equal(rows.rows[0].n, 0);
    } finally {
      await p.pool.end();
    }
  });
});
