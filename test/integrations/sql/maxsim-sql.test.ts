import { test } from 'node:test';
import assert from 'node:assert/strict';
import pg from 'pg';
import { ErrorCodes, isTartanError } from '../../../src/core/errors.js';
import type { TokenMatrix } from '../../../src/core/tensors.js';
import { maxsimSql, maxsimTemplate } from '../../../src/integrations/sql/maxsim-sql.js';
import { parseTokenVectors, tokenVectorsSqlType, tokenVectorsValue } from '../../../src/integrations/sql/token-vectors.js';
import { CORPUS, DIM, QUERIES, close, createSchema, pgTest, referenceOrder, referenceScores, roundToHalf, testModel } from './sql-test-env.js';

const coded = (code: string) => (e: unknown) => isTartanError(e) && e.code === code;

test('tokenVectorsValue writes array text that parseTokenVectors reads back float16-rounded', () => {
  const m: TokenMatrix = { data: Float32Array.of(0.1, -0.2, 1e-7, 0.333333, 65504, -1), rows: 3, dim: 2 };
  const text = tokenVectorsValue(m, { dimensions: 2 });
  assert.match(text, /^\{"\[[^\]]+\]","\[[^\]]+\]","\[[^\]]+\]"\}$/);
  assert.deepEqual(parseTokenVectors(text, { dimensions: 2 }), roundToHalf(m));
  assert.equal(tokenVectorsValue({ data: new Float32Array(0), rows: 0, dim: 2 }), '{}');
  assert.deepEqual(parseTokenVectors('{}', { dimensions: 2 }), { data: new Float32Array(0), rows: 0, dim: 2 });
  // `vector` keeps float32 values exactly.
  const v = parseTokenVectors(tokenVectorsValue(m, { type: 'vector' }), { type: 'vector' });
  assert.deepEqual(v.data, m.data);
  assert.equal(tokenVectorsSqlType(96), 'halfvec(96)[]');
});

test('bad values and queries are refused with coded errors', () => {
  const m: TokenMatrix = { data: Float32Array.of(1, 2, 3, 4), rows: 2, dim: 2 };
  assert.throws(() => tokenVectorsValue(m, { dimensions: 3 }), coded(ErrorCodes.DIMENSION_MISMATCH));
  assert.throws(() => tokenVectorsValue({ data: Float32Array.of(1, NaN), rows: 1, dim: 2 }), coded(ErrorCodes.NON_FINITE_VALUE));
  assert.throws(() => tokenVectorsValue({ data: Float32Array.of(1, 1e6), rows: 1, dim: 2 }), coded(ErrorCodes.NON_FINITE_VALUE));
  assert.doesNotThrow(() => tokenVectorsValue({ data: Float32Array.of(1, 1e6), rows: 1, dim: 2 }, { type: 'vector' }));
  assert.throws(() => tokenVectorsValue({ data: Float32Array.of(1), rows: 1, dim: 2 }), coded(ErrorCodes.DIMENSION_MISMATCH));
  assert.throws(() => maxsimSql('embedding', m, { dimensions: 96 }), coded(ErrorCodes.DIMENSION_MISMATCH));
  assert.throws(() => maxsimSql('embedding', { data: new Float32Array(0), rows: 0, dim: 2 }), coded(ErrorCodes.INVALID_ARGUMENT));
  assert.throws(() => maxsimSql('embedding', m, { weights: [1] }), coded(ErrorCodes.DIMENSION_MISMATCH));
  assert.throws(() => maxsimSql('embedding', m, { weights: [1, Infinity] }), coded(ErrorCodes.NON_FINITE_VALUE));
  assert.throws(() => maxsimSql('embedding', m, { type: 'bit' as never }), coded(ErrorCodes.INVALID_ARGUMENT));
  assert.throws(() => parseTokenVectors('[1,2]'), coded(ErrorCodes.INPUT_FORMAT));
  assert.throws(() => parseTokenVectors('{"[1,2]","[3]"}'), coded(ErrorCodes.DIMENSION_MISMATCH));
});

test('maxsimSql numbers its placeholders from firstParam and quotes the column', () => {
  const q: TokenMatrix = { data: Float32Array.of(1, 0), rows: 1, dim: 2 };
  const f = maxsimSql('docs.embed"ding', q, { firstParam: 3, weights: [0.5] });
  assert.match(f.text, /unnest\("docs"\."embed""ding"\)/);
  assert.match(f.text, /unnest\(\$3::halfvec\[\], \$4::float8\[\]\)/);
  assert.deepEqual(f.values, ['{"[1,0]"}', '{0.5}']);
  assert.equal(maxsimTemplate('vector').strings.length, 3);
});

pgTest('plain pg: an app-owned documents table ranks by maxsimSql exactly like tartan maxsim', async (_t, url) => {
  const { schema, drop } = await createSchema(url, 'app_sql');
  const pool = new pg.Pool({ connectionString: url, max: 2 });
  try {
    const table = `"${schema}".documents`;
    await pool.query(`CREATE TABLE ${table} (key text PRIMARY KEY, body text NOT NULL, embedding ${tokenVectorsSqlType(DIM)} NOT NULL)`);
    const model = testModel();
    const docs = CORPUS.map((d) => model.embedText(d.body, true));
    for (let i = 0; i < CORPUS.length; i++) {
      await pool.query(`INSERT INTO ${table} (key, body, embedding) VALUES ($1, $2, $3)`, [
        CORPUS[i].key,
        CORPUS[i].body,
        tokenVectorsValue(docs[i], { dimensions: DIM }),
      ]);
    }
    // What comes back is what tartan scores: the float16-rounded vectors.
    const stored = await pool.query(`SELECT embedding FROM ${table} WHERE key = 'bp'`);
    assert.deepEqual(parseTokenVectors(stored.rows[0].embedding, { dimensions: DIM }), roundToHalf(docs[1]));

    const keys = CORPUS.map((d) => d.key);
    for (const text of QUERIES) {
      const query = model.embedQuery(text);
      const expected = referenceScores(query, docs);
      const score = maxsimSql('embedding', query, { dimensions: DIM, firstParam: 2 });
      const { rows } = await pool.query(`SELECT key, ${score.text} AS score FROM ${table} WHERE key <> $1 ORDER BY score DESC, key`, ['asp', ...score.values]);
      const want = referenceOrder(keys, expected).filter((k) => k !== 'asp');
      assert.deepEqual(
        rows.map((r) => r.key),
        want,
        text,
      );
      for (const r of rows) {
        assert.equal(typeof r.score, 'number');
        assert.ok(close(r.score, expected[keys.indexOf(r.key)]), `${text}: ${r.key} scored ${r.score}, tartan ${expected[keys.indexOf(r.key)]}`);
      }
      assert.equal(rows.find((r) => r.key === 'empty')?.score, 0, 'a document without vectors scores 0');
    }

    // Weighted MaxSim (IDF weights of the lexical model) equals tartan's `weighted` variant.
    model.fitDocumentFrequencies(CORPUS.map((d) => d.body));
    const query = model.embedQuery(QUERIES[0]);
    const weights = model.queryWeights(QUERIES[0]);
    const expected = referenceScores(query, docs, weights);
    const score = maxsimSql(`${schema}.documents.embedding`, query, { weights });
    const { rows } = await pool.query(`SELECT key, ${score.text} AS score FROM ${table} ORDER BY score DESC, key`, score.values);
    assert.deepEqual(
      rows.map((r) => r.key),
      referenceOrder(keys, expected),
    );
    for (const r of rows) assert.ok(close(r.score, expected[keys.indexOf(r.key)]), `weighted ${r.key}`);
  } finally {
    await pool.end();
    await drop();
  }
});

pgTest('plain pg: a vector(d)[] column (the Django seed model) ranks the same', async (_t, url) => {
  const { schema, drop } = await createSchema(url, 'app_vec');
  const pool = new pg.Pool({ connectionString: url, max: 1 });
  try {
    const table = `"${schema}".document`;
    await pool.query(`CREATE TABLE ${table} (id serial PRIMARY KEY, content text, embeddings ${tokenVectorsSqlType(DIM, 'vector')})`);
    const model = testModel();
    const docs = CORPUS.slice(0, 4).map((d) => model.embedText(d.body));
    for (const d of docs) await pool.query(`INSERT INTO ${table} (embeddings) VALUES ($1)`, [tokenVectorsValue(d, { type: 'vector' })]);
    await pool.query(`INSERT INTO ${table} (embeddings) VALUES (NULL)`);
    const query = model.embedQuery(QUERIES[0]);
    const score = maxsimSql('embeddings', query, { type: 'vector', dimensions: DIM });
    const { rows } = await pool.query(`SELECT id, ${score.text} AS score FROM ${table} ORDER BY id`, score.values);
    const { raw } = (await import('../../../src/scoring/maxsim.js')).maxsim(query, {
      dtype: 'f32',
      ...(await import('../../../src/core/tensors.js')).packMatrices(docs),
    });
    raw.forEach((s, i) => assert.ok(close(rows[i].score, s), `doc ${i}: ${rows[i].score} vs ${s}`));
    assert.equal(rows[4].score, 0, 'a NULL column scores 0');
  } finally {
    await pool.end();
    await drop();
  }
});
