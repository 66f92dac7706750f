import assert from 'node:assert/strict';
import { desc, eq, gt, sql } from 'drizzle-orm';
import { drizzle } from 'drizzle-orm/node-postgres';
import { pgSchema, serial, text } from 'drizzle-orm/pg-core';
import { test } from 'node:test';
import { ErrorCodes, isTartanError } from '../../../src/core/errors.js';
import { maxsim, parseTokenVectorsSqlType, tokenVectors } from '../../../src/integrations/drizzle/index.js';
import {
  CORPUS,
  DIM,
  QUERIES,
  close,
  countingPool,
  createSchema,
  pgTest,
  referenceOrder,
  referenceScores,
  roundToHalf,
  testModel,
} from '../sql/sql-test-env.js';

const coded = (code: string) => (e: unknown) => isTartanError(e) && e.code === code;

/** The app's schema, as an app would declare it (in a schema of its own so test runs do not collide). */
function appSchema(name: string) {
  const documents = pgSchema(name).table('documents', {
    id: serial('id').primaryKey(),
    key: text('key').notNull().unique(),
    body: text('body').notNull(),
    embedding: tokenVectors('embedding', { dimensions: DIM }).notNull(),
  });
  return { documents };
}

test('tokenVectors declares halfvec(d)[] (or vector(d)[]) and refuses bad dimensions', () => {
  const { documents } = appSchema('s');
  assert.equal(documents.embedding.getSQLType(), 'halfvec(96)[]');
  assert.deepEqual(parseTokenVectorsSqlType(documents.embedding.getSQLType()), { type: 'halfvec', dimensions: 96 });
  const vec = pgSchema('s').table('t', { e: tokenVectors('e', { dimensions: 128, type: 'vector' }) });
  assert.equal(vec.e.getSQLType(), 'vector(128)[]');
  assert.throws(() => tokenVectors('e', { dimensions: 0 }), coded(ErrorCodes.INVALID_ARGUMENT));
  assert.throws(() => tokenVectors('e', { dimensions: 96.5 }), coded(ErrorCodes.INVALID_ARGUMENT));
});

pgTest('drizzle: documents inserted through a tokenVectors column rank by maxsim() exactly like tartan maxsim', async (_t, url) => {
  const { schema, drop } = await createSchema(url, 'app_drizzle');
  const { pool, statements } = countingPool(url);
  try {
    const { documents } = appSchema(schema);
    const db = drizzle(pool);
    await db.execute(
      sql.raw(
        `CREATE TABLE "${schema}".documents (id serial PRIMARY KEY, key text NOT NULL UNIQUE, body text NOT NULL, embedding ${documents.embedding.getSQLType()} NOT NULL)`,
      ),
    );
    const model = testModel();
    const docs = CORPUS.map((d) => model.embedText(d.body, true));
    await db.insert(documents).values(CORPUS.map((d, i) => ({ key: d.key, body: d.body, embedding: docs[i] })));

    // The column maps back to a TokenMatrix: the float16-rounded vectors tartan scores.
    const [row] = await db.select().from(documents).where(eq(documents.key, 'salt'));
    assert.deepEqual(row.embedding, roundToHalf(docs[2]));

    const keys = CORPUS.map((d) => d.key);
    for (const text of QUERIES) {
      const query = model.embedQuery(text);
      const expected = referenceScores(query, docs);
      const score = maxsim(documents.embedding, query).as('score');
      const hits = await db.select({ key: documents.key, score }).from(documents).orderBy(desc(score), documents.key);
      assert.deepEqual(
        hits.map((h) => h.key),
        referenceOrder(keys, expected),
        text,
      );
      for (const h of hits) {
        assert.equal(typeof h.score, 'number');
        assert.ok(close(h.score, expected[keys.indexOf(h.key)]), `${text}: ${h.key} scored ${h.score}, tartan ${expected[keys.indexOf(h.key)]}`);
      }
    }
    const [top] = await db
      .select({ key: documents.key })
      .from(documents)
      .orderBy(desc(maxsim(documents.embedding, model.embedQuery(QUERIES[0]))))
      .limit(1);
    assert.equal(top.key, 'bp');

    // In a WHERE, with weights (the lexical model's IDF): the weighted variant.
    model.fitDocumentFrequencies(CORPUS.map((d) => d.body));
    const query = model.embedQuery(QUERIES[1]);
    const weights = model.queryWeights(QUERIES[1]);
    const expected = referenceScores(query, docs, weights);
    const threshold = 5;
    const weighted = await db
      .select({ key: documents.key, score: maxsim(documents.embedding, query, { weights }) })
      .from(documents)
      .where(gt(maxsim(documents.embedding, query, { weights }), threshold));
    assert.deepEqual(weighted.map((h) => h.key).sort(), keys.filter((_, i) => expected[i] > threshold).sort());
    assert.ok(weighted.length > 0 && weighted.length < keys.length, 'the threshold splits the corpus');
    for (const h of weighted) assert.ok(close(h.score, expected[keys.indexOf(h.key)]), `weighted ${h.key}`);

    // A query from another model is refused before any SQL is sent; so is a wrong-dim insert.
    const before = statements();
    assert.ok(before > 0, 'the counter sees the statements sent');
    const other = { data: new Float32Array(128), rows: 1, dim: 128 };
    assert.throws(() => maxsim(documents.embedding, other), coded(ErrorCodes.DIMENSION_MISMATCH));
    await assert.rejects(async () => db.insert(documents).values({ key: 'x', body: 'x', embedding: other }), coded(ErrorCodes.DIMENSION_MISMATCH));
    await assert.rejects(
      async () =>
        db.insert(documents).values({ key: 'y', body: 'y', embedding: { data: Float32Array.of(NaN, ...new Float32Array(DIM - 1)), rows: 1, dim: DIM } }),
      coded(ErrorCodes.NON_FINITE_VALUE),
    );
    assert.equal(statements(), before, 'no statement reached the server');
  } finally {
    await pool.end();
    await drop();
  }
});
