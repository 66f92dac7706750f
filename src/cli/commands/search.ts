/** `tartan search <dir> "<query>"`: top-k documents with scores, optionally filtered and explained. */
import { Command } from 'commander';
import { formatTable, printJson } from '../output.js';
import { ErrorCodes, TartanError } from '../../errors.js';
import { Index } from '../../index/index.js';
import { explainHit } from '../../index/explain-hit.js';
import type { MetadataFilter, StoreSearchOptions } from '../../stores/types.js';

interface SearchOptions { k: string; json?: boolean; explain?: boolean; filter?: string; nprobe?: string; ndocs?: string }

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

export function register(program: Command): void {
  program
    .command('search')
    .description('search an index (folder or postgres:// URL) with its own model')
    .argument('<dir>', 'index folder or postgres:// URL')
    .argument('<query>', 'query text')
    .option('-k, --k <n>', 'number of results', '10')
    .option('--filter <json>', 'metadata filter, e.g. \'{"lang":"en","year":{"$gte":2000}}\' or \'{"tag":{"$in":["a","b"]}}\'')
    .option('--nprobe <n>', 'centroids probed per query token (plaid)')
    .option('--ndocs <n>', 'candidates scored exactly (plaid)')
    .option('--explain', 'show which query token matched which document token')
    .option('--json', 'print JSON')
    .action(async (dir: string, queryText: string, opts: SearchOptions) => {
      const index = await Index.open(dir);
      try {
        const search: StoreSearchOptions = { k: positive('k', opts.k) };
        const filter = parseFilter(opts.filter);
        if (filter) search.filter = filter;
        const nprobe = positive('nprobe', opts.nprobe), ndocs = positive('ndocs', opts.ndocs);
        if (nprobe) search.nprobe = nprobe;
        if (ndocs) search.ndocs = ndocs;
        const query = await index.encodeQuery(queryText);
        const started = performance.now();
        const hits = await index.store.search(query, search);
        const ms = performance.now() - started;
        const explanations = opts.explain ? await Promise.all(hits.map((h) => explainHit(index.encoder, queryText, query, h))) : [];
        if (opts.json) {
          printJson({
            query: queryText, ms: Number(ms.toFixed(2)),
            hits: hits.map((h, i) => ({ ...h, ...(opts.explain ? { explanation: explanations[i] && { raw: explanations[i]!.raw, normalized: explanations[i]!.normalized, matches: explanations[i]!.matches } } : {}) })),
          });
          return;
        }
        if (hits.length === 0) { console.log('no results'); return; }
        const snippet = (t?: string) => (t ?? '').replace(/\s+/g, ' ').slice(0, 70);
        console.log(formatTable(['rank', 'id', 'score', 'norm', 'text'], hits.map((h) => [h.rank, h.id, h.score.toFixed(3), h.normalizedScore.toFixed(3), snippet(h.text)])));
        hits.forEach((h, i) => {
          const e = explanations[i];
          if (!e) return;
          console.log(`\n#${h.rank} ${h.id}: query token -> best document token (similarity, share)`);
          console.log(formatTable(['query', 'document', 'sim', 'share'], e.matches.map((m) => [m.queryToken ?? `#${m.queryIndex}`, m.docToken ?? `#${m.docIndex}`, m.similarity.toFixed(3), `${(m.share * 100).toFixed(1)}%`])));
        });
        console.error(`${hits.length} results in ${ms.toFixed(1)} ms (query encoding excluded)`);
      } finally {
        await index.close();
      }
    });
}
