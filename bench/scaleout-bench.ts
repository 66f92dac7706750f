/**
 * The plaid layout scaled out, on the same vectors and queries: one server,
 * the collection partitioned over shards (postgres_fdw), and one server whose
 * searches are split between it and its streaming replica. Each setup is
 * loaded the same way, then searched by `concurrency` searches in flight at
 * once (one process: its JavaScript runs one search at a time, the servers'
 * work overlaps), reporting QPS (queries / wall time), p50/p95 latency and
 * recall@10 against exact MaxSim. Rows are comparable within one run.
 */
import { cpus, loadavg } from 'node:os';
import { batchSize, matrixAt, type TokenMatrix } from '../src/core/tensors.js';
import type { EncodedCollection } from '../src/core/vectors-file.js';
import {
  createShardedCollection,
  dropPostgresCollection,
  dropShardedCollection,
  openPostgresStoreTyped,
  type ShardSpec,
} from '../src/stores/postgres/index.js';
import type { VectorStore } from '../src/stores/types.js';
import { addInBatches, exactTopK, percentile } from './postgres-bench.js';
import { runPrefix } from './backend-comparison.js';

export interface ScaleOutRow {
  setup: string;
  servers: number;
  queries: number;
  concurrency: number;
  recallAt10: number;
  p50Ms: number;
  p95Ms: number;
  qps: number;
  ingestDocsPerSec: number;
  firstSearchMs: number;
}

export interface ScaleOutReport {
  machine: { cpu: string; cores: number; loadavgStart: number[]; loadavgEnd: number[] };
  documents: number;
  tokens: number;
  rows: ScaleOutRow[];
  notes: string[];
}

export interface ScaleOutOptions {
  shards: string[];
  replica?: string;
  maxQueries?: number;
  concurrency?: number;
  /** Tokens per add (default 500,000, as `tartan index`). */
  batchTokens?: number;
  log?: (line: string) => void;
}

/** Adds every document (id String(i)) in batches of about `batchTokens` tokens; returns documents/s. */
async function load(store: VectorStore, c: EncodedCollection, batchTokens: number): Promise<number> {
  const t = performance.now();
  await addInBatches(store, c.docs, { maxTokens: batchTokens });
  return batchSize(c.docs) / ((performance.now() - t) / 1000);
}

/** Runs `queries` over `stores` (round robin), `concurrency` at a time. */
async function timed(stores: VectorStore[], queries: TokenMatrix[], exact: Uint32Array[], concurrency: number) {
  const latencies: number[] = new Array(queries.length);
  let recall = 0,
    next = 0;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      for (let i = next++; i < queries.length; i = next++) {
        const t = performance.now();
        const hits = await stores[i % stores.length].search(queries[i], { k: 10 });
        latencies[i] = performance.now() - t;
        const truth = new Set(Array.from(exact[i].subarray(0, 10), String));
        recall += hits.filter((h) => truth.has(h.id)).length / 10;
      }
    }),
  );
  const wall = (performance.now() - t0) / 1000;
  return { p50: percentile(latencies, 50), p95: percentile(latencies, 95), qps: queries.length / wall, recall: recall / queries.length };
}

/** Measures one server, the shards, and server + replica on `c` with the coordinator (and single server) at `url`. */
export async function runScaleOutBench(url: string, c: EncodedCollection, o: ScaleOutOptions): Promise<ScaleOutReport> {
  const log = o.log ?? (() => undefined);
  const start = loadavg();
  const nq = Math.min(o.maxQueries ?? 300, batchSize(c.queries));
  const queries = Array.from({ length: nq }, (_, i) => matrixAt(c.queries, i));
  const exact = exactTopK(c.docs, queries, 10);
  const concurrency = o.concurrency ?? 4;
  const prefix = runPrefix().slice(0, 24);
  const rows: ScaleOutRow[] = [];
  const shards: ShardSpec[] = o.shards.map((u, i) => ({ name: `b${i}`, url: u }));
  const setups: Array<{ setup: string; servers: number; name: string; sharded: boolean; replica?: string }> = [
    { setup: '1 server', servers: 1, name: `${prefix}_one`, sharded: false },
    { setup: `${shards.length} shards (postgres_fdw)`, servers: shards.length + 1, name: `${prefix}_shd`, sharded: true },
  ];
  if (o.replica) setups.push({ setup: '1 server + 1 replica (searches split)', servers: 2, name: `${prefix}_one`, sharded: false, replica: o.replica });
  for (const s of setups) {
    if (s.sharded) await createShardedCollection(url, { collection: s.name, dim: c.dim, shards });
    const writer = await openPostgresStoreTyped(url, { collection: s.name, dim: c.dim, layout: 'plaid', create: !s.sharded, poolSize: concurrency });
    const stores: VectorStore[] = [writer];
    try {
      // The replica setup searches the single server's collection (loaded in the first setup).
      const ingest = s.replica ? rows[0].ingestDocsPerSec : await load(writer, c, o.batchTokens ?? 500_000);
      if (s.replica) {
        stores.push(await openPostgresStoreTyped(url, { collection: s.name, readUrl: s.replica, poolSize: concurrency }));
        // Wait until the replica has the collection (it replays the load).
        for (let i = 0; i < 600 && (await stores[1].info()).documents < batchSize(c.docs); i++) await new Promise((r) => setTimeout(r, 100));
      }
      const t = performance.now();
      await Promise.all(stores.map((st) => st.search(queries[0], { k: 10 })));
      const firstSearchMs = performance.now() - t;
      const m = await timed(stores, queries, exact, concurrency);
      log(`${s.setup}: recall@10 ${m.recall.toFixed(3)}, p50 ${m.p50.toFixed(1)} ms, ${m.qps.toFixed(1)} QPS at ${concurrency} in flight`);
      rows.push({
        setup: s.setup,
        servers: s.servers,
        queries: nq,
        concurrency,
        recallAt10: Number(m.recall.toFixed(4)),
        p50Ms: Number(m.p50.toFixed(2)),
        p95Ms: Number(m.p95.toFixed(2)),
        qps: Number(m.qps.toFixed(1)),
        ingestDocsPerSec: Number(ingest.toFixed(1)),
        firstSearchMs: Number(firstSearchMs.toFixed(1)),
      });
    } finally {
      await Promise.all(stores.map((st) => st.close()));
      if (s.sharded) await dropShardedCollection(url, { collection: s.name, shards });
      else if (s.replica || !o.replica) await dropPostgresCollection(url, s.name);
    }
  }
  return {
    machine: { cpu: cpus()[0]?.model ?? 'unknown', cores: cpus().length, loadavgStart: start, loadavgEnd: loadavg() },
    documents: batchSize(c.docs),
    tokens: c.docs.offsets[batchSize(c.docs)],
    rows,
    notes: [
      'every server runs on this machine, sharing its cores with each other and with the searching process: the shard and replica rows measure the machinery (routing, postgres_fdw, replication), not added capacity',
      'one process searches: its JavaScript (candidate generation and rerank) runs one search at a time, so QPS here is bounded by one core; a real deployment runs one tartan process per core or machine against the same database',
    ],
  };
}
