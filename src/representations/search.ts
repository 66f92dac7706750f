/**
 * Search over one multi-vector representation held in memory: poly-encoder codes (M vectors per
 * document) or MUVERA fixed-dimensional encodings (one long vector per document, optionally
 * followed by exact MaxSim over the original vectors of the best candidates). Shared by
 * `tartan eval --vectors --representation` and `tartan bench search --representation`, so both
 * measure the same thing. The token index (`colbert`) is the store's job, not this module's.
 */
import { ErrorCodes, TartanError } from '../core/errors.js';
import type { TokenMatrix, TokenMatrixBatch } from '../core/tensors.js';
import { maxsim } from '../scoring/maxsim.js';
import { topK } from '../scoring/topk.js';
import { dotScan } from '../scoring/dot-scan.js';
import { HnswGraph, hnswUnavailable } from '../scoring/hnsw-graph.js';
import { FdeEncoder, parseFdeParams, type FdeParams } from './fde.js';
import { learnCodeQueries, MAX_CODES, polyCodesBatch, polyCodesOf, polyScores, type PolyScoring } from './poly.js';

/** A representation searched in memory. */
export type RepresentationSpec =
  | { kind: 'poly'; codes: number; scoring?: PolyScoring; temperature?: number }
  | {
      kind: 'muvera';
      params?: Partial<FdeParams>;
      rerank?: number;
      /** Candidate generation: `exact` (dot product with every FDE, the default) or `hnsw` (usearch's graph). */
      ann?: 'exact' | 'hnsw';
    };

/** Encodings computed once and shared by variants that differ only in scoring or rerank: FDEs and poly codes, by parameters. */
export type EncodingCache = Map<string, Float32Array | TokenMatrixBatch>;

/** A built representation: its search and what it holds. */
export interface RepresentationSearch {
  /** e.g. `poly:16 (maxsim)` or `muvera k_sim=5 dim_proj=16 r_reps=20 > exact MaxSim of 100`. */
  readonly name: string;
  /** Bytes of the representation's arrays (float32), all documents. */
  readonly bytes: number;
  /** Bytes of the original vectors kept for the exact rerank (float32); 0 without one. */
  readonly rerankBytes: number;
  /** The k best documents (indices into the batch) with their scores, best first. */
  search(query: TokenMatrix, k: number): Array<[doc: number, score: number]>;
  /** The representation's own score of every document (before any rerank), e.g. to correlate with exact MaxSim. */
  scoreAll(query: TokenMatrix): Float32Array;
}

/**
 * The variants one `--representation` value is measured in, the one a user would deploy first:
 * `poly:<M>` (MaxSim over the codes, then the poly-encoder's attention scoring) and
 * `muvera[:k_sim=..,dim_proj=..,r_reps=..,seed=..]` (followed by exact MaxSim over `rerank`
 * candidates, then the FDE ranking alone, then, where usearch loads, HNSW candidates followed by
 * the same rerank). `colbert`, the token index, is not one of them.
 * @example representationVariants('poly:16') // [{ kind: 'poly', codes: 16, scoring: 'maxsim' }, { ..., scoring: 'attention' }]
 */
export function representationVariants(text: string, options: { rerank?: number } = {}): RepresentationSpec[] {
  const colon = text.indexOf(':');
  const kind = colon < 0 ? text : text.slice(0, colon);
  const rest = colon < 0 ? '' : text.slice(colon + 1);
  if (kind === 'poly') {
    const codes = polyCodesOf(text);
    if (codes === undefined)
      throw new TartanError(ErrorCodes.INVALID_ARGUMENT, `representation poly:<M> needs M from 1 to ${MAX_CODES}, got "${text}" (e.g. poly:16)`);
    return [
      { kind: 'poly', codes, scoring: 'maxsim' },
      { kind: 'poly', codes, scoring: 'attention' },
    ];
  }
  if (kind === 'muvera') {
    const params = parseFdeParams(rest);
    const rerank = options.rerank ?? 100;
    if (!Number.isInteger(rerank) || rerank < 1)
      throw new TartanError(ErrorCodes.INVALID_ARGUMENT, `the MUVERA rerank needs a positive number of candidates, got ${rerank}`);
    const variants: RepresentationSpec[] = [
      { kind: 'muvera', params, rerank },
      { kind: 'muvera', params, rerank: 0 },
    ];
    if (hnswUnavailable() === undefined) variants.push({ kind: 'muvera', params, rerank, ann: 'hnsw' });
    return variants;
  }
  throw new TartanError(
    ErrorCodes.INVALID_ARGUMENT,
    `representation must be poly:<M> (M 1-${MAX_CODES}) or muvera[:k_sim=5,dim_proj=16,r_reps=20,seed=42], got "${text}"`,
  );
}

const pairs = (t: { indices: Uint32Array; scores: Float32Array }): Array<[number, number]> =>
  Array.from(t.indices, (doc, i) => [doc, t.scores[i]] as [number, number]);

/** Exact float32 MaxSim of `query` over the listed documents of `docs`; returns [doc, score] best first. */
function exactRerank(query: TokenMatrix, docs: TokenMatrixBatch, candidates: readonly number[], k: number): Array<[number, number]> {
  let rows = 0;
  for (const d of candidates) rows += docs.offsets[d + 1] - docs.offsets[d];
  const data = new Float32Array(rows * docs.dim);
  const offsets = new Uint32Array(candidates.length + 1);
  candidates.forEach((d, i) => {
    const from = docs.offsets[d] * docs.dim,
      to = docs.offsets[d + 1] * docs.dim;
    data.set(docs.data.subarray(from, to), offsets[i] * docs.dim);
    offsets[i + 1] = offsets[i] + (docs.offsets[d + 1] - docs.offsets[d]);
  });
  const { raw } = maxsim(query, { dtype: 'f32', data, offsets, dim: docs.dim });
  return pairs(topK(raw, k)).map(([i, s]) => [candidates[i], s]);
}

/**
 * Builds the representation of every document of `docs`.
 * @example
 * const s = buildRepresentationSearch(collection.docs, { kind: 'muvera', rerank: 100 });
 * s.search(queryMatrix, 10); // [[docIndex, score], ...]
 */
export function buildRepresentationSearch(
  docs: TokenMatrixBatch,
  spec: RepresentationSpec,
  options: {
    seed?: number;
    /** Encodings already computed for these documents, by parameters: variants that differ only in scoring or rerank share one. */
    cache?: EncodingCache;
  } = {},
): RepresentationSearch {
  const n = docs.offsets.length - 1;
  if (n < 1) throw new TartanError(ErrorCodes.INVALID_ARGUMENT, 'a representation needs at least one document');
  if (spec.kind === 'poly') {
    const scoring = spec.scoring ?? 'maxsim';
    const key = `poly:${spec.codes}:${spec.temperature ?? ''}:${options.seed ?? ''}`;
    const cached = options.cache?.get(key);
    let codes: TokenMatrixBatch;
    if (cached !== undefined && !(cached instanceof Float32Array)) codes = cached;
    else {
      const queries = learnCodeQueries(docs.data.subarray(0, docs.offsets[n] * docs.dim), docs.dim, spec.codes, { seed: options.seed });
      codes = polyCodesBatch(docs, queries, spec.temperature);
      options.cache?.set(key, codes);
    }
    return {
      name: `poly:${spec.codes} (${scoring})`,
      bytes: codes.data.byteLength,
      rerankBytes: 0,
      // MaxSim over the codes is the token kernel over M rows per document (native where built).
      scoreAll: (query) => (scoring === 'maxsim' ? maxsim(query, { dtype: 'f32', ...codes }).raw : polyScores(query, codes, scoring, spec.temperature)),
      search(query, k) {
        return pairs(topK(this.scoreAll(query), k));
      },
    };
  }
  const encoder = new FdeEncoder(docs.dim, spec.params);
  const key = JSON.stringify(encoder.params);
  const cached = options.cache?.get(key);
  const fde = cached instanceof Float32Array ? cached : encoder.encodeDocuments(docs);
  options.cache?.set(key, fde);
  const rerank = spec.rerank ?? 0;
  const p = encoder.params;
  const graph = spec.ann === 'hnsw' ? new HnswGraph(encoder.outputDim) : undefined;
  graph?.add(
    Uint32Array.from({ length: n }, (_, i) => i),
    fde,
  );
  const label = `muvera k_sim=${p.kSim} dim_proj=${p.dimProj} r_reps=${p.rReps}${graph ? ' (HNSW)' : ''}`;
  return {
    name: rerank > 0 ? `${label} > exact MaxSim of ${rerank}` : label,
    bytes: fde.byteLength,
    rerankBytes: rerank > 0 ? docs.offsets[n] * docs.dim * 4 : 0,
    scoreAll: (query) => dotScan(fde, encoder.outputDim, encoder.encodeQuery(query), new Float32Array(n)),
    search(query, k) {
      const want = Math.max(k, rerank);
      let first: { keys: Uint32Array; scores: Float32Array };
      if (graph) first = graph.search(encoder.encodeQuery(query), want);
      else {
        const best = topK(this.scoreAll(query), want);
        first = { keys: best.indices, scores: best.scores };
      }
      if (rerank <= 0) return Array.from(first.keys.subarray(0, k), (doc, i) => [doc, first.scores[i]] as [number, number]);
      return exactRerank(query, docs, Array.from(first.keys), k);
    },
  };
}
