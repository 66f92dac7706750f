/**
 * Shared set-up of the app-owned-table tests: a unique schema per test on the real
 * PostgreSQL (TARTAN_PG_URL; see test/stores/postgres/pg-test-env.ts for the skip/CI
 * rule), documents encoded with the built-in lexical model, and the reference
 * ranking: tartan's own `maxsim` over the same float16-rounded vectors.
 */
import pg from 'pg';
import { packMatrices, type TokenMatrix } from '../../../src/core/tensors.js';
import { LexicalColbert } from '../../../src/lexical/lexical-colbert.js';
import { fromFloat16, toFloat16 } from '../../../src/scoring/float16.js';
import { maxsim } from '../../../src/scoring/maxsim.js';
import { toF16Documents } from '../../../src/scoring/quantize.js';
import { adminQuery, uniqueName } from '../../stores/postgres/pg-test-env.js';

export { pgTest, PG_URL } from '../../stores/postgres/pg-test-env.js';

/** Dimension of the test model's token vectors (answerai-colbert-small-v1's). */
export const DIM = 96;

/** A small corpus; `empty` has no word characters, so it encodes to 0 rows. */
export const CORPUS: ReadonlyArray<{ key: string; body: string }> = [
  { key: 'asp', body: 'Aspirin reduces fever and relieves mild pain.' },
  { key: 'bp', body: 'Regular exercise lowers blood pressure in adults.' },
  { key: 'salt', body: 'High salt intake raises blood pressure.' },
  { key: 'vac', body: 'Vaccines train the immune system to fight viruses.' },
  { key: 'pool', body: 'When async tasks fail to return database connections, the pool becomes exhausted.' },
  { key: 'db', body: 'Database resource exhaustion can occur due to limited pool sizes.' },
  { key: 'py', body: 'Understanding concurrency, async IO and database performance in Python web applications.' },
  { key: 'snake', body: 'Handling training for pythons should be done gradually, starting with short sessions.' },
  { key: 'heart', body: 'Blood flow through the heart is measured in litres per minute.' },
  { key: 'empty', body: '...' },
];

export const QUERIES = ['what lowers blood pressure', 'database connection pool exhaustion in async python', 'fever pain'] as const;

/** The lexical model the tests and examples use (no download). */
export function testModel(): LexicalColbert {
  return new LexicalColbert({ dim: DIM });
}

/** A fresh schema with pgvector available; `drop` removes it and everything in it. */
export async function createSchema(url: string, prefix: string): Promise<{ schema: string; drop: () => Promise<void> }> {
  const schema = uniqueName(prefix);
  try {
    await adminQuery(url, 'CREATE EXTENSION IF NOT EXISTS vector');
  } catch (e) {
    // Two test files creating the extension at once: one wins, the other sees it exists.
    if ((e as { code?: string }).code !== '23505') throw e;
  }
  await adminQuery(url, `CREATE SCHEMA "${schema}"`);
  return { schema, drop: async () => void (await adminQuery(url, `DROP SCHEMA "${schema}" CASCADE`)) };
}

/** A pool whose statements are counted, to show that a refused query never reached the server. */
export function countingPool(url: string): { pool: pg.Pool; statements: () => number } {
  const pool = new pg.Pool({ connectionString: url, max: 2 });
  let count = 0;
  pool.on('connect', (client) => {
    const query = client.query.bind(client) as (...args: unknown[]) => unknown;
    (client as unknown as { query: (...args: unknown[]) => unknown }).query = (...args: unknown[]) => {
      count++;
      return query(...args);
    };
  });
  return { pool, statements: () => count };
}

/** A matrix with every value rounded to float16, as halfvec stores it. */
export function roundToHalf(m: TokenMatrix): TokenMatrix {
  return { data: fromFloat16(toFloat16(m.data.subarray(0, m.rows * m.dim))), rows: m.rows, dim: m.dim };
}

/** tartan's own MaxSim of `query` against every document, both sides float16-rounded. */
export function referenceScores(query: TokenMatrix, docs: readonly TokenMatrix[], weights?: Float32Array): number[] {
  const packed = toF16Documents(packMatrices(docs, query.dim));
  const s = maxsim(roundToHalf(query), packed, weights ? { variant: 'weighted', weights } : {});
  return Array.from(s.raw);
}

/** Keys by descending reference score (ties by key, like the SQL's ORDER BY score DESC, key). */
export function referenceOrder(keys: readonly string[], scores: readonly number[]): string[] {
  return keys
    .map((k, i) => ({ k, s: scores[i] }))
    .sort((a, b) => b.s - a.s || (a.k < b.k ? -1 : a.k > b.k ? 1 : 0))
    .map((x) => x.k);
}

/** True when `a` is within 1e-3 relative (1e-4 absolute near 0) of `b`: halfvec storage and summation order differ. */
export function close(a: number, b: number): boolean {
  return Math.abs(a - b) <= Math.max(1e-4, 1e-3 * Math.abs(b));
}
