/** `tartan search <dir> "<query>"`: top-k documents with scores, optionally through a pipeline, filtered and explained. */
import { Command } from 'commander';
import { formatTable, printJson } from '../output.js';
import { ErrorCodes, TartanError } from '../../core/errors.js';
import { Index } from '../../retrieval/index-facade.js';
import { explainHit } from '../../scoring/explain-hit.js';
import { Collection } from '../../retrieval/collection.js';
import type { Explanation } from '../../scoring/explain.js';
import type { MetadataFilter, StoreSearchOptions } from '../../stores/types.js';

interface SearchOptions {
  k: string; json?: boolean; explain?: boolean; filter?: string; nprobe?: string; ndocs?: string;
  pipeline?: string; denseModel?: string; crossEncoderModel?: string;
}

/** What both search paths print: the fields of a store hit or a pipeline hit. */
interface PrintedHit { id: string; rank: number; score: number; normalizedScore?: number; stage?: string; text?: string; metadata?: unknown }

function positive(name: string, v: string | undefined): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) throw new TartanError(ErrorCodes.INVALID_ARGUMENT, `--${name} must be a positive integer (got ${v})`);
  return n;
}

function parseFilter(text: string | undefined): MetadataFilter | undefined {
  if (text === undefined) return undefined;
  try {
    return JSON.parse(text) as MetadataFilter;
  } catch {
    throw new TartanError(ErrorCodes.INVALID_FILTER, `--filter is not valid JSON: ${text}; e.g. --filter '{"year":{"$gte":2000}}'`);
  }
}

/** The index's own ColBERT search, with the PLAID knobs. */
async function storeSearch(index: Index, queryText: string, opts: SearchOptions) {
  const search: StoreSearchOptions = { k: positive('k', opts.k) };
  const filter = parseFilter(opts.filter);
  if (filter) search.filter = filter;
  const nprobe = positive('nprobe', opts.nprobe), ndocs = positive('ndocs', opts.ndocs);
  if (nprobe) search.nprobe = nprobe;
  if (ndocs) search.ndocs = ndocs;
  const query = await index.encodeQuery(queryText);
  const weights = index.queryWeights(queryText);
  if (weights) search.weights = weights;
  const started = performance.now();
  const hits: PrintedHit[] = await index.store.search(query, search);
  return { hits, latencyMs: { colbert: performance.now() - started } as Record<string, number> };
}

/** A pipeline (preset or spec) over the index and its side indexes. */
async function pipelineSearch(collection: Collection, queryText: string, opts: SearchOptions) {
  const filter = parseFilter(opts.filter);
  const k = positive('k', opts.k);
  const r = await collection.search(queryText, { pipeline: opts.pipeline!, ...(k ? { k } : {}), ...(filter ? { filter } : {}) });
  return { hits: r.hits as PrintedHit[], latencyMs: r.latencyMs };
}

function printHits(hits: PrintedHit[], explanations: Array<Explanation | undefined>, latencyMs: Record<string, number>): void {
  if (hits.length === 0) { console.log('no results'); return; }
  const snippet = (t?: string) => (t ?? '').replace(/\s+/g, ' ').slice(0, 70);
  const norm = (h: PrintedHit) => (h.normalizedScore === undefined ? '-' : h.normalizedScore.toFixed(3));
  console.log(formatTable(['rank', 'id', 'score', 'norm', 'text'], hits.map((h) => [h.rank, h.id, h.score.toFixed(3), norm(h), snippet(h.text)])));
  hits.forEach((h, i) => {
    const e = explanations[i];
    if (!e) return;
    console.log(`\n#${h.rank} ${h.id}: query token -> best document token (similarity, share)`);
    console.log(formatTable(['query', 'document', 'sim', 'share'], e.matches.map((m) => [m.queryToken ?? `#${m.queryIndex}`, m.docToken ?? `#${m.docIndex}`, m.similarity.toFixed(3), `${(m.share * 100).toFixed(1)}%`])));
  });
  const stages = Object.entries(latencyMs).map(([s, ms]) => `${s} ${ms.toFixed(1)} ms`).join(', ');
  console.error(`${hits.length} results (${stages}; query encoding excluded for colbert)`);
}

export function register(program: Command): void {
  program
    .command('search')
    .description('search an index (folder or postgres:// URL) with its own model, or through a pipeline (bm25, dense, hybrid, bm25>colbert, ...)')
    .argument('<dir>', 'index folder or postgres:// URL')
    .argument('<query>', 'query text')
    .option('-k, --k <n>', 'number of results', '10')
    .option('--pipeline <spec>', 'preset (colbert, bm25, dense, bm25>colbert, dense>colbert, hybrid, colbert>cross-encoder) or a spec like "bm25:200+dense:200>colbert:50"')
    .option('--dense-model <id|path>', 'dense model for dense stages (kept beside the index once given)')
    .option('--cross-encoder-model <id|path>', 'cross-encoder for cross-encoder stages')
    .option('--filter <json>', 'metadata filter, e.g. \'{"lang":"en","year":{"$gte":2000}}\' or \'{"tag":{"$in":["a","b"]}}\'')
    .option('--nprobe <n>', 'centroids probed per query token (plaid; without --pipeline)')
    .option('--ndocs <n>', 'candidates scored exactly (plaid; without --pipeline)')
    .option('--explain', 'show which query token matched which document token')
    .option('--json', 'print JSON')
    .action(async (dir: string, queryText: string, opts: SearchOptions) => {
      if (opts.pipeline !== undefined && (opts.nprobe || opts.ndocs)) {
        throw new TartanError(ErrorCodes.INVALID_ARGUMENT, '--nprobe and --ndocs tune the index search; leave out --pipeline to use them');
      }
      const index = await Index.open(dir);
      // Attached even without --pipeline: the side indexes also give the lexical model its IDF weights.
      const collection = await Collection.attach(index, {
        ...(opts.denseModel ? { denseModel: opts.denseModel } : {}),
        ...(opts.crossEncoderModel ? { crossEncoderModel: opts.crossEncoderModel } : {}),
      });
      try {
        const { hits, latencyMs } = opts.pipeline !== undefined ? await pipelineSearch(collection, queryText, opts) : await storeSearch(index, queryText, opts);
        const explanations = opts.explain ? await explainAll(index, queryText, hits) : [];
        if (opts.json) {
          printJson({
            query: queryText, ...(opts.pipeline ? { pipeline: opts.pipeline } : {}),
            latency_ms: Object.fromEntries(Object.entries(latencyMs).map(([s, ms]) => [s, Number(ms.toFixed(2))])),
            hits: hits.map((h, i) => ({ ...h, ...(opts.explain ? { explanation: explanations[i] && { raw: explanations[i]!.raw, normalized: explanations[i]!.normalized, matches: explanations[i]!.matches } } : {}) })),
          });
          return;
        }
        printHits(hits, explanations, latencyMs);
      } finally {
        await collection.close();
      }
    });
}

async function explainAll(index: Index, queryText: string, hits: PrintedHit[]): Promise<Array<Explanation | undefined>> {
  const query = await index.encodeQuery(queryText);
  const weights = index.queryWeights(queryText);
  return Promise.all(hits.map((h) => explainHit(index.encoder, queryText, query, h, weights ? { weights } : {})));
}
