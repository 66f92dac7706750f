import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { openPostgresStore, dropPostgresCollection } from '../../../src/stores/postgres/index.js';
import { isPostgresUrl, mapPgError, parsePostgresUrl } from '../../../src/stores/postgres/connection.js';
import { ErrorCodes, isTartanError } from '../../../src/core/errors.js';
import { adminQuery, pgTest, randomBatch, randomMatrix, rng, uniqueName, urlFor } from './pg-test-env.js';

/** A TCP port on 127.0.0.1 that nothing listens on (bound, then released). */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

test('URL parsing: collection comes from the query string, the rest stays for the driver', () => {
  const p = parsePostgresUrl('postgresql://app:s3cret@db.example:6543/search?sslmode=require&collection=papers');
  assert.equal(p.collection, 'papers');
  assert.equal(p.endpoint, 'db.example:6543');
  assert.equal(p.database, 'search');
  assert.ok(p.connectionString.includes('sslmode=require') && !p.connectionString.includes('collection'));
  assert.ok(isPostgresUrl('postgres://x/y') && !isPostgresUrl('./my-index'));
  assert.throws(
    () => parsePostgresUrl('mysql://x/y'),
    (e) => isTartanError(e, ErrorCodes.INVALID_ARGUMENT),
  );
});

test('an unreachable server is DB_UNREACHABLE naming host:port and what to check', async () => {
  const port = await closedPort();
  await assert.rejects(
    openPostgresStore(`postgres://postgres:pw@127.0.0.1:${port}/nowhere`, { dim: 8, create: true }),
    (e) =>
      isTartanError(e, ErrorCodes.DB_UNREACHABLE) &&
      e.message.includes(`127.0.0.1:${port}`) &&
      /ECONNREFUSED/.test(e.message) &&
      /server is running/.test(e.message) &&
      !e.message.includes('pw'),
  );
});

pgTest('a database that does not exist is DB_UNREACHABLE with the fix', async (_t, url) => {
  await assert.rejects(
    openPostgresStore(urlFor(url, 'tartan_no_such_db'), { dim: 8, create: true }),
    (e) => isTartanError(e, ErrorCodes.DB_UNREACHABLE) && /CREATE DATABASE/.test(e.message),
  );
});

pgTest('pgvector missing and not creatable by the user: DB_EXTENSION_MISSING with the install hint', async (_t, url) => {
  const db = uniqueName('tartan_noext');
  const role = uniqueName('tartan_limited');
  await adminQuery(url, `CREATE DATABASE ${db}`);
  await adminQuery(url, `CREATE ROLE ${role} LOGIN NOSUPERUSER NOCREATEDB`);
  try {
    const dbUrl = urlFor(url, db);
    // The extension was there once; dropping it is how it goes missing in practice.
    await adminQuery(dbUrl, 'CREATE EXTENSION vector');
    await adminQuery(dbUrl, 'DROP EXTENSION vector');
    await assert.rejects(
      openPostgresStore(urlFor(url, db, role), { dim: 8, create: true }),
      (e) =>
        isTartanError(e, ErrorCodes.DB_EXTENSION_MISSING) &&
        /CREATE EXTENSION vector/.test(e.message) &&
        /Install pgvector/.test(e.message) &&
        e.message.includes(db),
    );
    const ext = await adminQuery(dbUrl, "SELECT 1 FROM pg_extension WHERE extname = 'vector'");
    assert.equal(ext.rowCount, 0);
  } finally {
    await adminQuery(url, `DROP DATABASE IF EXISTS ${db} WITH (FORCE)`);
    await adminQuery(url, `DROP ROLE IF EXISTS ${role}`);
  }
});

pgTest('opening a missing collection without create is INDEX_NOT_FOUND; creating needs dim', async (_t, url) => {
  const name = uniqueName('missing');
  await assert.rejects(openPostgresStore(url, { collection: name }), (e) => isTartanError(e, ErrorCodes.INDEX_NOT_FOUND) && e.message.includes(name));
  await assert.rejects(
    openPostgresStore(url, { collection: name, create: true }),
    (e) => isTartanError(e, ErrorCodes.INVALID_ARGUMENT) && /dim/.test(e.message),
  );
  await assert.rejects(openPostgresStore(url, { collection: 'Bad-Name; DROP', create: true, dim: 4 }), (e) => isTartanError(e, ErrorCodes.INVALID_ARGUMENT));
});

pgTest('dimension mismatch: on open, on add, on search, and from the server itself', async (_t, url) => {
  const name = uniqueName('dims');
  const store = await openPostgresStore(url, { collection: name, dim: 8, model: 'm-8', create: true });
  try {
    const next = rng(7);
    await assert.rejects(
      openPostgresStore(`${url}?collection=${name}`, { dim: 16 }),
      (e) => isTartanError(e, ErrorCodes.DIMENSION_MISMATCH) && /8-d/.test(e.message) && /m-8/.test(e.message),
    );
    await assert.rejects(
      store.add([{ id: 'a' }], randomBatch([3], 16, next)),
      (e) => isTartanError(e, ErrorCodes.DIMENSION_MISMATCH) && /dimension 16/.test(e.message),
    );
    await assert.rejects(store.search(randomMatrix(2, 4, next)), (e) => isTartanError(e, ErrorCodes.DIMENSION_MISMATCH));
    // Opening by URL alone finds dim, model and layout in the settings table.
    const again = await openPostgresStore(`${url}?collection=${name}`);
    assert.equal(again.dim, 8);
    await again.close();
    await assert.rejects(
      openPostgresStore(`${url}?collection=${name}`, { layout: 'document' }),
      (e) => isTartanError(e, ErrorCodes.INVALID_ARGUMENT) && /layout/.test(e.message),
    );
    await assert.rejects(
      openPostgresStore(`${url}?collection=${name}`, { model: 'other' }),
      (e) => isTartanError(e, ErrorCodes.INVALID_ARGUMENT) && /m-8/.test(e.message),
    );
    // A vector of the wrong size that reaches the server (e.g. written by another client) is refused
    // by the column's typmod, and that server error maps to DIMENSION_MISMATCH too.
    const serverError = await adminQuery(url, `INSERT INTO "tartan_${name}_tokens" VALUES (1, 0, '[1,2,3]')`).then(
      () => null,
      (e: unknown) => e,
    );
    assert.ok(serverError instanceof Error && /expected 8 dimensions/.test(serverError.message));
    assert.ok(isTartanError(mapPgError(serverError, parsePostgresUrl(url)), ErrorCodes.DIMENSION_MISMATCH));
  } finally {
    await store.close();
    await dropPostgresCollection(url, name);
  }
});

pgTest('a server-side statement timeout is TIMEOUT, not an unreachable server', async (_t, url) => {
  const err = await adminQuery(url, "SET statement_timeout = '10ms'; SELECT pg_sleep(1)").then(
    () => null,
    (e: unknown) => e,
  );
  assert.ok(err instanceof Error && /statement timeout/.test(err.message));
  const mapped = mapPgError(err, parsePostgresUrl(url));
  assert.equal(mapped.code, ErrorCodes.TIMEOUT);
  assert.ok(mapped.message.includes('statement timeout'));
});
