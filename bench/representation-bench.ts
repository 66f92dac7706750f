/**
 * `tartan bench search --representation poly:<M>|muvera[:params]`: the seeds' other multi-vector
 * representations measured on the same vectors as the token index: recall@10 against exact MaxSim
 * over the original float32 vectors, search latency (query encoding excluded), bytes per document
 * and build time. Each representation reports its variants (poly: attention and MaxSim scoring;
 * MUVERA: the FDE ranking alone and followed by an exact MaxSim rerank); the headline is the one
 * a user would deploy (poly: MaxSim over the codes; MUVERA: with the rerank).
 */
import { cpus, loadavg } from 'node:os';
import type { EncodedCollection } from '../src/core/vectors-file.js';
import { matrixAt, type TokenMatrix } from '../src/core/tensors.js';
import { buildRepresentationSearch, representationVariants, type EncodingCache } from '../src/representations/search.js';
import { maxsim } from '../src/scoring/maxsim.js';
import { topK } from '../src/scoring/topk.js';

/** One variant's figures. */
export interface RepresentationVariant {
  variant: string;
  recall_at_10: number;
  p50_ms: number;
  p95_ms: number;
  /** The representation's own arrays per document (float32, all in memory while searching). */
  bytes_per_document: number;
  /** The original vectors per document that the exact rerank reads (float32); 0 without a rerank. */
  rerank_bytes_per_document: number;
  build_seconds: number;
  /**
   * Mean over queries of the Pearson correlation between the representation's own scores (before any
   * rerank) and exact MaxSim over the original vectors, across every document: how well it tracks MaxSim.
   */
  score_correlation: number;
}

export interface RepresentationReport extends RepresentationVariant {
  machine: { cpu: string; cores: number; node: string; loadavg: number[] };
  source: string;
  representation: string;
  documents: number;
  tokens: number;
  queries: number;
  dim: number;
  variants: RepresentationVariant[];
}

const round = (x: number, d = 3) => Number(x.toFixed(d));

/** Pearson correlation of two equally long score arrays (0 when either is constant). */
export function pearson(a: ArrayLike<number>, b: ArrayLike<number>): number {
  const n = a.length;
  let ma = 0,
    mb = 0;
  for (let i = 0; i < n; i++) {
    ma += a[i];
    mb += b[i];
  }
  ma /= n;
  mb /= n;
  let ab = 0,
    aa = 0,
    bb = 0;
  for (let i = 0; i < n; i++) {
    ab += (a[i] - ma) * (b[i] - mb);
    aa += (a[i] - ma) ** 2;
    bb += (b[i] - mb) ** 2;
  }
  return aa > 0 && bb > 0 ? ab / Math.sqrt(aa * bb) : 0;
}
const quantile = (xs: number[], q: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? s[Math.min(s.length - 1, Math.floor(q * s.length))] : 0;
};

/** Exact MaxSim of each query over every document: the truth every representation is measured against. */
export interface ExactTruth {
  queries: TokenMatrix[];
  scores: Float32Array[];
  top10: Array<Set<number>>;
  seconds: number;
}

/** Computes {@link ExactTruth} once for a collection (the cost at 10M tokens is worth sharing between representations). */
export function exactTruth(c: EncodedCollection, o: { maxQueries?: number; log?: (line: string) => void } = {}): ExactTruth {
  const t0 = performance.now();
  const queries: TokenMatrix[] = Array.from({ length: Math.min(o.maxQueries ?? 300, c.queries.offsets.length - 1) }, (_, i) => matrixAt(c.queries, i));
  o.log?.(`exact MaxSim ground truth: ${queries.length} queries x ${c.docIds.length} documents`);
  // One exact pass per query serves both the top-10 truth and the score correlation.
  const scores = queries.map((q) => maxsim(q, { dtype: 'f32', ...c.docs }).raw);
  return { queries, scores, top10: scores.map((raw) => new Set(topK(raw, 10).indices)), seconds: round((performance.now() - t0) / 1000, 2) };
}

/** Measures one representation (all its variants) on encoded vectors; `truth` from {@link exactTruth} (computed when absent). */
export function benchRepresentation(
  c: EncodedCollection,
  text: string,
  o: { maxQueries?: number; rerank?: number; seed?: number; truth?: ExactTruth; log?: (line: string) => void } = {},
): RepresentationReport {
  const specs = representationVariants(text, { rerank: o.rerank });
  const n = c.docIds.length;
  const { queries, scores: exactScores, top10: truth } = o.truth ?? exactTruth(c, o);
  const variants: RepresentationVariant[] = [];
  const cache: EncodingCache = new Map();
  for (const spec of specs) {
    const t0 = performance.now();
    const search = buildRepresentationSearch(c.docs, spec, { seed: o.seed, cache });
    // A variant that reuses another's encodings reports that build time too, not ~0.
    const build = (performance.now() - t0) / 1000 + (variants.length > 0 ? variants[0].build_seconds : 0);
    search.search(queries[0], 10); // warm-up
    const times: number[] = [];
    let hit = 0,
      total = 0;
    for (let q = 0; q < queries.length; q++) {
      const t = performance.now();
      const hits = search.search(queries[q], 10);
      times.push(performance.now() - t);
      hit += hits.filter(([doc]) => truth[q].has(doc)).length;
      total += truth[q].size;
    }
    let correlation = 0;
    for (let q = 0; q < queries.length; q++) correlation += pearson(search.scoreAll(queries[q]), exactScores[q]);
    const v: RepresentationVariant = {
      variant: search.name,
      recall_at_10: round(hit / Math.max(1, total), 4),
      p50_ms: round(quantile(times, 0.5)),
      p95_ms: round(quantile(times, 0.95)),
      bytes_per_document: round(search.bytes / n, 1),
      rerank_bytes_per_document: round(search.rerankBytes / n, 1),
      build_seconds: round(build, 2),
      score_correlation: round(correlation / Math.max(1, queries.length)),
    };
    o.log?.(
      `${v.variant}: recall@10 ${v.recall_at_10}, p50 ${v.p50_ms} ms, ${v.bytes_per_document} bytes/document, build ${v.build_seconds} s, correlation with MaxSim ${v.score_correlation}`,
    );
    variants.push(v);
  }
  return {
    machine: { cpu: cpus()[0]?.model ?? 'unknown', cores: cpus().length, node: process.version, loadavg: loadavg().map((x) => round(x, 2)) },
    source: c.model === 'synthetic' ? 'synthetic clustered tokens' : `vectors (${c.model})`,
    representation: text,
    documents: n,
    tokens: c.docs.offsets[n],
    queries: queries.length,
    dim: c.dim,
    ...variants[0],
    variants,
  };
}
