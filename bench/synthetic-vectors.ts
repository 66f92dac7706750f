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
