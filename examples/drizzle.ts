/**
 * Late interaction in your own Drizzle schema: a `documents` table with a token-vectors
 * column, documents encoded with tartan and inserted through Drizzle, and a ranking by
 * exact ColBERT MaxSim computed in PostgreSQL (needs pgvector).
 *
 *   TARTAN_PG_URL=postgres://... node --import tsx examples/drizzle.ts   (after `npm run build`)
 */
import { desc, sql } from 'drizzle-orm';
import { drizzle } from 'drizzle-orm/node-postgres';
import { pgTable, serial, text } from 'drizzle-orm/pg-core';
import pg from 'pg';
import { LexicalColbert } from 'tartan-search';
import { maxsim, tokenVectors } from 'tartan-search/drizzle';

const url = process.env.TARTAN_PG_URL;
if (!url) throw new Error('set TARTAN_PG_URL to a PostgreSQL database with the pgvector extension available');

// 1. The app's schema: one row per document, its token vectors in one halfvec(96)[] column.
const documents = pgTable('documents', {
  id: serial('id').primaryKey(),
  body: text('body').notNull(),
  embedding: tokenVectors('embedding', { dimensions: 96 }).notNull(),
});

// `lexical` needs no download; use a real ColBERT encoder (loadEncoder) with its own `dim` in an app.
const model = new LexicalColbert({ dim: 96 });
const client = new pg.Client({ connectionString: url });
await client.connect();
try {
  const db = drizzle(client);
  // A migration in an app; a temporary table here, so the example leaves nothing behind.
  await db.execute(sql`CREATE EXTENSION IF NOT EXISTS vector`);
  await db.execute(sql`CREATE TEMP TABLE documents (id serial PRIMARY KEY, body text NOT NULL, embedding halfvec(96)[] NOT NULL)`);

  // 2. Insert: the column takes the encoder's TokenMatrix as it is.
  const bodies = [
    'Aspirin reduces fever and relieves mild pain.',
    'Regular exercise lowers blood pressure in adults.',
    'High salt intake raises blood pressure.',
    'Vaccines train the immune system to fight viruses.',
  ];
  await db.insert(documents).values(bodies.map((body) => ({ body, embedding: model.embedText(body) })));

  // 3. Rank by MaxSim in SQL: sum over query tokens of the best match among the document's tokens.
  const score = maxsim(documents.embedding, model.embedQuery('what lowers blood pressure')).as('score');
  const hits = await db.select({ id: documents.id, body: documents.body, score }).from(documents).orderBy(desc(score)).limit(2);
  for (const h of hits) console.log(`${h.id}. ${h.body}  score ${h.score.toFixed(3)}`);
} finally {
  await client.end();
}
