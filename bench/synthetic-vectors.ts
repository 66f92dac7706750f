/**
 * Clustered random token vectors for benchmarks without a model: each token
 * is a noisy copy of one of `topics` random directions, each document draws
 * its tokens from a few topics (as real documents do), every row unit norm.
 * Generation is seeded per chunk, so a collection of any size can be produced
 * chunk by chunk (and reproduced for ground truth) without holding it all.
 */
import type { TokenMatrixBatch } from '../src/core/tensors.js';
import { seededRandom } from '../src/plaid/kmeans.js';

export interface SyntheticSpec {
  dim: number;
  topics: number;
  noise: number;
  seed: number;
  meanRows: number;
}

function gaussian(rand: () => number): number {
  return Math.sqrt(-2 * Math.log(rand() + 1e-12)) * Math.cos(2 * Math.PI * rand());
}

/** The topic directions of a spec (topics x dim, unit rows). */
export function topicCentres(spec: SyntheticSpec): Float32Array {
  const rand = seededRandom(spec.seed);
  const c = new Float32Array(spec.topics * spec.dim);
  for (let t = 0; t < spec.topics; t++) {
    let n = 0;
    for (let d = 0; d < spec.dim; d++) {
      const v = gaussian(rand);
      c[t * spec.dim + d] = v;
      n += v * v;
    }
    for (let d = 0; d < spec.dim; d++) c[t * spec.dim + d] /= Math.sqrt(n);
  }
  return c;
}

/**
 * Documents of chunk `chunk` (deterministic): `docs` documents of meanRows/2..3*meanRows/2 rows.
 * @example const batch = syntheticChunk(spec, centres, 0, 1000);
 */
export function syntheticChunk(spec: SyntheticSpec, centres: Float32Array, chunk: number, docs: number): TokenMatrixBatch {
  const rand = seededRandom(spec.seed * 7919 + chunk + 1);
  const dim = spec.dim;
  const offsets = new Uint32Array(docs + 1);
  for (let i = 0; i < docs; i++) offsets[i + 1] = offsets[i] + Math.max(1, Math.round(spec.meanRows * (0.5 + rand())));
  const data = new Float32Array(offsets[docs] * dim);
  const sigma = spec.noise / Math.sqrt(dim);
  for (let i = 0; i < docs; i++) {
    const docTopics = [0, 1, 2, 3].map(() => Math.floor(rand() * spec.topics));
    for (let r = offsets[i]; r < offsets[i + 1]; r++) {
      const t = docTopics[Math.floor(rand() * docTopics.length)];
      let n = 0;
      for (let d = 0; d < dim; d++) {
        const v = centres[t * dim + d] + sigma * gaussian(rand);
        data[r * dim + d] = v;
        n += v * v;
      }
      const inv = 1 / Math.sqrt(n);
      for (let d = 0; d < dim; d++) data[r * dim + d] *= inv;
    }
  }
  return { data, offsets, dim };
}

/** `count` queries of `rows` rows, each a noisy sample of one document's rows (so each query has a true target). */
export function syntheticQueries(source: TokenMatrixBatch, count: number, rows: number, seed: number): TokenMatrixBatch {
  const rand = seededRandom(seed);
  const dim = source.dim,
    docs = source.offsets.length - 1;
  const offsets = Uint32Array.from({ length: count + 1 }, (_, i) => i * rows);
  const data = new Float32Array(count * rows * dim);
  const sigma = 0.6 / Math.sqrt(dim);
  for (let q = 0; q < count; q++) {
    const doc = Math.floor(rand() * docs);
    const start = source.offsets[doc],
      len = source.offsets[doc + 1] - start;
    for (let r = 0; r < rows; r++) {
      const src = start + Math.floor(rand() * len),
        o = (q * rows + r) * dim;
      let n = 0;
      for (let d = 0; d < dim; d++) {
        const v = source.data[src * dim + d] + sigma * gaussian(rand);
        data[o + d] = v;
        n += v * v;
      }
      for (let d = 0; d < dim; d++) data[o + d] /= Math.sqrt(n);
    }
  }
  return { data, offsets, dim };
}

/** The spec of `bench search --synthetic-tokens` (clustered like ColBERT tokens, 250 rows per document on average). */
export function benchSpec(dim: number): SyntheticSpec {
  return { dim, topics: 2048, noise: 0.9, seed: 7, meanRows: 250 };
}

/** Documents per generated chunk (about a million tokens). */
export const CHUNK_DOCS = 4000;

/**
 * The chunks of a `tokens`-token collection, in order: every benchmark that says `--synthetic-tokens N`
 * sees the same documents, whether it streams them (the token index) or holds them (see below).
 */
export function* syntheticChunks(tokens: number, dim: number): Generator<TokenMatrixBatch> {
  const spec = benchSpec(dim);
  const centres = topicCentres(spec);
  const total = Math.max(1, Math.round(tokens / spec.meanRows));
  for (let chunk = 0, done = 0; done < total; chunk++) {
    const n = Math.min(CHUNK_DOCS, total - done);
    yield syntheticChunk(spec, centres, chunk, n);
    done += n;
  }
}

/** {@link syntheticChunks} as one batch, and `queries` queries drawn from the first chunk (as the streamed benchmark draws them). */
export function syntheticBatch(tokens: number, dim: number, queries: number): { docs: TokenMatrixBatch; queries: TokenMatrixBatch } {
  const chunks = [...syntheticChunks(tokens, dim)];
  const docCount = chunks.reduce((s, c) => s + c.offsets.length - 1, 0);
  const offsets = new Uint32Array(docCount + 1);
  const data = new Float32Array(chunks.reduce((s, c) => s + c.data.length, 0));
  let doc = 0;
  for (const c of chunks) {
    const base = offsets[doc];
    data.set(c.data, base * dim);
    for (let i = 1; i < c.offsets.length; i++) offsets[doc + i] = base + c.offsets[i];
    doc += c.offsets.length - 1;
  }
  return { docs: { data, offsets, dim }, queries: syntheticQueries(chunks[0], queries, 32, 99) };
}
