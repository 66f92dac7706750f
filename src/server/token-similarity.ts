/**
 * Query x document token similarities for the heatmap and the compare view's
 * ColBERT column: a handful of short texts per request, so a direct loop over
 * the packed rows is enough.
 */
import type { TokenMatrix } from '../tensors.js';
import type { TokenMatchExplanation } from './backend.js';

/** Row-major query.rows x doc.rows dot products (cosines: encoder rows are L2-normalised). */
export function similarityMatrix(query: TokenMatrix, doc: TokenMatrix): Float32Array {
  const { dim } = query;
  const out = new Float32Array(query.rows * doc.rows);
  for (let i = 0; i < query.rows; i++) {
    const qo = i * dim;
    for (let j = 0; j < doc.rows; j++) {
      const d = j * dim;
      let s = 0;
      for (let c = 0; c < dim; c++) s += query.data[qo + c] * doc.data[d + c];
      out[i * doc.rows + j] = s;
    }
  }
  return out;
}

/**
 * The explanation of one (query, document) pair: for each query row its best
 * document row and that row's share of the MaxSim sum.
 */
export function explainPair(query: TokenMatrix, doc: TokenMatrix, queryTokens: string[], docTokens: string[]): TokenMatchExplanation & { raw: number } {
  const sim = similarityMatrix(query, doc);
  const best: number[] = [];
  const maxima: number[] = [];
  for (let i = 0; i < query.rows; i++) {
    let bj = -1, bv = -Infinity;
    for (let j = 0; j < doc.rows; j++) if (sim[i * doc.rows + j] > bv) { bv = sim[i * doc.rows + j]; bj = j; }
    best.push(bj);
    maxima.push(bj < 0 ? 0 : bv);
  }
  const raw = maxima.reduce((a, b) => a + b, 0);
  return {
    queryTokens,
    docTokens,
    similarity: Array.from(sim, (v) => Math.round(v * 1e4) / 1e4),
    best,
    share: maxima.map((m) => (raw !== 0 ? m / raw : 0)),
    raw,
  };
}
