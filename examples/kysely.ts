/**
 * Late interaction in your own table with Kysely: a `documents` table with a token-vectors
 * column, documents encoded with tartan and inserted through Kysely, and a ranking by
 * exact ColBERT MaxSim computed in PostgreSQL (needs pgvector).
 *
 *   TARTAN_PG_URL=postgres://... node --import tsx examples/kysely.ts   (after `npm run build`)
 */
import { Kysely, PostgresDialect, sql, type Generated } from 'kysely';
import pg from 'pg';
import { LexicalColbert } from 'tartan-search';
import { maxsim, tokenVectorsValue, type TokenVectorsColumn } from 'tartan-search/kysely';

const url = process.env.TARTAN_PG_URL;
if (!url) throw new Error('set TARTAN_PG_URL to a PostgreSQL database with the pgvector extension available');

interface Database {
  documents: { id: Generated<number>; body: string; embedding: TokenVectorsColumn };
}

const model = new LexicalColbert({ dim: 96 });
// One connection: the temporary table below lives in its session.
const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool: new pg.Pool({ connectionString: url, max: 1 }) }) });
try {
  // A migration in an app; a temporary table here, so the example leaves nothing behind.
  await sql`CREATE EXTENSION IF NOT EXISTS vector`.execute(db);
  await sql`CREATE TEMP TABLE documents (id serial PRIMARY KEY, body text NOT NULL, embedding halfvec(96)[] NOT NULL)`.execute(db);

  const bodies = [
    'Aspirin reduces fever and relieves mild pain.',
    'Regular exercise lowers blood pressure in adults.',
    'High salt intake raises blood pressure.',
    'Vaccines train the immune system to fight viruses.',
  ];
  await db
    .insertInto('documents')
    .values(bodies.map((body) => ({ body, embedding: tokenVectorsValue(model.embedText(body), { dimensions: 96 }) })))
    .execute();

  const query = model.embedQuery('what lowers blood pressure');
  const hits = await db
    .selectFrom('documents')
    .select(['id', 'body', maxsim('embedding', query, { dimensions: 96 }).as('score')])
    .orderBy('score', 'desc')
    .limit(2)
    .execute();
  for (const h of hits) console.log(`${h.id}. ${h.body}  score ${h.score.toFixed(3)}`);
} finally {
  await db.destroy();
}
