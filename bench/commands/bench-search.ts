/** `tartan bench search`: recall@10 vs exact MaxSim, latency p50/p95, QPS, bytes per token and build time of the embedded index. */
import type { Command } from 'commander';
import { commandGroup, formatTable, printJson } from '../../src/cli/output.js';
import { ErrorCodes, TartanError } from '../../src/core/errors.js';
import { benchEncoded, benchIndex, benchSynthetic, encodeBeir } from '../search-bench.js';
import type { SearchBenchOptions, SearchBenchReport } from '../search-bench.js';
import { loadVectors, saveVectors, type EncodedCollection } from '../../src/core/vectors-file.js';
import { isPostgresLocation } from '../../src/stores/open.js';

interface Opts {
  index?: string;
  queries?: string;
  vectors?: string;
  saveVectors?: string;
  corpus?: string;
  model?: string;
  syntheticTokens?: string;
  dim: string;
  nbits: string;
  centroids?: string;
  poolFactor?: string;
  rerankVectors?: string;
  nprobe?: string;
  ndocs?: string;
  nprobeList: string;
  ndocsList: string;
  maxQueries: string;
  maxDocs?: string;
  keepIndex?: string;
  reuseIndex?: boolean;
  encodeOnly?: boolean;
  json?: boolean;
  keep?: boolean;
  pgQueries?: string;
  pgDocumentQueries?: string;
  pgLayouts?: string;
  representation: string[];
  rerankCandidates: string;
}

const list = (s: string) =>
  s
    .split(',')
    .map((x) => Number(x.trim()))
    .filter((x) => Number.isInteger(x) && x > 0);
const num = (s: string | undefined) => (s === undefined ? undefined : Number(s));

function print(r: SearchBenchReport, json: boolean | undefined): void {
  if (json) {
    printJson(r);
    return;
  }
  console.log(`${r.source}: ${r.documents} docs, ${r.tokens} tokens, dim ${r.dim}, nbits ${r.nbits}, ${r.centroids} centroids, ${r.queries} queries`);
  console.log(`machine: ${r.machine.cpu} x${r.machine.cores}, load ${r.machine.loadavg?.join(' ')}`);
  console.log(`build ${r.build_seconds ?? '-'} s (encoding excluded), ${r.bytes_per_token} bytes/token of vector data, peak RSS ${r.peak_rss_mb} MB`);
  console.log(
    `memory: ${r.resident_bytes_per_token} bytes/token resident while open for search (${Object.entries(r.resident_parts)
      .map(([k, v]) => `${k} ${v}`)
      .join(', ')}), ${r.disk_bytes_per_token} bytes/token on disk`,
  );
  console.log(
    `defaults nprobe ${r.nprobe} ndocs ${r.ndocs}: recall@10 ${r.recall_at_10} (vs exact over the index's own vectors ${r.recall_at_10_index ?? '-'}), p50 ${r.p50_ms} ms, p95 ${r.p95_ms} ms, cpu p50 ${r.cpu_p50_ms} ms, ${r.qps} QPS`,
  );
  console.log('recall@10: vs exact MaxSim over the original float32 vectors; recall@10 idx: vs exact MaxSim over the decompressed vectors the index holds');
  console.log(
    formatTable(
      ['nprobe', 'ndocs', 'recall@10', 'recall@10 idx', 'p50 ms', 'p95 ms', 'cpu p50 ms', 'QPS'],
      r.curve.map((p) => [p.nprobe, p.ndocs, p.recall_at_10, p.recall_at_10_index ?? '-', p.p50_ms, p.p95_ms, p.cpu_p50_ms, p.qps]),
    ),
  );
}

export function register(program: Command): void {
  commandGroup(program, 'bench', 'benchmarks')
    .command('search')
    .description('measure the embedded index: recall@10 vs exact MaxSim, recall/latency over nprobe x ndocs, p50/p95, QPS, bytes/token, build time')
    .option(
      '--index <dir|url>',
      'a prebuilt plaid index to measure (with --queries); or a postgres:// URL: compare the embedded index with both PostgreSQL layouts on the same vectors (--vectors, --corpus/--model or --synthetic-tokens)',
    )
    .option('--queries <jsonl>', 'queries (_id/id, text) encoded with the index model')
    .option('--vectors <file>', 'encoded documents + queries saved earlier with --save-vectors')
    .option('--save-vectors <file>', 'encode --corpus with --model and save the vectors here (then measure)')
    .option('--corpus <path>', 'BEIR folder (corpus.jsonl, queries.jsonl, qrels/test.tsv) or corpus .jsonl to encode')
    .option('--model <id|path>', 'ColBERT model for --corpus')
    .option('--max-docs <n>', 'encode only the first n documents of --corpus')
    .option('--encode-only', 'with --save-vectors: stop after saving')
    .option('--synthetic-tokens <n>', 'measure on n clustered random tokens (no model)')
    .option('--dim <n>', 'dimension of synthetic vectors', '128')
    .option('--nbits <n>', 'residual bits', '2')
    .option('--centroids <n>', 'number of centroids (default from the token count)')
    .option('--pool-factor <n>', 'token pooling factor of the built index (1-4)')
    .option('--rerank-vectors <kind>', 'f16 (rank the final candidates with the original vectors, the default) or none (with the decompressed codes)')
    .option('--nprobe <n>', 'headline nprobe (default: the index default)')
    .option('--ndocs <n>', 'headline ndocs (default: the index default)')
    .option('--nprobe-list <list>', 'nprobe values of the curve', '1,2,4,8')
    .option('--ndocs-list <list>', 'ndocs values of the curve', '64,128,256,512')
    .option('--max-queries <n>', 'queries used', '300')
    .option('--keep-index <dir>', 'build the index here and keep it')
    .option('--reuse-index', 'with --keep-index: measure the index already in that folder instead of building it again')
    .option('--keep', 'with --index postgres://...: keep the benchmark collections (default: dropped)')
    .option('--pg-queries <n>', 'with --index postgres://...: most queries timed on the token layout (default --max-queries)')
    .option('--pg-document-queries <n>', 'with --index postgres://...: most queries timed on the document layout (exact scan)', '20')
    .option('--pg-layouts <list>', 'with --index postgres://...: PostgreSQL layouts measured (token, document, plaid)', 'token,document,plaid')
    .option(
      '--representation <kind>',
      'colbert (the token index, the default), poly:<M> (M code vectors per document, 1-64) or muvera[:k_sim=5,dim_proj=16,r_reps=20,seed=42] (fixed-dimensional encodings); the last two run on --vectors or --synthetic-tokens, repeatable (one ground truth for all)',
      (value: string, previous: string[]) => [...previous, value],
      [] as string[],
    )
    .option('--rerank-candidates <n>', 'with --representation muvera: candidates reranked by exact MaxSim', '100')
    .option('--json', 'print JSON')
    .action(async (o: Opts) => {
      const others = o.representation.filter((r) => r !== 'colbert');
      if (others.length > 0) {
        if (others.length < o.representation.length)
          throw new TartanError(ErrorCodes.INVALID_ARGUMENT, '--representation colbert is measured on its own (bench search without --representation)');
        await benchRepresentations(others, o);
        return;
      }
      if (o.index && isPostgresLocation(o.index) && !o.encodeOnly) {
        await (await import('../backend-comparison.js')).benchSearchBackends(o.index, o);
        return;
      }
      const options: SearchBenchOptions = {
        nprobeList: list(o.nprobeList),
        ndocsList: list(o.ndocsList),
        maxQueries: Number(o.maxQueries),
        ...(o.nprobe ? { nprobe: Number(o.nprobe) } : {}),
        ...(o.ndocs ? { ndocs: Number(o.ndocs) } : {}),
        settings: {
          nbits: Number(o.nbits),
          ...(o.centroids ? { centroids: Number(o.centroids) } : {}),
          ...(o.poolFactor ? { poolFactor: Number(o.poolFactor) } : {}),
          ...(o.rerankVectors ? { rerankVectors: o.rerankVectors as 'f16' | 'none' } : {}),
        },
        ...(o.keepIndex ? { indexDir: o.keepIndex, reuseIndex: !!o.reuseIndex } : {}),
        log: (l) => process.stderr.write(`${l}\n`),
      };
      let r: SearchBenchReport;
      if (o.syntheticTokens) {
        r = await benchSynthetic(Number(o.syntheticTokens), Number(o.dim), options);
      } else if (o.index) {
        if (!o.queries) throw new TartanError(ErrorCodes.INVALID_ARGUMENT, '--index needs --queries <jsonl> (e.g. ../shared/datasets/scifact/queries.jsonl)');
        r = await benchIndex(o.index, o.queries, options);
      } else if (o.vectors) {
        r = await benchEncoded(loadVectors(o.vectors), options);
      } else if (o.saveVectors && o.corpus && o.model) {
        const c = await encodeBeir(o.corpus, o.model, {
          ...(o.maxDocs ? { maxDocs: num(o.maxDocs) } : {}),
          maxQueries: Number(o.maxQueries),
          log: options.log,
        });
        saveVectors(o.saveVectors, c);
        process.stderr.write(`saved ${c.docIds.length} documents and ${c.queryIds.length} queries to ${o.saveVectors} (encoding ${c.encodeSeconds?.docs} s)\n`);
        if (o.encodeOnly) return;
        r = await benchEncoded(c, options);
      } else {
        throw new TartanError(
          ErrorCodes.INVALID_ARGUMENT,
          'say what to measure: --synthetic-tokens N, --vectors FILE, --index DIR --queries JSONL, or --save-vectors FILE --corpus DIR --model ID',
        );
      }
      print(r, o.json);
    });
}

/** `--representation poly:<M>|muvera[...]` (one or more) on --vectors or --synthetic-tokens, against one exact ground truth. */
async function benchRepresentations(texts: string[], o: Opts): Promise<void> {
  if (!o.vectors && !o.syntheticTokens)
    throw new TartanError(
      ErrorCodes.INVALID_ARGUMENT,
      `--representation ${texts[0]} runs on --vectors <file> (e.g. from \`tartan bench make-vectors\`) or --synthetic-tokens N`,
    );
  const { benchRepresentation, exactTruth } = await import('../representation-bench.js');
  const log = (l: string) => process.stderr.write(`${l}\n`);
  let c: EncodedCollection;
  if (o.vectors) c = loadVectors(o.vectors);
  else {
    const t0 = performance.now();
    c = (await import('../backend-comparison.js')).syntheticCollection(Number(o.syntheticTokens), Number(o.dim), Math.min(Number(o.maxQueries), 50));
    log(`synthetic: ${c.docIds.length} documents, ${c.docs.offsets[c.docIds.length]} tokens (${((performance.now() - t0) / 1000).toFixed(1)} s)`);
  }
  const truth = exactTruth(c, { maxQueries: Number(o.maxQueries), log });
  log(`ground truth in ${truth.seconds} s`);
  const reports = texts.map((text) => benchRepresentation(c, text, { rerank: Number(o.rerankCandidates), truth, log }));
  if (o.json) {
    printJson(reports.length === 1 ? reports[0] : reports);
    return;
  }
  console.log(
    formatTable(
      ['variant', 'recall@10', 'p50 ms', 'p95 ms', 'bytes/doc', 'rerank bytes/doc', 'build s', 'r vs MaxSim'],
      reports.flatMap((r) =>
        r.variants.map((v) => [
          v.variant,
          v.recall_at_10,
          v.p50_ms,
          v.p95_ms,
          v.bytes_per_document,
          v.rerank_bytes_per_document,
          v.build_seconds,
          v.score_correlation,
        ]),
      ),
    ),
  );
}
