/**
 * Token pooling: fewer vectors per document by merging similar tokens.
 * Average-linkage agglomerative clustering on cosine distance until
 * ceil(rows / poolFactor) clusters remain; each cluster becomes the
 * normalised mean of its members. Nearest-neighbour caching keeps a merge
 * O(n) on average, so a 300-token document pools in a few milliseconds.
 */
import type { TokenMatrix } from '../core/tensors.js';
import { dot, normalizeRows } from './kmeans.js';

/**
 * Pools a document's token vectors by `poolFactor` (1 returns the input).
 * @example const pooled = poolTokens(doc, 2); // about half the rows
 */
export function poolTokens(m: TokenMatrix, poolFactor: number): TokenMatrix {
  const n = m.rows,
    dim = m.dim;
  if (poolFactor <= 1 || n <= 1) return m;
  const target = Math.max(1, Math.ceil(n / poolFactor));
  if (target >= n) return m;
  const dist = new Float32Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = i + 1; j < n; j++) {
      const d = 1 - dot(m.data, i * dim, m.data, j * dim, dim);
      dist[i * n + j] = d;
      dist[j * n + i] = d;
    }
  }
  const alive = new Uint8Array(n).fill(1);
  const size = new Uint32Array(n).fill(1);
  const parent = new Int32Array(n).map((_, i) => i);
  const nn = new Int32Array(n),
    nnd = new Float32Array(n);
  const refresh = (i: number) => {
    let best = Infinity,
      arg = -1;
    for (let j = 0; j < n; j++)
      if (j !== i && alive[j] && dist[i * n + j] < best) {
        best = dist[i * n + j];
        arg = j;
      }
    nn[i] = arg;
    nnd[i] = best;
  };
  for (let i = 0; i < n; i++) refresh(i);
  for (let clusters = n; clusters > target; clusters--) {
    let a = -1,
      best = Infinity;
    for (let i = 0; i < n; i++)
      if (alive[i] && nnd[i] < best) {
        best = nnd[i];
        a = i;
      }
    const b = nn[a];
    // Merge b into a; Lance-Williams update for average linkage.
    for (let k = 0; k < n; k++) {
      if (!alive[k] || k === a || k === b) continue;
      const d = (size[a] * dist[a * n + k] + size[b] * dist[b * n + k]) / (size[a] + size[b]);
      dist[a * n + k] = d;
      dist[k * n + a] = d;
    }
    size[a] += size[b];
    alive[b] = 0;
    parent[b] = a;
    for (let i = 0; i < n; i++) {
      if (!alive[i]) continue;
      if (i === a || nn[i] === a || nn[i] === b) refresh(i);
      else if (dist[i * n + a] < nnd[i]) {
        nnd[i] = dist[i * n + a];
        nn[i] = a;
      }
    }
  }
  const root = (i: number): number => {
    while (parent[i] !== i) i = parent[i];
    return i;
  };
  const slot = new Int32Array(n).fill(-1);
  let rows = 0;
  for (let i = 0; i < n; i++) if (alive[i]) slot[i] = rows++;
  const out = new Float32Array(rows * dim);
  for (let i = 0; i < n; i++) {
    const o = slot[root(i)] * dim;
    for (let d = 0; d < dim; d++) out[o + d] += m.data[i * dim + d];
  }
  normalizeRows(out, dim);
  return { data: out, rows, dim };
}
