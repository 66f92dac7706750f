/** Plain-loop references the representation tests check against (independent of the kernels under test). */
import type { TokenMatrix } from '../../src/core/tensors.js';
import { randomRows } from '../../src/core/random.js';

/** Exact MaxSim: for each query row, the best dot product over the document rows, summed. */
export function exactMaxSim(q: TokenMatrix, d: TokenMatrix): number {
  let total = 0;
  for (let i = 0; i < q.rows; i++) {
    let best = -Infinity;
    for (let j = 0; j < d.rows; j++) {
      let s = 0;
      for (let k = 0; k < q.dim; k++) s += q.data[i * q.dim + k] * d.data[j * d.dim + k];
      if (s > best) best = s;
    }
    total += best;
  }
  return total;
}

/** `rows` random unit rows of dimension `dim`, as a token matrix. */
export function unitMatrix(rand: () => number, rows: number, dim: number): TokenMatrix {
  return { data: randomRows(rand, rows, dim), rows, dim };
}
