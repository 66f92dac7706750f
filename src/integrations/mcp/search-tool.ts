/** The `search` tool: an index's ColBERT search or a pipeline, with k, a metadata filter and explanations. */
import { performance } from 'node:perf_hooks';
import { ErrorCodes, TartanError } from '../../core/errors.js';
import { checkK } from '../../core/result-count.js';
import type { MetadataFilter } from '../../stores/types.js';
import type { RankedHit } from '../../retrieval/pipeline.js';
import type { ServedIndexes } from './served-indexes.js';
import { explanationJson, searchText, type ToolHit } from './format.js';
import type { ToolOutput } from './tool-output.js';

/** Arguments of the search tool (see schemas.ts). */
export interface SearchArgs {
  query: string;
  index?: string;
  k?: number;
  pipeline?: string;
  filter?: Record<string, unknown> | string;
  explain?: boolean;
}

/** `colbert` runs the index's own search; any other preset or spec runs as a pipeline over the collection. */
const DIRECT = 'colbert';

/**
 * The filter as an object: given as one, or as the JSON text `tartan search --filter` takes.
 * @example toFilter('{"year":{"$gte":2000}}') // { year: { $gte: 2000 } }
 */
export function toFilter(filter: SearchArgs['filter']): MetadataFilter | undefined {
  if (filter === undefined) return undefined;
  if (typeof filter !== 'string') return filter as MetadataFilter;
  let parsed: unknown;
  try {
    parsed = JSON.parse(filter);
  } catch {
    throw new TartanError(ErrorCodes.INVALID_FILTER, `filter is not valid JSON: ${filter.slice(0, 200)}; e.g. {"year":{"$gte":2000}}`);
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed))
    throw new TartanError(ErrorCodes.INVALID_FILTER, 'filter must be a JSON object such as {"lang":"en"} or {"year":{"$gte":2000}}');
  return parsed as MetadataFilter;
}

function toolHit(h: RankedHit): ToolHit {
  return {
    id: h.id,
    rank: h.rank,
    score: h.score,
    ...(h.normalizedScore !== undefined ? { normalizedScore: h.normalizedScore } : {}),
    ...(h.stage ? { stage: h.stage } : {}),
    ...(h.text !== undefined ? { text: h.text } : {}),
    ...(h.metadata ? { metadata: h.metadata } : {}),
    ...(h.explanation ? { explanation: explanationJson(h.explanation, false) } : {}),
  };
}

/** Runs a search; `maxExplained` caps how many hits are explained. */
export async function runSearch(indexes: ServedIndexes, args: SearchArgs, maxExplained: number): Promise<ToolOutput> {
  const entry = indexes.get(args.index);
  const k = checkK(args.k ?? 10);
  const filter = toFilter(args.filter);
  const pipeline = args.pipeline?.trim() || DIRECT;
  const options = { k, ...(filter ? { filter } : {}), ...(args.explain ? { explain: maxExplained } : {}) };
  let hits: RankedHit[];
  let latencyMs: Record<string, number>;
  if (pipeline === DIRECT) {
    const started = performance.now();
    hits = await entry.collection.index.search(args.query, options);
    latencyMs = { colbert: performance.now() - started };
  } else {
    ({ hits, latencyMs } = await entry.collection.search(args.query, { ...options, pipeline }));
  }
  const toolHits = hits.map(toolHit);
  let text = searchText(entry.name, pipeline, toolHits);
  if (args.explain && hits.length > 0 && hits.every((h) => !h.explanation)) text += '\n\n(no ColBERT stage scored these hits, so there is nothing to explain)';
  else if (args.explain && hits.length > maxExplained) text += `\n\n(the first ${maxExplained} hits are explained)`;
  return {
    text,
    structured: {
      index: entry.name,
      query: args.query,
      pipeline,
      latencyMs: Object.fromEntries(Object.entries(latencyMs).map(([s, ms]) => [s, Number(ms.toFixed(2))])),
      hits: toolHits,
    },
  };
}
