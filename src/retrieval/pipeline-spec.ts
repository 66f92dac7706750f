/**
 * Pipeline specifications: a small grammar and the named presets.
 *
 *   spec   := first ('>' rerank)*
 *   first  := stage ('+' stage)*        several first stages are fused
 *   stage  := name (':' k)?             k = candidates the stage passes on
 *
 * Names: bm25, dense, colbert and any side index the collection holds (first
 * stages); colbert, cross-encoder (rerank).
 * `bm25:200>colbert:20>cross-encoder` retrieves 200 with BM25, keeps the ColBERT
 * top 20, and lets the cross-encoder order the final k.
 */
import { ErrorCodes, TartanError } from '../core/errors.js';
import { checkK } from '../core/result-count.js';

/** A built-in first stage, or the name of a side index. */
export type FirstStageName = 'bm25' | 'dense' | 'colbert' | 'muvera' | (string & {});
export type RerankStageName = 'colbert' | 'cross-encoder';

export interface StageSpec<N extends string> {
  name: N;
  /** Candidates this stage passes on; undefined = the pipeline default (first stages) or the final k (last stage). */
  k?: number;
}

export interface PipelineSpec {
  /** The text the spec was parsed from (or the preset name). */
  name: string;
  first: StageSpec<FirstStageName>[];
  fusion: 'rrf' | 'score';
  rerank: StageSpec<RerankStageName>[];
}

/** The named presets, shared by the API, the CLI, `tartan eval` and the server. */
export const PIPELINE_PRESETS: Readonly<Record<string, string>> = {
  colbert: 'colbert',
  bm25: 'bm25',
  dense: 'dense',
  'bm25>colbert': 'bm25:100>colbert',
  'dense>colbert': 'dense:100>colbert',
  hybrid: 'bm25:100+dense:100+colbert:100',
  'colbert>cross-encoder': 'colbert:100>cross-encoder',
  'muvera>colbert': 'muvera:100>colbert',
};

// muvera: the MUVERA side index (fixed-dimensional encodings), kept when a collection asks for it.
const FIRST = new Set<string>(['bm25', 'dense', 'colbert', 'muvera']);
const RERANK = new Set<string>(['colbert', 'cross-encoder']);

function parseStage<N extends string>(part: string, allowed: Set<string>, where: string, spec: string): StageSpec<N> {
  const m = /^([a-z0-9-]+)(?::(\d+))?$/.exec(part.trim());
  if (!m || !allowed.has(m[1])) {
    throw new TartanError(
      ErrorCodes.UNKNOWN_PIPELINE,
      `"${part.trim()}" is not a ${where} stage in pipeline "${spec}"; ${where} stages are ${[...allowed].join(', ')}; presets are ${Object.keys(PIPELINE_PRESETS).join(', ')}`,
    );
  }
  const k = m[2] !== undefined ? checkK(Number(m[2]), `the k of stage "${part.trim()}" in pipeline "${spec}"`) : undefined;
  return { name: m[1] as N, ...(k !== undefined ? { k } : {}) };
}

/**
 * Parses a preset name or a spec string; `sideStages` names more first stages (a collection's side indexes).
 * @example parsePipeline('hybrid').first.map((s) => s.name) // ['bm25', 'dense', 'colbert']
 */
export function parsePipeline(text: string, fusion: 'rrf' | 'score' = 'rrf', sideStages: Iterable<string> = []): PipelineSpec {
  if (typeof text !== 'string' || text.trim() === '')
    throw new TartanError(ErrorCodes.UNKNOWN_PIPELINE, `empty pipeline; presets are ${Object.keys(PIPELINE_PRESETS).join(', ')}`);
  if (fusion !== 'rrf' && fusion !== 'score')
    throw new TartanError(
      ErrorCodes.INVALID_ARGUMENT,
      `fusion must be "rrf" or "score", got ${typeof fusion === 'string' ? JSON.stringify(fusion) : typeof fusion}`,
    );
  const name = text.trim();
  // Own keys only: "constructor" or "__proto__" must not resolve to Object.prototype members.
  const spec = Object.hasOwn(PIPELINE_PRESETS, name) ? PIPELINE_PRESETS[name] : name;
  const [first, ...rest] = spec.split('>');
  const firstNames = new Set([...FIRST, ...sideStages]);
  return {
    name,
    first: first.split('+').map((p) => parseStage<FirstStageName>(p, firstNames, 'first', name)),
    fusion,
    rerank: rest.map((p) => parseStage<RerankStageName>(p, RERANK, 'rerank', name)),
  };
}

/** The stage names a spec needs, so callers load only those models. */
export function requiredComponents(spec: PipelineSpec): Set<FirstStageName | RerankStageName> {
  return new Set([...spec.first.map((s) => s.name), ...spec.rerank.map((s) => s.name)]);
}
