import assert from 'node:assert/strict';
import { test, type TestContext } from 'node:test';
import {
  createShardedCollection,
  dropPostgresCollection,
  dropShardedCollection,
  openPostgresStoreTyped,
  type ShardSpec,
} from '../../../src/stores/postgres/index.js';
import { ErrorCodes, isTartanError } from '../../../src/core/errors.js';
import { matrixAt, type TokenMatrixBatch } from '../../../src/core/tensors.js';
import { adminQuery, PG_URL, randomBatch, randomMatrix, rng, uniqueName } from './pg-test-env.js';

const SHARDS = process.env.TARTAN_PG_SHARD_URLS?.split(',').filter(Boolean) ?? [];
const REPLICA = process.env.TARTAN_PG_REPLICA_URL;
const DIM = 16;
const NOT_SET =
  'the scale-out servers are not running: run `bash .ci/start-scaleout.sh` and export the TARTAN_PG_SHARD_URLS and TARTAN_PG_REPLICA_URL it prints (and TARTAN_PG_URL)';

/** A test that needs the coordinator, two shards and a replica: fails in CI when they are missing, skipped with the reason locally. */
function scaleTest(name: string, fn: (t: TestContext, env: { url: string; shards: string[]; replica: string }) => Promise<void>): void {
  const url = PG_URL,
    replica = REPLICA;
  if (url && SHARDS.length >= 2 && replica) test(name, (t) => fn(t, { url, shards: SHARDS, replica }));
  else if (process.env.CI === 'true')
    test(name, () => {
      throw new Error(NOT_SET);
    });
  else test(name, { skip: NOT_SET }, () => undefined);
}

function slice(b: TokenMatrixBatch, start: number, end: number): TokenMatrixBatch {
  const offsets = new Uint32Array(end - start + 1);
  for (let i = start; i <= end; i++) offsets[i - start] = b.offsets[i] - b.offsets[start];
  return { data: b.data.subarray(b.offsets[start] * b.dim, b.offsets[end] * b.dim), offsets, dim: b.dim };
}

function corpus(n: number, seed: number): TokenMatrixBatch {
  const next = rng(seed);
  return randomBatch(
    Array.from({ length: n }, () => 3 + Math.floor(next() * 10)),
    DIM,
    next,
  );
}

const docsOf = (start: number, end: number) =>
  Array.from({ length: end - start }, (_, i) => ({ id: `d${start + i}`, text: `doc ${start + i}`, metadata: { even: (start + i) % 2 === 0 } }));

async function waitForReplay(primary: string, replica: string): Promise<void> {
  const lsn = (await adminQuery(primary, 'SELECT pg_current_wal_lsn()::text AS lsn')).rows[0].lsn as string;
  for (let i = 0; i < 200; i++) {
    const r = await adminQuery(replica, 'SELECT pg_last_wal_replay_lsn() >= $1::pg_lsn AS ok', [lsn]);
    if (r.rows[0].ok) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`the replica did not replay ${lsn} within 10 s`);
}

scaleTest('a collection sharded over two servers returns exactly what one server returns', async (_t, env) => {
  const suffix = String(process.pid % 100000);
  const shards: ShardSpec[] = env.shards.map((url, i) => ({ name: `s${i}_${suffix}`, url }));
  const sharded = uniqueName('shd');
  const single = uniqueName('one');
  await createShardedCollection(`${env.url}?collection=${sharded}`, { dim: DIM, shards });
  const a = await openPostgresStoreTyped(env.url, { collection: sharded, poolSize: 2 });
  const b = await openPostgresStoreTyped(env.url, { collection: single, dim: DIM, layout: 'plaid', create: true, poolSize: 2 });
  try {
    const all = corpus(120, 3);
    for (const [s, e] of [
      [0, 80],
      [80, 120],
    ]) {
      await a.add(docsOf(s, e), slice(all, s, e));
      await b.add(docsOf(s, e), slice(all, s, e));
    }
    assert.equal(await a.delete(['d7', 'd90']), 2);
    assert.equal(await b.delete(['d7', 'd90']), 2);
    // The rows live on the shards, split between them.
    const counts = await Promise.all(
      env.shards.map(async (u) => Number((await adminQuery(u, `SELECT count(*) AS n FROM tartan_${sharded}_documents`)).rows[0].n)),
    );
    assert.equal(
      counts.reduce((x, y) => x + y),
      118,
    );
    assert.ok(counts.every((c) => c > 0));
    for (let q = 0; q < 8; q++) {
      const query = q < 4 ? matrixAt(all, q * 31) : randomMatrix(4, DIM, rng(100 + q));
      for (const options of [{ k: 10 }, { k: 5, filter: { even: true } }]) {
        const [x, y] = await Promise.all([a.search(query, options), b.search(query, options)]);
        assert.deepEqual(
          x.map((h) => [h.id, h.score, h.text, h.metadata]),
          y.map((h) => [h.id, h.score, h.text, h.metadata]),
        );
      }
    }
    assert.deepEqual(await a.get(['d3', 'd7', 'd100']), await b.get(['d3', 'd7', 'd100']));
    assert.equal((await a.info()).documents, 118);
    await assert.rejects(a.add(docsOf(3, 4), slice(all, 3, 4)), (e: unknown) => isTartanError(e, ErrorCodes.DUPLICATE_ID));
  } finally {
    await a.close();
    await b.close();
    await dropShardedCollection(env.url, { collection: sharded, shards });
    await dropPostgresCollection(env.url, single);
  }
});

scaleTest('a shard that is down fails the search with E_DB_SHARD_UNAVAILABLE naming it, never partial results', async (_t, env) => {
  const suffix = String(process.pid % 100000);
  const shards: ShardSpec[] = env.shards.map((url, i) => ({ name: `down${i}_${suffix}`, url }));
  const name = uniqueName('shdown');
  await createShardedCollection(`${env.url}?collection=${name}`, { dim: DIM, shards });
  const store = await openPostgresStoreTyped(env.url, { collection: name, poolSize: 2 });
  const server = `tartan_shard_${shards[1].name}`;
  try {
    const all = corpus(60, 4);
    await store.add(docsOf(0, 60), all);
    const query = matrixAt(all, 5);
    assert.equal((await store.search(query, { k: 3 }))[0].id, 'd5');
    // Point the shard's foreign server at a port nothing listens on: the shard is unreachable.
    const port = new URL(env.shards[1]).port;
    await adminQuery(env.url, `ALTER SERVER ${server} OPTIONS (SET port '1')`);
    try {
      for (const attempt of [() => store.search(query, { k: 3 }), () => store.get(['d1', 'd2', 'd3', 'd4'])]) {
        await assert.rejects(attempt(), (e: unknown) => isTartanError(e, ErrorCodes.DB_SHARD_UNAVAILABLE) && e.message.includes(server));
      }
    } finally {
      await adminQuery(env.url, `ALTER SERVER ${server} OPTIONS (SET port '${port}')`);
    }
    assert.equal((await store.search(query, { k: 3 }))[0].id, 'd5');
  } finally {
    await store.close();
    await dropShardedCollection(env.url, { collection: name, shards });
  }
});

scaleTest('a streaming replica serves searches while the primary takes writes', async (_t, env) => {
  const name = uniqueName('repl');
  const primary = await openPostgresStoreTyped(env.url, { collection: name, dim: DIM, layout: 'plaid', create: true, poolSize: 2 });
  const onReplica = await openPostgresStoreTyped(env.url, { collection: name, readUrl: env.replica, poolSize: 2 });
  try {
    const all = corpus(100, 6);
    await primary.add(docsOf(0, 40), slice(all, 0, 40));
    await waitForReplay(env.url, env.replica);
    assert.equal((await onReplica.search(matrixAt(all, 10), { k: 1 }))[0].id, 'd10');
    const inRecovery = await adminQuery(env.replica, 'SELECT pg_is_in_recovery() AS r');
    assert.equal(inRecovery.rows[0].r, true);
    // Writes on the primary and searches on the replica at once: every search answers from a committed state.
    const writes = (async () => {
      for (let s = 40; s < 100; s += 20) await primary.add(docsOf(s, s + 20), slice(all, s, s + 20));
    })();
    const searches = Array.from({ length: 12 }, (_, i) => onReplica.search(matrixAt(all, i), { k: 200 }));
    const [, ...results] = await Promise.all([writes, ...searches]);
    for (const hits of results) assert.ok([40, 60, 80, 100].includes(hits.length), `${hits.length} hits`);
    await waitForReplay(env.url, env.replica);
    const last = await onReplica.search(matrixAt(all, 99), { k: 200 });
    assert.equal(last.length, 100);
    assert.equal(last[0].id, 'd99');
    // The replica refuses writes; the store sends them to the primary.
    await assert.rejects(adminQuery(env.replica, `DELETE FROM tartan_${name}_documents`), /read-only|recovery/);
  } finally {
    await primary.close();
    await onReplica.close();
    await dropPostgresCollection(env.url, name);
  }
});
