/** Seeded random token matrices for the scoring tests (reproducible failures). */
import type { TokenMatrix } from '../../src/core/tensors.js';
import type { F32Documents } from '../../src/scoring/types.js';

import { randomRows } from '../../src/core/random.js';

export { seededRandom as rng, randomRows } from '../../src/core/random.js';

export function randomQuery(rand: () => number, rows: number, dim: number): TokenMatrix {
  return { data: randomRows(rand, rows, dim), rows, dim };
}

/** Documents with the given row counts, packed as float32. */
export function randomDocs(rand: () => number, lengths: readonly number[], dim: number): F32Documents {
  const offsets = new Uint32Array(lengths.length + 1);
  lengths.forEach((l, i) => (offsets[i + 1] = offsets[i] + l));
  return { dtype: 'f32', data: randomRows(rand, offsets[lengths.length], dim), offsets, dim };
}

/** Plain-loop MaxSim (sum of max) in float64: the independent oracle of the tests. */
export function oracleSumOfMax(q: Float32Array, qrows: number, docs: Float32Array, offsets: Uint32Array, dim: number): number[] {
  const out: number[] = [];
  for (let i = 0; i + 1 < offsets.length; i++) {
    let total = 0;
    if (offsets[i + 1] > offsets[i]) {
      for (let a = 0; a < qrows; a++) {
        let best = -Infinity;
        for (let r = offsets[i]; r < offsets[i + 1]; r++) {
          let s = 0;
          for (let k = 0; k < dim; k++) s += q[a * dim + k] * docs[r * dim + k];
          best = Math.max(best, s);
        }
        total += best;
      }
    }
    out.push(total);
  }
  return out;
}

/** {@link oracleSumOfMax} of one query against one document given as token matrices. */
export function oracleMaxSim(q: TokenMatrix, d: TokenMatrix): number {
  return oracleSumOfMax(q.data, q.rows, d.data, Uint32Array.of(0, d.rows), q.dim)[0];
}
