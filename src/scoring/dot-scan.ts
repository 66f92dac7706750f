/**
 * One query vector against many stored vectors: out[i] = query . row i. Four independent sums per
 * row let the loop run near the scalar FMA rate in V8 (one chained sum waits on every add); the
 * MaxSim kernels pad a single query row to a block of 16-32 rows, so they would do that work 16-32
 * times over for this shape.
 */

/**
 * Dot products of `query` with rows `rows[i]` (or rows 0..n-1) of the packed `data` (`dim` floats per row).
 * @example dotScan(vectors, 768, query, new Float32Array(count)) // scores[i] = query . vectors row i
 */
export function dotScan(data: Float32Array, dim: number, query: Float32Array, out: Float32Array, rows?: ArrayLike<number>): Float32Array {
  const n = out.length;
  const tail = dim - (dim % 4);
  for (let i = 0; i < n; i++) {
    const base = (rows ? rows[i] : i) * dim;
    let s0 = 0,
      s1 = 0,
      s2 = 0,
      s3 = 0;
    for (let j = 0; j < tail; j += 4) {
      s0 += query[j] * data[base + j];
      s1 += query[j + 1] * data[base + j + 1];
      s2 += query[j + 2] * data[base + j + 2];
      s3 += query[j + 3] * data[base + j + 3];
    }
    for (let j = tail; j < dim; j++) s0 += query[j] * data[base + j];
    out[i] = s0 + s1 + (s2 + s3);
  }
  return out;
}
