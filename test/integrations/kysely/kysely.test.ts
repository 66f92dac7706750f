import assert from 'node:assert/strict';
import { Kysely, PostgresDialect, sql, type Generated } from 'kysely';
import { ErrorCodes, isTartanError } from '../../../src/core/errors.js';
import { maxsim, parseTokenVectors, tokenVectorsSqlType, tokenVectorsValue, type TokenVectorsColumn } from '../../../src/integrations/kysely/index.js';
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

/** The app's own table, as a Kysely app would type it. */
interface Database {
  documents: { id: Generated<number>; key: string; body: string; embedding: TokenVectorsColumn };
}

pgTest('kysely: documents inserted with tokenVectorsValue rank by maxsim() exactly like tartan maxsim', async (_t, url) => {
  const { schema, drop } = await createSchema(url, 'app_kysely');
  const { pool, statements } = countingPool(url);
  const root = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
  try {
    const db = root.withSchema(schema);
    await db.schema
      .createTable('documents')
      .addColumn('id', 'serial', (c) => c.primaryKey())
      .addColumn('key', 'text', (c) => c.notNull().unique())
      .addColumn('body', 'text', (c) => c.notNull())
      .addColumn('embedding', sql.raw(tokenVectorsSqlType(DIM)), (c) => c.notNull())
      .execute();
    const model = testModel();
    const docs = CORPUS.map((d) => model.embedText(d.body, true));
    await db
      .insertInto('documents')
      .values(CORPUS.map((d, i) => ({ key: d.key, body: d.body, embedding: tokenVectorsValue(docs[i], { dimensions: DIM }) })))
      .execute();

    const stored = await db.selectFrom('documents').select('embedding').where('key', '=', 'vac').executeTakeFirstOrThrow();
    assert.deepEqual(parseTokenVectors(stored.embedding, { dimensions: DIM }), roundToHalf(docs[3]));

    const keys = CORPUS.map((d) => d.key);
    for (const text of QUERIES) {
      const query = model.embedQuery(text);
      const expected = referenceScores(query, docs);
      const hits = await db
        .selectFrom('documents')
        .select(['key', maxsim('documents.embedding', query, { dimensions: DIM }).as('score')])
        .orderBy('score', 'desc')
        .orderBy('key')
        .execute();
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

    // An expression as the reference, weights, and a WHERE on the score.
    model.fitDocumentFrequencies(CORPUS.map((d) => d.body));
    const query = model.embedQuery(QUERIES[2]);
    const weights = model.queryWeights(QUERIES[2]);
    const expected = referenceScores(query, docs, weights);
    const top = await db
      .selectFrom('documents')
      .select(['key', (eb) => maxsim(eb.ref('embedding'), query, { weights }).as('score')])
      .where(maxsim('embedding', query, { weights }), '>', 1)
      .orderBy('score', 'desc')
      .execute();
    assert.equal(top[0]?.key, 'asp');
    assert.deepEqual(
      top.map((h) => h.key),
      referenceOrder(keys, expected).filter((k) => expected[keys.indexOf(k)] > 1),
    );
    for (const h of top) assert.ok(close(h.score, expected[keys.indexOf(h.key)]), `weighted ${h.key}`);

    // A query from another model is refused before any SQL is sent.
    const before = statements();
    assert.ok(before > 0, 'the counter sees the statements sent');
    const other = { data: new Float32Array(128), rows: 1, dim: 128 };
    await assert.rejects(
      async () =>
        db
          .selectFrom('documents')
          .select(maxsim('embedding', other, { dimensions: DIM }).as('score'))
          .execute(),
      coded(ErrorCodes.DIMENSION_MISMATCH),
    );
    assert.throws(() => tokenVectorsValue(other, { dimensions: DIM }), coded(ErrorCodes.DIMENSION_MISMATCH));
    assert.equal(statements(), before, 'no statement reached the server');
  } finally {
    await root.destroy();
    await drop();
  }
});
