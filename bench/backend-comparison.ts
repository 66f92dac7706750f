/**
 * `tartan bench search --index postgres://...`: the embedded PLAID index and
 * both PostgreSQL layouts measured on the same vectors in one run, against one
 * exact-MaxSim baseline computed once (float32, every document, in process).
 *
 * Rows, one per backend/layout:
 * - `embedded`: the PLAID index in a temporary folder (or --keep-index DIR);
 * - `postgres-token`: one row per token + HNSW, candidates from HNSW then exact MaxSim in SQL;
 * - `postgres-document`: one row per document with its vector array, exact MaxSim over every row in SQL.
 *
 * The PostgreSQL collections get a per-run prefix (`bench_<time>_<pid>`, or the
 * URL's `?collection=` name) and are dropped afterwards unless `keep`.
 */
import { cpus, loadavg, tmpdir } from 'node:os';
import { mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { formatTable, printJson } from '../src/cli/output.js';
import { ErrorCodes, TartanError } from '../src/core/errors.js';
import { PlaidStore } from '../src/stores/file/plaid-store.js';
import type { IndexSettings } from '../src/stores/file/manifest.js';
import { syntheticBatch } from './synthetic-vectors.js';
import { loadVectors, saveVectors, type EncodedCollection } from '../src/core/vectors-file.js';
import { parsePostgresUrl, type HnswParams, type PostgresLayout } from '../src/stores/postgres/index.js';
import { batchSize, matrixAt, type TokenMatrix } from '../src/core/tensors.js';
import { addInBatches, exactTopK, percentile, runPostgresBench, type PostgresBenchRow, type TokenSearchSetting } from './postgres-bench.js';
import { encodeBeir } from './search-bench.js';

export type BackendName = 'embedded' | 'postgres-token' | 'postgres-document' | 'postgres-plaid' | 'postgres-plaid-uncached';

/** One backend/layout measured on the shared vectors and queries. */
export interface BackendRow {
  backend: BackendName;
  /** Recall@10 against exact MaxSim over the original float32 vectors. */
  recall_at_10: number;
  p50_ms: number;
  p95_ms: number;
  /** Sequential queries per second (timed queries / summed latency). */
  qps: number;
  /** Storage per token; postgres-plaid: what search reads (codes, residuals, documents), the float16 rerank rows in rerank_bytes_per_token. */
  bytes_per_token: number;
  rerank_bytes_per_token?: number | null;
  /** Documents per second from the first add to a searchable collection (index built); null when not measured. */
  ingest_docs_per_s: number | null;
  /** Seconds from the first add to a searchable collection (encoding excluded). */
  build_seconds: number | null;
  /** Queries timed (the document layout may time fewer: its search is an exact scan). */
  queries: number;
  documents: number;
  tokens: number;
  /** Rows holding vectors: PostgreSQL token rows or document rows; embedded: null. */
  vector_rows: number | null;
  storage_bytes: number;
  /** Search settings measured. */
  search: string;
  /** PostgreSQL: load and HNSW build seconds separately; documents/s added to the live collection. */
  load_seconds?: number | null;
  index_seconds?: number | null;
  online_ingest_docs_per_s?: number | null;
}

export interface BackendComparisonReport {
  machine: { cpu: string; cores: number; node: string; loadavg_start: number[]; loadavg_end: number[] };
  source: string;
  documents: number;
  tokens: number;
  dim: number;
  k: number;
  /** The ground truth, computed once and shared by every row. */
  exact: { method: string; queries: number; seconds: number };
  postgres: { endpoint: string; database: string; collection_prefix: string; kept: boolean };
  rows: BackendRow[];
  notes: string[];
}

export interface BackendComparisonOptions {
  /** Queries for the baseline, the embedded index and the token layout (default 300). */
  maxQueries?: number;
  /** Most queries timed on the token layout (default all of maxQueries). */
  tokenLayoutQueries?: number;
  /** Most queries timed on the document layout (default 20; its search scans every document). */
  documentLayoutQueries?: number;
  /** Layouts to measure (default both). */
  layouts?: PostgresLayout[];
  /** Embedded index settings (nbits, centroids, ...). */
  settings?: Partial<IndexSettings>;
  /** Embedded search knobs (default the index's own). */
  nprobe?: number;
  ndocs?: number;
  /** Token-layout search setting (default the store's 256/256/256). */
  tokenSearch?: TokenSearchSetting;
  hnsw?: Partial<HnswParams>;
  /** Collection name prefix (default the URL's ?collection=, else bench_<time>_<pid>). */
  collectionPrefix?: string;
  /** Keep the PostgreSQL collections. */
  keep?: boolean;
  /** Build the embedded index here and keep it (default a temporary folder). */
  indexDir?: string;
  log?: (line: string) => void;
}

const K = 10;
/** Tokens per add of the embedded build: SciFact-sized collections go in one add, 10M tokens in five. */
const EMBEDDED_ADD_TOKENS = 2_000_000;
const round = (x: number, d = 3): number => Number(x.toFixed(d));
const roundOrNull = (x: number | null | undefined, d = 3): number | null => (x === null || x === undefined || !Number.isFinite(x) ? null : round(x, d));

/** A per-run collection prefix (a valid collection name, short enough for "_document" to follow). */
export function runPrefix(): string {
  return `bench_${Date.now().toString(36)}_${process.pid}`.slice(0, 30);
}

function recallOf(hits: ReadonlyArray<{ id: string }>, truth: Uint32Array): number {
  const want = new Set(Array.from(truth.subarray(0, K), String));
  return hits.filter((h) => want.has(h.id)).length / Math.max(1, Math.min(K, want.size));
}

/** Builds the embedded index from `c` (document i gets id String(i)) and times `queries` against `exact`. */
async function measureEmbedded(c: EncodedCollection, queries: TokenMatrix[], exact: Uint32Array[], o: BackendComparisonOptions): Promise<BackendRow> {
  const dir = o.indexDir ?? mkdtempSync(join(tmpdir(), 'tartan-bench-'));
  try {
    const store = await PlaidStore.create(dir, { ...o.settings, dim: c.dim, model: c.model });
    try {
      const t0 = performance.now();
      // Adds of at most EMBEDDED_ADD_TOKENS (a segment's files must stay under 2 GiB), the first training the codebook.
      await addInBatches(store, c.docs, { maxTokens: EMBEDDED_ADD_TOKENS });
      const build = (performance.now() - t0) / 1000;
      o.log?.(`embedded: built in ${build.toFixed(1)} s`);
      const info = await store.info();
      const nprobe = o.nprobe ?? (info.nprobe as number),
        ndocs = o.ndocs ?? (info.ndocs as number);
      await store.search(queries[0], { k: K, nprobe, ndocs }); // warm-up
      const latencies: number[] = [];
      let recall = 0;
      for (let i = 0; i < queries.length; i++) {
        const t = performance.now();
        const hits = await store.search(queries[i], { k: K, nprobe, ndocs });
        latencies.push(performance.now() - t);
        recall += recallOf(hits, exact[i]);
      }
      const total = latencies.reduce((a, b) => a + b, 0) / 1000;
      return {
        backend: 'embedded',
        recall_at_10: round(recall / queries.length, 4),
        p50_ms: round(percentile(latencies, 50)),
        p95_ms: round(percentile(latencies, 95)),
        qps: round(queries.length / total, 1),
        bytes_per_token: round(info.bytesPerToken, 2),
        ingest_docs_per_s: round(info.documents / build, 1),
        build_seconds: round(build, 2),
        queries: queries.length,
        documents: info.documents,
        tokens: info.tokens,
        vector_rows: null,
        storage_bytes: Number(info.totalBytes ?? 0),
        search: `plaid nbits ${String(info.nbits)}, ${String(info.centroids)} centroids, nprobe ${nprobe}, ndocs ${ndocs}`,
      };
    } finally {
      await store.close();
    }
  } finally {
    if (!o.indexDir) rmSync(dir, { recursive: true, force: true });
  }
}

function postgresRow(r: PostgresBenchRow): BackendRow {
  const build = r.loadSeconds !== null && r.indexBuildSeconds !== null ? r.loadSeconds + r.indexBuildSeconds : null;
  const s = r.search;
  return {
    backend: (r.variant ? `postgres-${r.layout}-${r.variant}` : `postgres-${r.layout}`) as BackendName,
    recall_at_10: round(r.recallAtK, 4),
    p50_ms: round(r.p50Ms),
    p95_ms: round(r.p95Ms),
    qps: round(r.qps, 2),
    bytes_per_token: round(r.bytesPerToken, 2),
    rerank_bytes_per_token: roundOrNull(r.rerankBytesPerToken, 2),
    ingest_docs_per_s: roundOrNull(r.ingestDocsPerSec, 1),
    build_seconds: roundOrNull(build, 2),
    queries: r.queries,
    documents: r.documents,
    tokens: r.tokens,
    vector_rows: r.vectorRows,
    storage_bytes: r.storageBytes,
    search:
      r.layout === 'plaid'
        ? `plaid nbits ${String(s.nbits)}, ${String(s.centroids)} centroids, ${String(s.segments)} segments, nprobe ${String(s.nprobe)}, ndocs ${String(s.ndocs)}; ` +
          `first search (loads the codes) ${String(s.firstSearchMs)} ms; rerank rows ${String(s.rerankCacheHits)} cached / ${String(s.rerankCacheMisses)} fetched`
        : 'nprobe' in s
          ? `hnsw m ${String(s.m)} ef_construction ${String(s.efConstruction)}, nprobe ${String(s.nprobe)}, ndocs ${String(s.ndocs)}, ef_search ${String(s.efSearch)}`
          : 'exact MaxSim over every document (SQL)',
    load_seconds: roundOrNull(r.loadSeconds, 2),
    index_seconds: roundOrNull(r.indexBuildSeconds, 2),
    online_ingest_docs_per_s: roundOrNull(r.onlineIngestDocsPerSec, 1),
  };
}

/**
 * Measures the embedded index and the PostgreSQL layouts at `url` on the
 * documents and queries of `c`, against exact MaxSim computed once.
 */
export async function compareBackends(url: string, c: EncodedCollection, o: BackendComparisonOptions = {}): Promise<BackendComparisonReport> {
  const log = o.log ?? (() => undefined);
  const target = parsePostgresUrl(url);
  const loadStart = loadavg().map((x) => round(x, 2));
  const nq = Math.min(o.maxQueries ?? 300, batchSize(c.queries));
  if (nq === 0)
    throw new TartanError(ErrorCodes.INVALID_ARGUMENT, 'the vectors hold no queries; give a BEIR folder with queries.jsonl (or vectors saved from one)');
  const queries = Array.from({ length: nq }, (_, i) => matrixAt(c.queries, i));
  const documents = batchSize(c.docs);
  const tokens = c.docs.offsets[documents];
  log(`exact MaxSim baseline: ${nq} queries x ${documents} documents (${tokens} tokens)`);
  const t0 = performance.now();
  const exact = exactTopK(c.docs, queries, K);
  const exactSeconds = (performance.now() - t0) / 1000;
  log(`exact MaxSim baseline: ${exactSeconds.toFixed(1)} s`);

  const rows: BackendRow[] = [await measureEmbedded(c, queries, exact, { ...o, log })];
  log(`embedded: recall@10 ${rows[0].recall_at_10}, p50 ${rows[0].p50_ms} ms`);

  const prefix = o.collectionPrefix ?? target.collection ?? runPrefix();
  const tokenQueries = Math.min(nq, o.tokenLayoutQueries ?? nq);
  const documentQueries = Math.min(nq, o.documentLayoutQueries ?? 20);
  const pg = await runPostgresBench(url, c.docs, queries.slice(0, tokenQueries), {
    k: K,
    exact: exact.slice(0, tokenQueries),
    layouts: o.layouts ?? ['token', 'document', 'plaid'],
    plaidSearch: { ...(o.nprobe ? { nprobe: o.nprobe } : {}), ...(o.ndocs ? { ndocs: o.ndocs } : {}) },
    documentLayoutQueries: documentQueries,
    ...(o.tokenSearch ? { tokenSearch: [o.tokenSearch] } : {}),
    ...(o.hnsw ? { hnsw: o.hnsw } : {}),
    collectionPrefix: prefix,
    keep: o.keep ?? false,
    log,
  });
  rows.push(...pg.map(postgresRow));

  const notes: string[] = [];
  for (const r of rows) {
    if (r.queries < nq)
      notes.push(
        `${r.backend}: ${r.queries} of the ${nq} queries timed (${r.backend === 'postgres-document' ? 'its search scans every document' : 'limited by option'}); its recall is over those queries`,
      );
  }
  notes.push(o.keep ? `PostgreSQL collections kept: ${prefix}_token, ${prefix}_document, ${prefix}_plaid` : 'PostgreSQL collections dropped after the run');
  return {
    machine: {
      cpu: cpus()[0]?.model ?? 'unknown',
      cores: cpus().length,
      node: process.version,
      loadavg_start: loadStart,
      loadavg_end: loadavg().map((x) => round(x, 2)),
    },
    source: `vectors (${c.model})`,
    documents,
    tokens,
    dim: c.dim,
    k: K,
    exact: { method: 'float32 MaxSim over every document, in process', queries: nq, seconds: round(exactSeconds, 2) },
    postgres: { endpoint: target.endpoint, database: target.database, collection_prefix: prefix, kept: o.keep ?? false },
    rows,
    notes,
  };
}

/** The documents and queries of `bench search --synthetic-tokens` (the same ones the token index benchmark streams) as an encoded collection. */
export function syntheticCollection(tokens: number, dim: number, queries: number): EncodedCollection {
  const batch = syntheticBatch(tokens, dim, queries);
  const n = batch.docs.offsets.length - 1;
  return {
    model: 'synthetic',
    dim,
    docIds: Array.from({ length: n }, (_, i) => `s${i}`),
    docs: batch.docs,
    queryIds: Array.from({ length: queries }, (_, i) => `q${i}`),
    queries: batch.queries,
  };
}

/** The table `tartan bench search --index postgres://...` prints. */
export function formatComparison(r: BackendComparisonReport): string {
  const fmt = (x: number | null): string => (x === null ? '-' : String(x));
  return [
    `${r.source}: ${r.documents} docs, ${r.tokens} tokens, dim ${r.dim}; exact MaxSim baseline over ${r.exact.queries} queries in ${r.exact.seconds} s (computed once)`,
    `machine: ${r.machine.cpu} x${r.machine.cores}, load ${r.machine.loadavg_start.join(' ')} at start, ${r.machine.loadavg_end.join(' ')} at end`,
    `postgres: ${r.postgres.endpoint}/${r.postgres.database}, collections ${r.postgres.collection_prefix}_*`,
    formatTable(
      ['backend', 'queries', 'recall@10', 'p50 ms', 'p95 ms', 'QPS', 'bytes/token', 'ingest docs/s', 'build s', 'vector rows'],
      r.rows.map((x) => [
        x.backend,
        x.queries,
        x.recall_at_10,
        x.p50_ms,
        x.p95_ms,
        x.qps,
        x.bytes_per_token,
        fmt(x.ingest_docs_per_s),
        fmt(x.build_seconds),
        fmt(x.vector_rows),
      ]),
    ),
    ...r.rows.map(
      (x) =>
        `${x.backend}: ${x.search}${x.load_seconds != null ? `; load ${x.load_seconds} s + index ${x.index_seconds} s; online adds ${fmt(x.online_ingest_docs_per_s ?? null)} docs/s` : ''}`,
    ),
    ...r.notes.map((n) => `note: ${n}`),
  ].join('\n');
}

/** What `bench search` passes on (its option strings). */
export interface BackendCommandOptions {
  vectors?: string;
  saveVectors?: string;
  corpus?: string;
  model?: string;
  maxDocs?: string;
  syntheticTokens?: string;
  dim: string;
  nbits: string;
  centroids?: string;
  nprobe?: string;
  ndocs?: string;
  maxQueries: string;
  keepIndex?: string;
  keep?: boolean;
  pgQueries?: string;
  pgDocumentQueries?: string;
  pgLayouts?: string;
  json?: boolean;
}

/** `tartan bench search --index postgres://...`: loads or makes the vectors, compares the backends, prints the report. */
export async function benchSearchBackends(url: string, o: BackendCommandOptions): Promise<BackendComparisonReport> {
  const log = (l: string): void => {
    process.stderr.write(`${l}\n`);
  };
  const maxQueries = Number(o.maxQueries);
  let c: EncodedCollection;
  if (o.vectors) c = loadVectors(o.vectors);
  else if (o.syntheticTokens) c = syntheticCollection(Number(o.syntheticTokens), Number(o.dim), Math.min(maxQueries, 50));
  else if (o.corpus && o.model) {
    c = await encodeBeir(o.corpus, o.model, { ...(o.maxDocs ? { maxDocs: Number(o.maxDocs) } : {}), maxQueries, log });
    if (o.saveVectors) saveVectors(o.saveVectors, c);
  } else {
    throw new TartanError(
      ErrorCodes.INVALID_ARGUMENT,
      '--index postgres://... compares backends on given vectors: add --vectors FILE, --corpus DIR --model ID, or --synthetic-tokens N',
    );
  }
  const r = await compareBackends(url, c, {
    maxQueries,
    settings: { nbits: Number(o.nbits), ...(o.centroids ? { centroids: Number(o.centroids) } : {}) },
    ...(o.nprobe ? { nprobe: Number(o.nprobe) } : {}),
    ...(o.ndocs ? { ndocs: Number(o.ndocs) } : {}),
    ...(o.pgQueries ? { tokenLayoutQueries: Number(o.pgQueries) } : {}),
    ...(o.pgDocumentQueries ? { documentLayoutQueries: Number(o.pgDocumentQueries) } : {}),
    ...(o.pgLayouts ? { layouts: o.pgLayouts.split(',').map((l) => l.trim()) as PostgresLayout[] } : {}),
    ...(o.keepIndex ? { indexDir: o.keepIndex } : {}),
    keep: o.keep ?? false,
    log,
  });
  if (o.json) printJson(r);
  else console.log(formatComparison(r));
  return r;
}
