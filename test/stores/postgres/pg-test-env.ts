/**
 * Shared set-up of the PostgreSQL tests: the server URL from TARTAN_PG_URL,
 * unique collection names (test files run in parallel against one database),
 * random unit vectors and a MaxSim computed here in plain JS.
 */
import { test, type TestContext } from 'node:test';
import pg from 'pg';
import type { TokenMatrix, TokenMatrixBatch } from '../../../src/core/tensors.js';

/** The test server's URL, or undefined. */
export const PG_URL = process.env.TARTAN_PG_URL;

const NOT_SET =
  'TARTAN_PG_URL is not set: run `sudo .ci/install-postgres.sh` (or .ci/start-postgres.sh) and export TARTAN_PG_URL=postgres://postgres@127.0.0.1:54329/tartan_test';

/**
 * A test that needs the server: runs when TARTAN_PG_URL is set; FAILS in CI
 * (CI=true) when it is not, and is skipped with the reason only locally.
 */
export function pgTest(name: string, fn: (t: TestContext, url: string) => Promise<void>): void {
  if (PG_URL) test(name, (t) => fn(t, PG_URL));
  else if (process.env.CI === 'true')
    test(name, () => {
      throw new Error(NOT_SET);
    });
  else test(name, { skip: NOT_SET }, () => undefined);
}

/** A collection name no other test uses. */
export function uniqueName(prefix: string): string {
  return `${prefix}_${process.pid}_${Math.floor(Math.random() * 1e9)}`;
}

/** The URL of another database on the same server, as another user. */
export function urlFor(base: string, database: string, user?: string): string {
  const u = new URL(base);
  u.pathname = `/${database}`;
  u.search = '';
  if (user) {
    u.username = user;
    u.password = '';
  }
  return u.toString();
}

/** Runs SQL as the URL's user (the CI server's superuser). */
export async function adminQuery(url: string, sql: string, params: unknown[] = []): Promise<pg.QueryResult> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await client.query(sql, params);
  } finally {
    await client.end();
  }
}

export { seededRandom as rng } from '../../../src/core/random.js';

/** `rows` random L2-normalised vectors of `dim` values. */
export function randomMatrix(rows: number, dim: number, next: () => number): TokenMatrix {
  const data = new Float32Array(rows * dim);
  for (let r = 0; r < rows; r++) {
    let norm = 0;
    for (let j = 0; j < dim; j++) {
      const v = next() * 2 - 1;
      data[r * dim + j] = v;
      norm += v * v;
    }
    norm = Math.sqrt(norm);
    for (let j = 0; j < dim; j++) data[r * dim + j] /= norm;
  }
  return { data, rows, dim };
}

/** A batch of random documents with the given row counts. */
export function randomBatch(rowCounts: readonly number[], dim: number, next: () => number): TokenMatrixBatch {
  const offsets = new Uint32Array(rowCounts.length + 1);
  rowCounts.forEach((n, i) => {
    offsets[i + 1] = offsets[i] + n;
  });
  const m = randomMatrix(offsets[rowCounts.length], dim, next);
  return { data: m.data, offsets, dim };
}

/** MaxSim in plain JS: sum over query rows of (weight *) the best dot product with any document row. */
export function jsMaxSim(q: TokenMatrix, docs: TokenMatrixBatch, i: number, weights?: Float32Array): number {
  const d = q.dim;
  let total = 0;
  for (let a = 0; a < q.rows; a++) {
    let best = -Infinity;
    for (let r = docs.offsets[i]; r < docs.offsets[i + 1]; r++) {
      let dot = 0;
      for (let j = 0; j < d; j++) dot += q.data[a * d + j] * docs.data[r * d + j];
      if (dot > best) best = dot;
    }
    if (best > -Infinity) total += (weights ? weights[a] : 1) * best;
  }
  return total;
}
