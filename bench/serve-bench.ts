/**
 * `tartan bench serve`: HTTP search throughput and latency of `tartan serve`.
 * A server is started in this process on 127.0.0.1 over a SciFact index (built
 * with the lexical model when none is given) and loaded with autocannon at
 * several connection counts, cycling through the SciFact queries.
 *
 * The load generator shares the process (and, on small machines, the cores)
 * with the server, so figures are a floor, to compare within one run.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import autocannon from 'autocannon';
import { ErrorCodes, TartanError } from '../src/core/errors.js';
import { loadQueries, streamCorpus } from '../src/eval/beir.js';
import { sharedDir } from '../src/core/paths.js';
import { buildServer } from '../src/server/app.js';
import type { ServerBackend } from '../src/server/backend.js';
import { createDefaultBackend } from '../src/server/default-backend.js';

export interface ServeBenchOptions {
  /** An existing index (dir or postgres URL); default: build a lexical SciFact index in a temp dir. */
  index?: string;
  /** BEIR folder with corpus.jsonl and queries.jsonl (default ../shared/datasets/scifact). */
  dataset?: string;
  /** Corpus documents to index when building (default: all). */
  docs?: number;
  /** Seconds per connection count (default 10). */
  durationSec?: number;
  /** Connection counts (default 1, 8, 64). */
  connections?: number[];
  /** Hits per search (default 10). */
  k?: number;
  /** Ask for token explanations too (heavier responses). */
  explain?: boolean;
  /** Progress lines (stderr in the CLI). */
  log?: (line: string) => void;
  backend?: ServerBackend;
}

/** One load level. Latencies in milliseconds. */
export interface ServeBenchRow {
  connections: number;
  requests: number;
  qps: number;
  p50Ms: number;
  p99Ms: number;
  /** Connection errors and timeouts plus non-2xx responses. */
  errors: number;
  non2xx: number;
  timeouts: number;
}

/** Index.search called directly (no HTTP), sequentially: the baseline the HTTP rows compare against. */
export interface DirectBaseline {
  searches: number;
  p50Ms: number;
  p99Ms: number;
}

export interface ServeBenchReport {
  machine: { cpu: string; cores: number; node: string; loadAverage1m: number };
  direct: DirectBaseline;
  index: { location: string; documents: number; model: string; buildSeconds: number | null };
  queries: number;
  durationSec: number;
  k: number;
  explain: boolean;
  rows: ServeBenchRow[];
}

/** Builds a lexical-model index of the first `limit` corpus documents under `dir` (one streamed add). */
async function buildScifactIndex(backend: ServerBackend, dataset: string, dir: string, limit: number, log: (s: string) => void): Promise<void> {
  const index = await backend.createIndex(dir, { model: 'lexical' });
  async function* docs() {
    let n = 0;
    for await (const doc of streamCorpus(dataset)) {
      if (n++ >= limit) return;
      yield { id: doc.id, text: doc.title ? `${doc.title}\n${doc.text}` : doc.text };
    }
  }
  try {
    await index.add(docs(), {
      onProgress: (n) => {
        if (n % 1000 === 0) log(`encoded ${n} documents`);
      },
    });
  } finally {
    await index.close();
  }
}

export async function runServeBench(options: ServeBenchOptions = {}): Promise<ServeBenchReport> {
  const log = options.log ?? (() => undefined);
  const dataset = options.dataset ?? join(sharedDir(), 'datasets', 'scifact');
  const durationSec = options.durationSec ?? 10;
  const levels = options.connections ?? [1, 8, 64];
  const k = options.k ?? 10;
  const backend = options.backend ?? createDefaultBackend();
  const queries = [...(await loadQueries(dataset)).values()];
  if (queries.length === 0) throw new TartanError(ErrorCodes.DATASET_FORMAT, `${dataset}/queries.jsonl has no queries; point --dataset at a BEIR folder`);

  let tempDir: string | undefined;
  let location = options.index;
  let buildSeconds: number | null = null;
  if (!location) {
    tempDir = mkdtempSync(join(tmpdir(), 'tartan-bench-serve-'));
    location = join(tempDir, 'scifact');
    const t0 = performance.now();
    await buildScifactIndex(backend, dataset, location, options.docs ?? Number.POSITIVE_INFINITY, log);
    buildSeconds = (performance.now() - t0) / 1000;
    log(`built ${location} in ${buildSeconds.toFixed(1)} s`);
  }

  log('direct Index.search baseline');
  const direct = await directBaseline(backend, location, queries, k, durationSec);
  const app = await buildServer({ backend, indexes: [`scifact=${location}`], limits: { maxK: Math.max(k, 1000) } });
  try {
    const url = await app.listen({ port: 0, host: '127.0.0.1' });
    const info = (await (await fetch(`${url}/api/indexes/scifact`)).json()) as { documents: number; model?: string };
    const rows: ServeBenchRow[] = [];
    for (const connections of levels) {
      log(`${connections} connection(s) for ${durationSec} s`);
      rows.push(await loadLevel(url, queries, connections, durationSec, k, options.explain ?? false));
    }
    return {
      machine: { cpu: cpus()[0]?.model ?? 'unknown', cores: cpus().length, node: process.version, loadAverage1m: loadavg()[0] },
      direct,
      index: { location: options.index ?? 'temporary lexical SciFact index', documents: info.documents, model: info.model ?? 'unknown', buildSeconds },
      queries: queries.length,
      durationSec,
      k,
      explain: options.explain ?? false,
      rows,
    };
  } finally {
    await app.close();
    if (tempDir) rmSync(tempDir, { recursive: true, force: true });
  }
}

/** Sequential searches straight on the index for up to `seconds` (at least 3, at most 200 queries). */
async function directBaseline(backend: ServerBackend, location: string, queries: string[], k: number, seconds: number): Promise<DirectBaseline> {
  const index = await backend.openIndex(location);
  const times: number[] = [];
  try {
    const until = performance.now() + seconds * 1000;
    for (let i = 0; i < Math.min(200, queries.length) && (times.length < 3 || performance.now() < until); i++) {
      const t0 = performance.now();
      await index.search(queries[i], { k });
      times.push(performance.now() - t0);
    }
  } finally {
    await index.close();
  }
  times.sort((a, b) => a - b);
  const at = (q: number) => times[Math.min(times.length - 1, Math.floor(q * times.length))];
  return { searches: times.length, p50Ms: at(0.5), p99Ms: at(0.99) };
}

async function loadLevel(url: string, queries: string[], connections: number, durationSec: number, k: number, explain: boolean): Promise<ServeBenchRow> {
  let next = 0;
  const result = await autocannon({
    url: `${url}/api/indexes/scifact/search`,
    connections,
    duration: durationSec,
    timeout: 30,
    requests: [
      {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        setupRequest: (req) => ({ ...req, body: JSON.stringify({ query: queries[next++ % queries.length], k, explain }) }),
      },
    ],
  });
  const requests = result['2xx'] + result.non2xx;
  return {
    connections,
    requests,
    qps: requests / result.duration,
    p50Ms: result.latency.p50,
    p99Ms: result.latency.p99,
    errors: result.errors + result.non2xx,
    non2xx: result.non2xx,
    timeouts: result.timeouts,
  };
}
