/**
 * `tartan bench search`: quality and speed of the embedded PLAID index.
 * - recall@10 of the index against exhaustive exact MaxSim over the same vectors;
 * - the recall/latency curve over nprobe x ndocs;
 * - search latency p50/p95 (query encoding excluded), sequential QPS;
 * - bytes per token on disk, build time (encoding excluded), peak RSS.
 * Sources: an encoded vectors file (saved once with --save-vectors, since
 * encoding SciFact with a real-size model takes long), a prebuilt index plus
 * a queries file, or clustered synthetic vectors of any size (no model).
 */
import { cpus } from 'node:os';
import { existsSync, mkdtempSync, rmSync, createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TokenMatrix, TokenMatrixBatch } from '../src/core/tensors.js';
import { matrixAt, packMatrices } from '../src/core/tensors.js';
import { maxsim } from '../src/scoring/maxsim.js';
import { PlaidStore } from '../src/stores/file/plaid-store.js';
import { openFileStore } from '../src/stores/open.js';
import { loadColbertEncoder } from '../src/retrieval/colbert-encoder.js';
import type { EncodedCollection } from '../src/core/vectors-file.js';
import { benchSpec, syntheticChunks, syntheticQueries } from './synthetic-vectors.js';
import type { IndexSettings } from '../src/stores/file/manifest.js';
import { readJsonl, testQueries } from './word-vector-fixture.js';

/**
 * One point of the recall/latency curve. recall_at_10: against exact MaxSim over the original float32
 * vectors (search and compression loss); recall_at_10_index: against exact MaxSim over the index's own
 * decompressed vectors (search loss only). cpu_p50_ms: process CPU time per search, steadier than wall
 * time on a loaded machine.
 */
export interface CurvePoint {
  nprobe: number;
  ndocs: number;
  recall_at_10: number;
  recall_at_10_index?: number;
  p50_ms: number;
  p95_ms: number;
  cpu_p50_ms: number;
  qps: number;
}

export interface SearchBenchReport {
  machine: { cpu: string; cores: number; node: string; loadavg?: number[] };
  source: string;
  documents: number;
  tokens: number;
  queries: number;
  dim: number;
  nbits: number;
  centroids: number;
  build_seconds?: number;
  bytes_per_token: number;
  total_bytes: number;
  /** What stays in memory while the index is open for search, per token (see src/stores/file/resident-memory.ts), by part too. */
  resident_bytes_per_token: number;
  resident_parts: Record<string, number>;
  /** Every file of the index on disk, per token (the float16 rerank vectors included). */
  disk_bytes_per_token: number;
  /** The same per document (per token times tokens per document), to compare with other representations. */
  resident_bytes_per_document: number;
  disk_bytes_per_document: number;
  nprobe: number;
  ndocs: number;
  recall_at_10: number;
  recall_at_10_index?: number;
  p50_ms: number;
  p95_ms: number;
  cpu_p50_ms: number;
  qps: number;
  curve: CurvePoint[];
  peak_rss_mb: number;
}

export interface SearchBenchOptions {
  nprobeList?: number[];
  ndocsList?: number[];
  /** Default-setting knobs measured as the headline figures. */
  nprobe?: number;
  ndocs?: number;
  maxQueries?: number;
  settings?: Partial<IndexSettings>;
  /** Where to build the index (kept); default a temporary folder, removed afterwards. */
  indexDir?: string;
  /** With indexDir: open the index already there instead of building it (same source and settings assumed). */
  reuseIndex?: boolean;
  log?: (line: string) => void;
}

const median = (xs: number[], q = 0.5) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? s[Math.min(s.length - 1, Math.floor(q * s.length))] : 0;
};
const round = (x: number, d = 3) => Number(x.toFixed(d));

/** Exact top-10 document indices of each query over `docs` (float32 MaxSim, every document). */
export function exactTop10(
  queries: TokenMatrixBatch,
  docs: TokenMatrixBatch,
  docBase = 0,
  prev?: Array<Array<[number, number]>>,
): Array<Array<[number, number]>> {
  const out = prev ?? [];
  const packed = { dtype: 'f32' as const, data: docs.data, offsets: docs.offsets, dim: docs.dim };
  for (let q = 0; q + 1 < queries.offsets.length; q++) {
    const { raw } = maxsim(matrixAt(queries, q), packed);
    const best = out[q] ?? [];
    for (let i = 0; i < raw.length; i++) {
      if (best.length < 10 || raw[i] > best[best.length - 1][0]) {
        best.push([raw[i], docBase + i]);
        best.sort((a, b) => b[0] - a[0] || a[1] - b[1]);
        if (best.length > 10) best.pop();
      }
    }
    out[q] = best;
  }
  return out;
}

const recallOf = (hits: Array<{ id: string }>, want: readonly string[]): [number, number] => {
  const set = new Set(want);
  return [hits.filter((h) => set.has(h.id)).length, set.size];
};

/** Recall@10 and latencies of one knob setting over all queries. */
async function measure(store: PlaidStore, queries: TokenMatrix[], truth: Truth, nprobe: number, ndocs: number): Promise<CurvePoint> {
  const times: number[] = [],
    cpu: number[] = [];
  let hit = 0,
    total = 0,
    hitIndex = 0,
    totalIndex = 0;
  await store.search(queries[0], { k: 10, nprobe, ndocs }); // warm-up
  const started = performance.now();
  for (let q = 0; q < queries.length; q++) {
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    const hits = await store.search(queries[q], { k: 10, nprobe, ndocs });
    times.push(performance.now() - t0);
    const c = process.cpuUsage(c0);
    cpu.push((c.user + c.system) / 1000);
    const [h, n] = recallOf(hits, truth.original[q]);
    hit += h;
    total += n;
    if (truth.index) {
      const [hi, ni] = recallOf(hits, truth.index[q]);
      hitIndex += hi;
      totalIndex += ni;
    }
  }
  const seconds = (performance.now() - started) / 1000;
  return {
    nprobe,
    ndocs,
    recall_at_10: round(hit / Math.max(1, total), 4),
    ...(truth.index ? { recall_at_10_index: round(hitIndex / Math.max(1, totalIndex), 4) } : {}),
    p50_ms: round(median(times)),
    p95_ms: round(median(times, 0.95)),
    cpu_p50_ms: round(median(cpu)),
    qps: round(queries.length / seconds, 1),
  };
}

/** Exact top-10 ids per query: over the original vectors, and (when computed) over the index's decompressed vectors. */
interface Truth {
  original: string[][];
  index?: string[][];
}

/** Collections up to this many tokens also get ground truth over the index's own vectors (exported as float32). */
const INDEX_TRUTH_MAX_TOKENS = 4_000_000;

function indexTruth(store: PlaidStore, queries: TokenMatrix[], log?: (l: string) => void): string[][] | undefined {
  const { ids, vectors } = store.exportVectors();
  log?.(`exact MaxSim over the index's decompressed vectors: ${queries.length} queries x ${ids.length} passages`);
  return exactTop10(packMatrices(queries, store.dim), vectors).map((best) => [...new Set(best.map(([, i]) => ids[i]))]);
}

/** `original` ground truth given; the one over the index's own vectors computed here unless `index` is given. */
async function report(
  store: PlaidStore,
  source: string,
  queries: TokenMatrix[],
  given: Truth,
  build: number | undefined,
  o: SearchBenchOptions,
): Promise<SearchBenchReport> {
  const info = await store.info();
  const log = o.log ?? (() => {});
  const truth: Truth = {
    original: given.original,
    index: given.index ?? (info.tokens <= INDEX_TRUTH_MAX_TOKENS ? indexTruth(store, queries, log) : undefined),
  };
  const curve: CurvePoint[] = [];
  for (const nprobe of o.nprobeList ?? [1, 2, 4, 8]) {
    for (const ndocs of o.ndocsList ?? [64, 128, 256, 512]) {
      const point = await measure(store, queries, truth, nprobe, ndocs);
      log(
        `nprobe ${nprobe} ndocs ${ndocs}: recall@10 ${point.recall_at_10} (vs index vectors ${point.recall_at_10_index ?? '-'}) p50 ${point.p50_ms} ms p95 ${point.p95_ms} ms cpu p50 ${point.cpu_p50_ms} ms`,
      );
      curve.push(point);
    }
  }
  const nprobe = o.nprobe ?? (info.nprobe as number),
    ndocs = o.ndocs ?? (info.ndocs as number);
  const headline = curve.find((p) => p.nprobe === nprobe && p.ndocs === ndocs) ?? (await measure(store, queries, truth, nprobe, ndocs));
  const mem = store.memory();
  return {
    machine: {
      cpu: cpus()[0]?.model ?? 'unknown',
      cores: cpus().length,
      node: process.version,
      loadavg: (await import('node:os')).loadavg().map((x) => round(x, 2)),
    },
    source,
    documents: info.documents,
    tokens: info.tokens,
    queries: queries.length,
    dim: info.dim,
    nbits: info.nbits as number,
    centroids: info.centroids as number,
    ...(build !== undefined ? { build_seconds: round(build, 2) } : {}),
    bytes_per_token: round(info.bytesPerToken, 2),
    total_bytes: info.totalBytes as number,
    resident_bytes_per_token: round(mem.residentBytesPerToken, 2),
    disk_bytes_per_token: round(mem.diskBytesPerToken, 2),
    resident_bytes_per_document: round((mem.residentBytesPerToken * info.tokens) / Math.max(1, info.documents), 1),
    disk_bytes_per_document: round((mem.diskBytesPerToken * info.tokens) / Math.max(1, info.documents), 1),
    resident_parts: Object.fromEntries(Object.entries(mem.parts).map(([k, v]) => [k, round(v / Math.max(1, mem.tokens), 2)])),
    nprobe,
    ndocs,
    recall_at_10: headline.recall_at_10,
    ...(headline.recall_at_10_index !== undefined ? { recall_at_10_index: headline.recall_at_10_index } : {}),
    p50_ms: headline.p50_ms,
    p95_ms: headline.p95_ms,
    cpu_p50_ms: headline.cpu_p50_ms,
    qps: headline.qps,
    curve,
    peak_rss_mb: round(process.resourceUsage().maxRSS / 1024, 1),
  };
}

function queryList(batch: TokenMatrixBatch, max: number): TokenMatrix[] {
  const n = Math.min(max, batch.offsets.length - 1);
  return Array.from({ length: n }, (_, i) => matrixAt(batch, i));
}

const reusable = (o: SearchBenchOptions): boolean => !!(o.reuseIndex && o.indexDir && existsSync(join(o.indexDir, 'manifest.json')));

/** Builds an index from encoded vectors and measures it against exact MaxSim over the original float32 vectors. */
export async function benchEncoded(c: EncodedCollection, o: SearchBenchOptions = {}): Promise<SearchBenchReport> {
  const dir = o.indexDir ?? mkdtempSync(join(tmpdir(), 'tartan-bench-'));
  try {
    const queries = queryList(c.queries, o.maxQueries ?? 300);
    const qBatch = packMatrices(queries, c.dim);
    o.log?.(`exact MaxSim ground truth: ${queries.length} queries x ${c.docIds.length} documents`);
    const truth = exactTop10(qBatch, c.docs).map((best) => best.map(([, i]) => c.docIds[i]));
    let store: PlaidStore, build: number | undefined;
    if (reusable(o)) {
      store = await PlaidStore.open(dir);
      o.log?.(`reusing the index in ${dir}`);
    } else {
      store = await PlaidStore.create(dir, { ...o.settings, dim: c.dim, model: c.model });
      const t0 = performance.now();
      await store.add(
        c.docIds.map((id) => ({ id })),
        c.docs,
      );
      build = (performance.now() - t0) / 1000;
      o.log?.(`built in ${build.toFixed(1)} s`);
    }
    const r = await report(store, `vectors (${c.model})`, queries, { original: truth }, build, o);
    await store.close();
    return r;
  } finally {
    if (!o.indexDir) rmSync(dir, { recursive: true, force: true });
  }
}

/** Measures a prebuilt plaid index with queries from a JSON-lines file (`_id`/`id`, `text`), encoded by the index's model. */
export async function benchIndex(indexDir: string, queriesPath: string, o: SearchBenchOptions = {}): Promise<SearchBenchReport> {
  const store = await openFileStore(indexDir);
  if (!(store instanceof PlaidStore)) throw new Error('bench search measures plaid indexes');
  const encoder = await loadColbertEncoder((await store.info()).model);
  const texts: string[] = [];
  for await (const line of createInterface({ input: createReadStream(queriesPath, 'utf8'), crlfDelay: Infinity })) {
    if (line.trim() && texts.length < (o.maxQueries ?? 300)) texts.push((JSON.parse(line) as { text: string }).text);
  }
  const queries: TokenMatrix[] = [];
  for await (const q of encoder.queryEmbed(texts)) queries.push(q);
  await encoder.dispose();
  const { ids, vectors } = store.exportVectors();
  o.log?.(`exhaustive MaxSim over the index's own (decompressed) vectors: ${queries.length} queries x ${ids.length} passages`);
  const truth = exactTop10(packMatrices(queries, store.dim), vectors).map((best) => [...new Set(best.map(([, i]) => ids[i]))]);
  const r = await report(store, `index ${indexDir}`, queries, { original: truth, index: truth }, undefined, o);
  await store.close();
  return r;
}

/**
 * A synthetic collection of `tokens` clustered vectors (no model), added in
 * chunks; ground truth is recomputed chunk by chunk from the same seeds.
 */
export async function benchSynthetic(tokens: number, dim: number, o: SearchBenchOptions = {}): Promise<SearchBenchReport> {
  const totalDocs = Math.max(1, Math.round(tokens / benchSpec(dim).meanRows));
  const dir = o.indexDir ?? mkdtempSync(join(tmpdir(), 'tartan-bench-'));
  try {
    const reuse = reusable(o);
    const store = reuse ? await PlaidStore.open(dir) : await PlaidStore.create(dir, { ...o.settings, dim, model: 'synthetic' });
    if (reuse) o.log?.(`reusing the index in ${dir} (ground truth regenerated from the same seeds)`);
    let queries: TokenMatrixBatch | undefined;
    let truth: Array<Array<[number, number]>> = [];
    let build = 0;
    let done = 0;
    for (const batch of syntheticChunks(tokens, dim)) {
      const n = batch.offsets.length - 1;
      queries ??= syntheticQueries(batch, o.maxQueries ?? 50, 32, 99);
      truth = exactTop10(queries, batch, done, truth);
      const t0 = performance.now();
      if (!reuse)
        await store.add(
          Array.from({ length: n }, (_, i) => ({ id: `s${done + i}` })),
          batch,
        );
      build += (performance.now() - t0) / 1000;
      done += n;
      o.log?.(`added ${done}/${totalDocs} documents (${build.toFixed(1)} s building, rss ${(process.memoryUsage().rss / 2 ** 20).toFixed(0)} MB)`);
    }
    const r = await report(
      store,
      `synthetic ${tokens} tokens`,
      queryList(queries!, Infinity),
      { original: truth.map((b) => b.map(([, i]) => `s${i}`)) },
      reuse ? undefined : build,
      o,
    );
    await store.close();
    return r;
  } finally {
    if (!o.indexDir) rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * Encodes a BEIR folder (corpus.jsonl, queries.jsonl, qrels/test.tsv: only
 * test queries are kept when it exists) or a corpus .jsonl with a model.
 */
export async function encodeBeir(
  path: string,
  model: string,
  o: { maxDocs?: number; maxQueries?: number; log?: (l: string) => void } = {},
): Promise<EncodedCollection> {
  const { statSync } = await import('node:fs');
  const isDir = statSync(path).isDirectory();
  const corpus = isDir ? join(path, 'corpus.jsonl') : path;
  const docs = await readJsonl(corpus, o.maxDocs ?? Infinity);
  const queries = isDir ? (await testQueries(path)).slice(0, o.maxQueries ?? Infinity) : [];
  const encoder = await loadColbertEncoder(model);
  const encode = async (texts: string[], query: boolean): Promise<{ batch: TokenMatrixBatch; seconds: number }> => {
    const t0 = performance.now();
    const mats: TokenMatrix[] = [];
    const gen = query ? encoder.queryEmbed(texts) : encoder.passageEmbed(texts);
    for await (const m of gen) {
      mats.push(m);
      if (mats.length % 200 === 0)
        o.log?.(`encoded ${mats.length}/${texts.length} ${query ? 'queries' : 'documents'} (${((performance.now() - t0) / 1000).toFixed(0)} s)`);
    }
    return { batch: packMatrices(mats, encoder.dim), seconds: (performance.now() - t0) / 1000 };
  };
  const d = await encode(
    docs.map((x) => x.text),
    false,
  );
  const q = await encode(
    queries.map((x) => x.text),
    true,
  );
  await encoder.dispose();
  return {
    model,
    dim: encoder.dim,
    docIds: docs.map((x) => x.id),
    docs: d.batch,
    queryIds: queries.map((x) => x.id),
    queries: q.batch,
    encodeSeconds: { docs: round(d.seconds, 1), queries: round(q.seconds, 1) },
  };
}
