/** Seeded pseudo-random numbers, so k-means builds, synthetic data and benchmarks are reproducible. */

/** mulberry32: a small, fast seeded PRNG returning floats in [0, 1). */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** rows x dim values drawn from [-1, 1), each row L2-normalised like encoder output unless `normalise` is false. */
export function randomRows(rand: () => number, rows: number, dim: number, normalise = true): Float32Array {
  const out = new Float32Array(rows * dim);
  for (let r = 0; r < rows; r++) {
    let n = 0;
    for (let k = 0; k < dim; k++) {
      const v = rand() * 2 - 1;
      out[r * dim + k] = v;
      n += v * v;
    }
    if (normalise && n > 0) {
      const inv = 1 / Math.sqrt(n);
      for (let k = 0; k < dim; k++) out[r * dim + k] *= inv;
    }
  }
  return out;
}
