/**
 * Eigen-decomposition of a real symmetric matrix: Householder reduction to
 * tridiagonal form, then the implicit QL algorithm (EISPACK tred2/tql2 as in
 * JAMA). O(n^3) in Float64, deterministic.
 */

/** Eigenvalues (descending) and unit eigenvectors (row i of `vectors`, n values, belongs to values[i]). */
export interface SymmetricEigen {
  values: Float64Array;
  vectors: Float64Array;
}

/**
 * Householder tridiagonalisation of the symmetric `w` (n x n, row-major). JAMA's tred2 with every
 * access to its matrix V written as one to w = V^T (the input is symmetric, so w starts as V does),
 * which makes every O(n^3) loop walk a row. On return row i of w is column i of the orthogonal
 * transform, d holds the diagonal and e[1..n-1] the sub-diagonal.
 */
function tred2(w: Float64Array, n: number, d: Float64Array, e: Float64Array): void {
  for (let j = 0; j < n; j++) d[j] = w[j * n + n - 1];
  for (let i = n - 1; i > 0; i--) {
    let scale = 0,
      h = 0;
    for (let k = 0; k < i; k++) scale += Math.abs(d[k]);
    if (scale === 0) {
      e[i] = d[i - 1];
      for (let j = 0; j < i; j++) {
        d[j] = w[j * n + i - 1];
        w[j * n + i] = 0;
        w[i * n + j] = 0;
      }
    } else {
      for (let k = 0; k < i; k++) {
        d[k] /= scale;
        h += d[k] * d[k];
      }
      let f = d[i - 1];
      let g = f > 0 ? -Math.sqrt(h) : Math.sqrt(h);
      e[i] = scale * g;
      h -= f * g;
      d[i - 1] = f - g;
      for (let j = 0; j < i; j++) e[j] = 0;
      for (let j = 0; j < i; j++) {
        const row = j * n;
        f = d[j];
        w[i * n + j] = f;
        g = e[j] + w[row + j] * f;
        for (let k = j + 1; k <= i - 1; k++) {
          g += w[row + k] * d[k];
          e[k] += w[row + k] * f;
        }
        e[j] = g;
      }
      f = 0;
      for (let j = 0; j < i; j++) {
        e[j] /= h;
        f += e[j] * d[j];
      }
      const hh = f / (h + h);
      for (let j = 0; j < i; j++) e[j] -= hh * d[j];
      for (let j = 0; j < i; j++) {
        const row = j * n;
        f = d[j];
        g = e[j];
        for (let k = j; k <= i - 1; k++) w[row + k] -= f * e[k] + g * d[k];
        d[j] = w[row + i - 1];
        w[row + i] = 0;
      }
    }
    d[i] = h;
  }
  // Accumulate the transformations.
  for (let i = 0; i < n - 1; i++) {
    w[i * n + n - 1] = w[i * n + i];
    w[i * n + i] = 1;
    const h = d[i + 1],
      next = (i + 1) * n;
    if (h !== 0) {
      for (let k = 0; k <= i; k++) d[k] = w[next + k] / h;
      for (let j = 0; j <= i; j++) {
        const row = j * n;
        let g = 0;
        for (let k = 0; k <= i; k++) g += w[next + k] * w[row + k];
        for (let k = 0; k <= i; k++) w[row + k] -= g * d[k];
      }
    }
    for (let k = 0; k <= i; k++) w[next + k] = 0;
  }
  for (let j = 0; j < n; j++) {
    d[j] = w[j * n + n - 1];
    w[j * n + n - 1] = 0;
  }
  w[(n - 1) * n + n - 1] = 1;
  e[0] = 0;
}

/**
 * Implicit QL on the tridiagonal (d, e), rotating the rows of tred2's `w` (each rotation touches two
 * contiguous rows); on return row i of w is the unit eigenvector of d[i].
 */
function tql2(w: Float64Array, n: number, d: Float64Array, e: Float64Array): void {
  for (let i = 1; i < n; i++) e[i - 1] = e[i];
  e[n - 1] = 0;
  let f = 0,
    tst1 = 0;
  const eps = 2 ** -52;
  for (let l = 0; l < n; l++) {
    tst1 = Math.max(tst1, Math.abs(d[l]) + Math.abs(e[l]));
    let m = l;
    while (m < n - 1 && Math.abs(e[m]) > eps * tst1) m++;
    if (m > l) {
      // Converges in 1-3 iterations per eigenvalue in practice; the cap only guards against a NaN input.
      for (let iter = 0; iter < 100 && Math.abs(e[l]) > eps * tst1; iter++) {
        let g = d[l];
        let p = (d[l + 1] - g) / (2 * e[l]);
        let r = Math.hypot(p, 1);
        if (p < 0) r = -r;
        d[l] = e[l] / (p + r);
        d[l + 1] = e[l] * (p + r);
        const dl1 = d[l + 1];
        let h = g - d[l];
        for (let i = l + 2; i < n; i++) d[i] -= h;
        f += h;
        p = d[m];
        let c = 1,
          c2 = 1,
          c3 = 1,
          s = 0,
          s2 = 0;
        const el1 = e[l + 1];
        for (let i = m - 1; i >= l; i--) {
          c3 = c2;
          c2 = c;
          s2 = s;
          g = c * e[i];
          h = c * p;
          r = Math.hypot(p, e[i]);
          e[i + 1] = s * r;
          s = e[i] / r;
          c = p / r;
          p = c * d[i] - s * g;
          d[i + 1] = h + s * (c * g + s * d[i]);
          const a = i * n,
            b = (i + 1) * n;
          for (let k = 0; k < n; k++) {
            const hk = w[b + k];
            w[b + k] = s * w[a + k] + c * hk;
            w[a + k] = c * w[a + k] - s * hk;
          }
        }
        p = (-s * s2 * c3 * el1 * e[l]) / dl1;
        e[l] = s * p;
        d[l] = c * p;
      }
    }
    d[l] += f;
    e[l] = 0;
  }
}

/**
 * Eigenvalues and eigenvectors of the symmetric n x n matrix `a` (row-major; only read).
 * Eigenvalues come in descending order; each eigenvector's largest-magnitude component is
 * positive (first such component on ties), so the result is the same for the same input.
 * @example const { values, vectors } = symmetricEigen(Float64Array.of(2, 1, 1, 2), 2); // values 3, 1
 */
export function symmetricEigen(a: Float64Array, n: number): SymmetricEigen {
  if (a.length !== n * n) throw new RangeError(`expected ${n * n} values for a ${n} x ${n} matrix, got ${a.length}`);
  const w = Float64Array.from(a);
  const d = new Float64Array(n),
    e = new Float64Array(n);
  if (n > 0) {
    tred2(w, n, d, e);
    tql2(w, n, d, e);
  }
  const order = Array.from({ length: n }, (_, i) => i).sort((x, y) => d[y] - d[x] || x - y);
  const values = new Float64Array(n),
    vectors = new Float64Array(n * n);
  order.forEach((src, i) => {
    values[i] = d[src];
    const row = w.subarray(src * n, src * n + n);
    let big = 0;
    for (let k = 1; k < n; k++) if (Math.abs(row[k]) > Math.abs(row[big])) big = k;
    const sign = row[big] < 0 ? -1 : 1;
    for (let k = 0; k < n; k++) vectors[i * n + k] = sign * row[k];
  });
  return { values, vectors };
}
