/**
 * Benchmark of the PostgreSQL store, both layouts, on given vectors: ingest
 * docs/s, storage bytes per token, p50/p95 search latency and recall@k against
 * exact MaxSim computed in process. `tartan bench search` puts these rows
 * beside the embedded index's, measured on the same vectors in the same run.
 *
 * Run alone on synthetic clustered ColBERT-like vectors (SciFact-sized by default):
 *   node --import tsx bench/postgres-bench.ts --url postgres://postgres@127.0.0.1:54329/tartan_test [--docs 5183]
 *     [--search nprobe/ndocs/efSearch,...] [--m 16] [--ef-construction 64] [--keep] [--reuse] [--json]
 */
import { pathToFileURL } from 'node:url';
import { cpus } from 'node:os';
import { ErrorCodes, isTartanError } from '../src/core/errors.js';
import { maxsim } from '../src/scoring/maxsim.js';
import { topK } from '../src/scoring/topk.js';
import { batchSize, type TokenMatrix, type TokenMatrixBatch } from '../src/core/tensors.js';
import { dropPostgresCollection, openPostgresStoreTyped, PostgresPlaidStore, type HnswParams, type PostgresLayout } from '../src/stores/postgres/index.js';
import type { StoreInfo, StoreSearchOptions, VectorStore } from '../src/stores/types.js';
import type { PostgresStore } from '../src/stores/postgres/postgres-store.js';
import { createPool, parsePostgresUrl, quoteIdent, withClient } from '../src/stores/postgres/connection.js';

/** Options of {@link runPostgresBench}. */
export interface PostgresBenchOptions {
  /** Layouts to measure (default both). */
  layouts?: PostgresLayout[];
  /** Results per query and the k of recall@k (default 10). */
  k?: number;
  /** Documents per add() call (default 256). */
  batchDocs?: number;
  /** Most queries timed on the document layout, whose exact scan is slow (default 10). */
  documentLayoutQueries?: number;
  /** HNSW build parameters (token layout). */
  hnsw?: Partial<HnswParams>;
  /** Token-layout search settings to time on the same collection, one row each (default one: 256 / 256 / 256). */
  tokenSearch?: TokenSearchSetting[];
  /** `maintenance_work_mem` for the HNSW build (default '2GB'). */
  maintenanceWorkMem?: string;
  /** Plaid layout: nprobe / ndocs (default the store's 64 / 96). */
  plaidSearch?: { nprobe?: number; ndocs?: number };
  /** Plaid layout: tokens per add (default 500,000, as `tartan index`; the first add trains the codebook). */
  plaidBatchTokens?: number;
  /** Exact top-k per query when already computed (e.g. shared with the embedded-index run). */
  exact?: Uint32Array[];
  /** Documents added one batch after the index is built, to time ingest into a live collection (default 20, plaid layout 1,000; 0 skips). */
  onlineDocs?: number;
  /** Collection name prefix (default 'bench'); collections are dropped afterwards unless `keep`. */
  collectionPrefix?: string;
  keep?: boolean;
  /** Reuse a kept collection holding exactly these documents (skips ingest; ingest figures are then null). */
  reuse?: boolean;
  /** Progress lines (default none). */
  log?: (line: string) => void;
}

/** HNSW tokens per query vector, candidate documents kept for exact MaxSim, hnsw.ef_search. */
export interface TokenSearchSetting {
  nprobe: number;
  ndocs: number;
  efSearch: number;
}

/** One measured configuration. */
export interface PostgresBenchRow {
  backend: 'postgres';
  layout: PostgresLayout;
  /** 'uncached': the plaid layout searched from a process without a rerank-row cache. */
  variant?: 'uncached';
  documents: number;
  tokens: number;
  dim: number;
  queries: number;
  k: number;
  recallAtK: number;
  p50Ms: number;
  p95Ms: number;
  /** Sequential queries per second (timed queries / their summed latency). */
  qps: number;
  /** Rows in the vectors table: one per token (token layout), per document (document layout), per add (plaid segments). */
  vectorRows: number;
  /** Storage per token; for the plaid layout only what search reads (codes, residuals, documents), the float16 rerank rows in rerankBytesPerToken. */
  bytesPerToken: number;
  rerankBytesPerToken: number | null;
  storageBytes: number;
  /** Documents per second from first INSERT to a searchable collection (HNSW built, for the token layout). */
  ingestDocsPerSec: number | null;
  loadSeconds: number | null;
  indexBuildSeconds: number | null;
  /** Documents per second added to the searchable collection (HNSW maintained row by row); null when not measured. */
  onlineIngestDocsPerSec: number | null;
  search: Record<string, number | string>;
}

/** Exact top-k document indices per query, by MaxSim (float32, in process). */
export function exactTopK(docs: TokenMatrixBatch, queries: readonly TokenMatrix[], k: number): Uint32Array[] {
  const packed = { dtype: 'f32' as const, data: docs.data, offsets: docs.offsets, dim: docs.dim };
  return queries.map((q) => topK(maxsim(q, packed).raw, k).indices);
}

/** Nearest-rank percentile of `values` (p in [0, 100]). */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}

function subBatch(docs: TokenMatrixBatch, start: number, end: number): TokenMatrixBatch {
  const base = docs.offsets[start];
  const offsets = new Uint32Array(end - start + 1);
  for (let i = start; i <= end; i++) offsets[i - start] = docs.offsets[i] - base;
  return { data: docs.data.subarray(base * docs.dim, docs.offsets[end] * docs.dim), offsets, dim: docs.dim };
}

/**
 * Adds every document of `docs` (document i gets id String(i)) in batches of at most `maxDocs`
 * documents and `maxTokens` tokens (at least one document each); `done` hears each batch's end.
 */
export async function addInBatches(
  store: Pick<VectorStore, 'add'>,
  docs: TokenMatrixBatch,
  limits: { maxDocs?: number; maxTokens?: number },
  done: (end: number) => void = () => undefined,
): Promise<void> {
  const n = batchSize(docs);
  const maxDocs = limits.maxDocs ?? n,
    maxTokens = limits.maxTokens ?? Infinity;
  let start = 0;
  while (start < n) {
    let end = start + 1;
    while (end < n && end - start < maxDocs && docs.offsets[end + 1] - docs.offsets[start] <= maxTokens) end++;
    await store.add(
      Array.from({ length: end - start }, (_, i) => ({ id: String(start + i) })),
      subBatch(docs, start, end),
    );
    done(end);
    start = end;
  }
}

/** Times `queries` one after another; returns their latencies and summed recall@k against `exact`. */
async function timeQueries(
  store: VectorStore,
  queries: readonly TokenMatrix[],
  options: StoreSearchOptions,
  exact: Uint32Array[],
  k: number,
  progress: (i: number) => void = () => undefined,
): Promise<{ latencies: number[]; recall: number }> {
  const latencies: number[] = [];
  let recall = 0;
  for (let i = 0; i < queries.length; i++) {
    const s = performance.now();
    const hits = await store.search(queries[i], options);
    latencies.push(performance.now() - s);
    progress(i);
    const truth = new Set(Array.from(exact[i].subarray(0, k), String));
    recall += hits.filter((h) => truth.has(h.id)).length / Math.min(k, truth.size);
  }
  return { latencies, recall };
}

/** The plaid row's search description: knobs, codebook, the first (loading) search, rerank-cache figures. */
function plaidSearchFigures(store: PostgresStore, info: StoreInfo, firstSearchMs: number, o: StoreSearchOptions): Record<string, number | string> {
  const plaid = store instanceof PostgresPlaidStore ? store : undefined;
  const cache = plaid?.rerankCache() ?? { bytes: 0, hits: 0, misses: 0 };
  return {
    nprobe: o.nprobe ?? plaid?.searchDefaults().nprobe ?? 0,
    ndocs: o.ndocs ?? plaid?.searchDefaults().ndocs ?? 0,
    stage1: 'plaid codes cached in process, float16 rerank rows fetched (LRU cache)',
    nbits: String(info.nbits),
    centroids: String(info.centroids),
    segments: String(info.segments),
    firstSearchMs: Number(firstSearchMs.toFixed(1)),
    rerankCacheHits: cache.hits,
    rerankCacheMisses: cache.misses,
  };
}

/** True when a kept collection holds exactly `documents` documents (so a benchmark may reuse it). */
async function reusable(url: string, collection: string, documents: number): Promise<boolean> {
  try {
    const store = await openPostgresStoreTyped(url, { collection });
    try {
      return (await store.info()).documents === documents;
    } finally {
      await store.close();
    }
  } catch (e) {
    if (isTartanError(e, ErrorCodes.INDEX_NOT_FOUND)) return false;
    throw e;
  }
}

/** Rows of the collection's vectors table (tokens, or doc_vectors). */
async function countVectorRows(url: string, store: PostgresStore): Promise<number> {
  const layout = store.settings.layout;
  const table = layout === 'token' ? store.tables.tokens : layout === 'plaid' ? store.tables.segments : store.tables.docVectors;
  const p = createPool(parsePostgresUrl(url), { max: 1 });
  try {
    return await withClient(p, async (c) => Number((await c.query<{ n: string }>(`SELECT count(*)::text AS n FROM ${quoteIdent(table)}`)).rows[0].n));
  } finally {
    await p.pool.end();
  }
}

/** Adds copies of the first `n` documents under new ids to the live collection, times it, then deletes them. */
async function onlineIngest(store: PostgresStore, docs: TokenMatrixBatch, n: number): Promise<number | null> {
  const count = Math.min(n, batchSize(docs));
  if (count === 0) return null;
  const ids = Array.from({ length: count }, (_, i) => ({ id: `online-${i}` }));
  const t = performance.now();
  await store.add(ids, subBatch(docs, 0, count));
  const seconds = (performance.now() - t) / 1000;
  await store.delete(ids.map((d) => d.id));
  return count / seconds;
}

/**
 * Ingests `docs` (document i gets id String(i)) into a fresh collection per
 * layout, then times `queries` and compares their top-k with exact MaxSim.
 * The token layout is bulk-loaded (rows first, HNSW built once afterwards),
 * the way a large collection should be loaded.
 */
export async function runPostgresBench(
  url: string,
  docs: TokenMatrixBatch,
  queries: readonly TokenMatrix[],
  opts: PostgresBenchOptions = {},
): Promise<PostgresBenchRow[]> {
  const k = opts.k ?? 10;
  const log = opts.log ?? (() => undefined);
  const exact = opts.exact ?? exactTopK(docs, queries, k);
  const rows: PostgresBenchRow[] = [];
  for (const layout of opts.layouts ?? ['token', 'document']) {
    const collection = `${opts.collectionPrefix ?? 'bench'}_${layout}`;
    const reused = opts.reuse ? await reusable(url, collection, batchSize(docs)) : false;
    if (!reused) await dropPostgresCollection(url, collection);
    const store = await openPostgresStoreTyped(url, { collection, dim: docs.dim, layout, create: true, hnsw: opts.hnsw, poolSize: 2 });
    try {
      let ingestFigures = { ingestDocsPerSec: null as number | null, loadSeconds: null as number | null, indexBuildSeconds: null as number | null };
      if (!reused) {
        await store.dropVectorIndex();
        const t0 = performance.now();
        const limits = layout === 'plaid' ? { maxTokens: opts.plaidBatchTokens ?? 500_000 } : { maxDocs: opts.batchDocs ?? 256 };
        await addInBatches(store, docs, limits, (end) => log(`  ${layout}: ${end}/${batchSize(docs)} documents`));
        const t1 = performance.now();
        log(`  ${layout}: loaded in ${((t1 - t0) / 1000).toFixed(1)} s${layout === 'token' ? ', building HNSW' : ''}`);
        await store.buildVectorIndex({ maintenanceWorkMem: opts.maintenanceWorkMem ?? '2GB' });
        const t2 = performance.now();
        await store.analyze();
        ingestFigures = { ingestDocsPerSec: batchSize(docs) / ((t2 - t0) / 1000), loadSeconds: (t1 - t0) / 1000, indexBuildSeconds: (t2 - t1) / 1000 };
      }
      const info = await store.info();
      const vectorRows = await countVectorRows(url, store);
      const settings: Array<TokenSearchSetting | null> = layout === 'token' ? (opts.tokenSearch ?? [{ nprobe: 256, ndocs: 256, efSearch: 256 }]) : [null];
      const timed = layout === 'document' ? queries.slice(0, opts.documentLayoutQueries ?? 10) : queries;
      for (const setting of settings) {
        const searchOptions = {
          k,
          ...(setting ? { nprobe: setting.nprobe, ndocs: setting.ndocs } : {}),
          ...(layout === 'plaid' ? opts.plaidSearch : {}),
        };
        if (setting) store.tuneSearch({ efSearch: setting.efSearch });
        // The plaid layout's first search loads the codes into the process: timed apart, like opening an embedded index.
        const t = performance.now();
        await store.search(timed[0], searchOptions); // warm the caches and the plan
        const firstSearchMs = performance.now() - t;
        const { latencies, recall } = await timeQueries(store, timed, searchOptions, exact, k, (i) => {
          if ((i + 1) % 25 === 0 && i + 1 < timed.length) log(`  ${layout}: ${i + 1}/${timed.length} queries`);
        });
        log(
          `  ${layout}${setting ? ` ${JSON.stringify(setting)}` : ''}: recall@${k} ${(recall / timed.length).toFixed(3)}, p50 ${percentile(latencies, 50).toFixed(1)} ms`,
        );
        rows.push({
          backend: 'postgres',
          layout,
          documents: info.documents,
          tokens: info.tokens,
          dim: docs.dim,
          queries: timed.length,
          k,
          recallAtK: recall / timed.length,
          p50Ms: percentile(latencies, 50),
          p95Ms: percentile(latencies, 95),
          qps: timed.length / (latencies.reduce((a, b) => a + b, 0) / 1000),
          vectorRows,
          bytesPerToken: info.bytesPerToken,
          rerankBytesPerToken: typeof info.rerankBytesPerToken === 'number' ? info.rerankBytesPerToken : null,
          storageBytes: Number(info.storageBytes),
          ...ingestFigures,
          onlineIngestDocsPerSec: null,
          search: setting
            ? { stage1: 'hnsw per query vector', ...setting, m: store.settings.hnsw.m, efConstruction: store.settings.hnsw.efConstruction }
            : layout === 'plaid'
              ? plaidSearchFigures(store, info, firstSearchMs, searchOptions)
              : { stage1: 'none (exact MaxSim over every document)' },
        });
      }
      if (layout === 'plaid') {
        // The same queries from a process that keeps no rerank rows: every search fetches its candidates' rows.
        const uncached = await openPostgresStoreTyped(url, { collection, poolSize: 2, plaidSearch: { rerankCacheBytes: 0 } });
        try {
          const searchOptions = { k, ...opts.plaidSearch };
          const t = performance.now();
          await uncached.search(timed[0], searchOptions);
          const firstSearchMs = performance.now() - t;
          const { latencies, recall } = await timeQueries(uncached, timed, searchOptions, exact, k);
          log(`  plaid without rerank cache: recall@${k} ${(recall / timed.length).toFixed(3)}, p50 ${percentile(latencies, 50).toFixed(1)} ms`);
          const warm = rows[rows.length - 1];
          rows.push({
            ...warm,
            variant: 'uncached',
            recallAtK: recall / timed.length,
            p50Ms: percentile(latencies, 50),
            p95Ms: percentile(latencies, 95),
            qps: timed.length / (latencies.reduce((a, b) => a + b, 0) / 1000),
            search: { ...plaidSearchFigures(uncached, info, firstSearchMs, searchOptions), rerankCache: 'off' },
          });
        } finally {
          await uncached.close();
        }
      }
      // Timed after the searches, so the rows it adds and deletes do not touch the recall figures.
      // The plaid layout adds a segment per call: 1,000 documents show its rate, not the per-transaction overhead.
      const online = await onlineIngest(store, docs, opts.onlineDocs ?? (layout === 'plaid' ? 1000 : 20));
      for (const row of rows) if (row.layout === layout) row.onlineIngestDocsPerSec = online;
    } finally {
      await store.close();
      if (!opts.keep) await dropPostgresCollection(url, collection);
    }
  }
  return rows;
}

/** Options of {@link clusteredColbertVectors}. */
export interface SyntheticOptions {
  docs?: number;
  meanTokens?: number;
  dim?: number;
  queries?: number;
  queryRows?: number;
  clusters?: number;
  seed?: number;
}

/**
 * ColBERT-like synthetic vectors: token vectors are L2-normalised noisy copies
 * of cluster centres, each document drawing mostly from its own few "topic"
 * clusters; each query is built from one document's topics, so relevant
 * documents exist and neighbours share tokens (random uniform vectors would
 * make every document equally (ir)relevant and HNSW look worse than it is).
 */
export function clusteredColbertVectors(o: SyntheticOptions = {}): { docs: TokenMatrixBatch; queries: TokenMatrix[] } {
  const n = o.docs ?? 5183,
    mean = o.meanTokens ?? 250,
    dim = o.dim ?? 128,
    nq = o.queries ?? 50,
    qRows = o.queryRows ?? 32;
  const nc = o.clusters ?? 2048;
  let state = (o.seed ?? 42) >>> 0;
  const uniform = (): number => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (((t ^ (t >>> 14)) >>> 0) + 0.5) / 4294967296;
  };
  const gauss = (): number => Math.sqrt(-2 * Math.log(uniform())) * Math.cos(2 * Math.PI * uniform());
  const centres = new Float32Array(nc * dim);
  for (let i = 0; i < centres.length; i++) centres[i] = gauss();
  const writeToken = (out: Float32Array, row: number, cluster: number, noise: number): void => {
    let norm = 0;
    const cn = Math.sqrt(dim);
    for (let j = 0; j < dim; j++) {
      const v = centres[cluster * dim + j] / cn + (noise * gauss()) / cn;
      out[row * dim + j] = v;
      norm += v * v;
    }
    const inv = 1 / Math.sqrt(norm);
    for (let j = 0; j < dim; j++) out[row * dim + j] *= inv;
  };
  const topics = Array.from({ length: n }, () => Array.from({ length: 8 }, () => Math.floor(uniform() * nc)));
  const offsets = new Uint32Array(n + 1);
  for (let i = 0; i < n; i++) offsets[i + 1] = offsets[i] + Math.max(8, Math.round(mean * (0.4 + 1.2 * uniform())));
  const data = new Float32Array(offsets[n] * dim);
  for (let i = 0; i < n; i++) {
    for (let r = offsets[i]; r < offsets[i + 1]; r++) {
      const cluster = uniform() < 0.8 ? topics[i][Math.floor(uniform() * 8)] : Math.floor(uniform() * nc);
      writeToken(data, r, cluster, 0.6);
    }
  }
  const queries: TokenMatrix[] = [];
  for (let q = 0; q < nq; q++) {
    const source = topics[Math.floor(uniform() * n)];
    const m = new Float32Array(qRows * dim);
    for (let r = 0; r < qRows; r++) writeToken(m, r, uniform() < 0.7 ? source[Math.floor(uniform() * 8)] : Math.floor(uniform() * nc), 0.8);
    queries.push({ data: m, rows: qRows, dim });
  }
  return { docs: { data, offsets, dim }, queries };
}

function argValue(args: string[], name: string): string | undefined {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
}

async function main(args: string[]): Promise<void> {
  const url = argValue(args, '--url') ?? process.env.TARTAN_PG_URL;
  if (!url) throw new Error('give --url postgres://... (or set TARTAN_PG_URL)');
  const num = (name: string, dflt: number): number => Number(argValue(args, name) ?? dflt);
  const json = args.includes('--json');
  const log = (s: string): void => console.error(s); // progress on stderr; --json output alone on stdout
  const t = performance.now();
  const { docs, queries } = clusteredColbertVectors({
    docs: num('--docs', 5183),
    meanTokens: num('--tokens', 250),
    dim: num('--dim', 128),
    queries: num('--queries', 50),
  });
  log(
    `synthetic: ${batchSize(docs)} docs, ${docs.offsets[batchSize(docs)]} tokens, ${queries.length} queries (${((performance.now() - t) / 1000).toFixed(1)} s)`,
  );
  const exact = exactTopK(docs, queries, num('--k', 10));
  const layouts = (argValue(args, '--layouts') ?? 'token,document').split(',') as PostgresLayout[];
  // --search "32/64/64,64/200/100" = nprobe/ndocs/efSearch settings, each timed on the same collection.
  const tokenSearch = (argValue(args, '--search') ?? '256/256/256').split(',').map((t) => {
    const [nprobe, ndocs, efSearch] = t.split('/').map(Number);
    return { nprobe, ndocs, efSearch };
  });
  const rows = await runPostgresBench(url, docs, queries, {
    exact,
    log,
    layouts,
    k: num('--k', 10),
    tokenSearch,
    documentLayoutQueries: num('--document-queries', 10),
    keep: args.includes('--keep'),
    reuse: args.includes('--reuse'),
    hnsw: { m: num('--m', 16), efConstruction: num('--ef-construction', 64) },
  });
  const machine = { nproc: cpus().length, cpu: cpus()[0]?.model ?? 'unknown' };
  if (json) console.log(JSON.stringify({ machine, rows }, null, 2));
  else {
    console.log(`machine: ${machine.nproc} x ${machine.cpu}`);
    console.table(
      rows.map((r) => ({
        layout: r.layout,
        search: 'nprobe' in r.search ? `${r.search.nprobe}/${r.search.ndocs}/${r.search.efSearch}` : 'exact',
        docs: r.documents,
        tokens: r.tokens,
        queries: r.queries,
        [`recall@${r.k}`]: r.recallAtK.toFixed(3),
        'p50 ms': r.p50Ms.toFixed(1),
        'p95 ms': r.p95Ms.toFixed(1),
        'B/token': r.bytesPerToken.toFixed(0),
        'ingest docs/s': r.ingestDocsPerSec?.toFixed(1) ?? '-',
        'online docs/s': r.onlineIngestDocsPerSec?.toFixed(1) ?? '-',
        'load s': r.loadSeconds?.toFixed(1) ?? '-',
        'index s': r.indexBuildSeconds?.toFixed(1) ?? '-',
      })),
    );
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main(process.argv.slice(2)).catch((e: unknown) => {
    console.error(e instanceof Error ? e.message : e);
    process.exit(1);
  });
}
