/** Test data: clustered unit vectors packed as token matrices, and temp folders. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TokenMatrix, TokenMatrixBatch } from '../../../src/core/tensors.js';
import { seededRandom } from '../../../src/plaid/kmeans.js';

export function tempDir(t: { after: (fn: () => void) => void }, prefix = 'tartan-idx-'): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

function gaussian(rand: () => number): number {
  return Math.sqrt(-2 * Math.log(rand() + 1e-12)) * Math.cos(2 * Math.PI * rand());
}

/** `docs` documents of `minRows..maxRows` unit vectors drawn around `topics` random centres (noise sigma). */
export function clusteredBatch(
  docs: number,
  dim: number,
  options: { minRows?: number; maxRows?: number; topics?: number; noise?: number; seed?: number } = {},
): TokenMatrixBatch {
  const rand = seededRandom(options.seed ?? 1);
  const topics = options.topics ?? 64,
    noise = options.noise ?? 0.35;
  const minRows = options.minRows ?? 8,
    maxRows = options.maxRows ?? 40;
  const centres = new Float32Array(topics * dim).map(() => gaussian(rand));
  const offsets = new Uint32Array(docs + 1);
  for (let i = 0; i < docs; i++) offsets[i + 1] = offsets[i] + minRows + Math.floor(rand() * (maxRows - minRows + 1));
  const data = new Float32Array(offsets[docs] * dim);
  for (let r = 0; r < offsets[docs]; r++) {
    const c = Math.floor(rand() * topics);
    let n = 0;
    for (let d = 0; d < dim; d++) {
      const v = centres[c * dim + d] / Math.sqrt(dim) + (noise * gaussian(rand)) / Math.sqrt(dim);
      data[r * dim + d] = v;
      n += v * v;
    }
    const inv = 1 / Math.sqrt(n);
    for (let d = 0; d < dim; d++) data[r * dim + d] *= inv;
  }
  return { data, offsets, dim };
}

/** A query: `rows` vectors taken (with noise) from a document's rows. */
export function queryFrom(batch: TokenMatrixBatch, doc: number, rows: number, seed: number): TokenMatrix {
  const rand = seededRandom(seed);
  const dim = batch.dim;
  const start = batch.offsets[doc],
    len = batch.offsets[doc + 1] - start;
  const data = new Float32Array(rows * dim);
  for (let r = 0; r < rows; r++) {
    const src = start + Math.floor(rand() * len);
    let n = 0;
    for (let d = 0; d < dim; d++) {
      const v = batch.data[src * dim + d] + (0.5 * gaussian(rand)) / Math.sqrt(dim);
      data[r * dim + d] = v;
      n += v * v;
    }
    for (let d = 0; d < dim; d++) data[r * dim + d] /= Math.sqrt(n);
  }
  return { data, rows, dim };
}

/** Exact MaxSim in plain loops, written independently of the code under test. */
export function exactScores(query: TokenMatrix, batch: TokenMatrixBatch): number[] {
  const out: number[] = [];
  for (let i = 0; i + 1 < batch.offsets.length; i++) {
    let total = 0;
    for (let q = 0; q < query.rows; q++) {
      let best = -Infinity;
      for (let t = batch.offsets[i]; t < batch.offsets[i + 1]; t++) {
        let s = 0;
        for (let d = 0; d < query.dim; d++) s += query.data[q * query.dim + d] * batch.data[t * batch.dim + d];
        best = Math.max(best, s);
      }
      total += best;
    }
    out.push(total);
  }
  return out;
}

/** Ids of the top k of scores (ties by lower index). */
export function topIds(scores: number[], k: number, id: (i: number) => string = (i) => `d${i}`): string[] {
  return scores
    .map((s, i) => [s, i] as const)
    .sort((a, b) => b[0] - a[0] || a[1] - b[1])
    .slice(0, k)
    .map(([, i]) => id(i));
}
