/** `tartan search <dir> "<query>"`: top-k documents with scores, optionally through a pipeline, filtered and explained. */
import type { Command } from 'commander';
import { formatTable, printJson } from '../output.js';
import { ErrorCodes, TartanError } from '../../core/errors.js';
import { MAX_K, checkK, kFromText } from '../../core/result-count.js';
import { Index } from '../../retrieval/index-facade.js';
import { Collection, usesMuvera } from '../../retrieval/collection.js';
import type { RankedHit } from '../../retrieval/pipeline.js';
import type { MetadataFilter } from '../../stores/types.js';

interface SearchOptions {
  k: string;
  json?: boolean;
  explain?: boolean;
  filter?: string;
  nprobe?: string;
  ndocs?: string;
  pipeline?: string;
  denseModel?: string;
  crossEncoderModel?: string;
}

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
async function indexSearch(index: Index, queryText: string, opts: SearchOptions) {
  const filter = parseFilter(opts.filter);
  const k = checkK(kFromText(opts.k)),
    nprobe = positive('nprobe', opts.nprobe),
    ndocs = positive('ndocs', opts.ndocs);
  const started = performance.now();
  const hits: RankedHit[] = await index.search(queryText, {
    k,
    ...(filter ? { filter } : {}),
    ...(nprobe ? { nprobe } : {}),
    ...(ndocs ? { ndocs } : {}),
    ...(opts.explain ? { explain: true } : {}),
  });
  return { hits, latencyMs: { colbert: performance.now() - started } as Record<string, number> };
}

/** A pipeline (preset or spec) over the index and its side indexes. */
async function pipelineSearch(collection: Collection, queryText: string, opts: SearchOptions) {
  const filter = parseFilter(opts.filter);
  const k = checkK(kFromText(opts.k));
  const r = await collection.search(queryText, {
    pipeline: opts.pipeline!,
    k,
    ...(filter ? { filter } : {}),
    ...(opts.explain ? { explain: true } : {}),
  });
  return { hits: r.hits as RankedHit[], latencyMs: r.latencyMs };
}

function printHits(hits: RankedHit[], latencyMs: Record<string, number>): void {
  if (hits.length === 0) {
    console.log('no results');
    return;
  }
  const snippet = (t?: string) => (t ?? '').replace(/\s+/g, ' ').slice(0, 70);
  const norm = (h: RankedHit) => (h.normalizedScore === undefined ? '-' : h.normalizedScore.toFixed(3));
  console.log(
    formatTable(
      ['rank', 'id', 'score', 'norm', 'text'],
      hits.map((h) => [h.rank, h.id, h.score.toFixed(3), norm(h), snippet(h.text)]),
    ),
  );
  hits.forEach((h) => {
    const e = h.explanation;
    if (!e) return;
    console.log(`\n#${h.rank} ${h.id}: query token -> best document token (similarity, share)`);
    console.log(
      formatTable(
        ['query', 'document', 'sim', 'share'],
        e.matches.map((m) => [m.queryToken ?? `#${m.queryIndex}`, m.docToken ?? `#${m.docIndex}`, m.similarity.toFixed(3), `${(m.share * 100).toFixed(1)}%`]),
      ),
    );
  });
  const stages = Object.entries(latencyMs)
    .map(([s, ms]) => `${s} ${ms.toFixed(1)} ms`)
    .join(', ');
  console.error(`${hits.length} results (${stages}${'colbert' in latencyMs ? '; colbert includes query encoding' : ''})`);
}

export function register(program: Command): void {
  program
    .command('search')
    .description('search an index (folder or postgres:// URL) with its own model, or through a pipeline (bm25, dense, hybrid, bm25>colbert, ...)')
    .argument('<dir>', 'index folder or postgres:// URL')
    .argument('<query>', 'query text')
    .option('-k, --k <n>', `number of results, 1 to ${MAX_K}`, '10')
    .option(
      '--pipeline <spec>',
      'preset (colbert, bm25, dense, bm25>colbert, dense>colbert, hybrid, colbert>cross-encoder) or a spec like "bm25:200+dense:200>colbert:50"',
    )
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
        ...(opts.pipeline !== undefined && usesMuvera(opts.pipeline) ? { muvera: true } : {}),
      });
      try {
        const { hits, latencyMs } = opts.pipeline !== undefined ? await pipelineSearch(collection, queryText, opts) : await indexSearch(index, queryText, opts);
        if (opts.explain && hits.length > 0 && hits.every((h) => !h.explanation))
          console.error('no ColBERT stage scored these hits, so there is nothing to explain');
        if (opts.json) {
          printJson({
            query: queryText,
            ...(opts.pipeline ? { pipeline: opts.pipeline } : {}),
            latencyMs: Object.fromEntries(Object.entries(latencyMs).map(([s, ms]) => [s, Number(ms.toFixed(2))])),
            hits: hits.map(({ explanation: e, ...h }) => ({
              ...h,
              ...(e ? { explanation: { raw: e.raw, normalized: e.normalized, matches: e.matches } } : {}),
            })),
          });
          return;
        }
        printHits(hits, latencyMs);
      } finally {
        await collection.close();
      }
    });
}
