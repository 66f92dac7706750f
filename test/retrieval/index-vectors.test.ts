/** Index.addVectors / searchVectors: bring your own token vectors to the model-bound index (file and PostgreSQL stores). */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Index } from '../../src/retrieval/index-facade.js';
import type { VectorDocumentInput } from '../../src/retrieval/vector-input.js';
import { dropPostgresCollection } from '../../src/stores/postgres/index.js';
import { isTartanError, type ErrorCode } from '../../src/core/errors.js';
import type { TokenMatrix } from '../../src/core/tensors.js';
import { clusteredBatch, queryFrom, tempDir } from '../stores/file/helpers.js';
import { pgTest, uniqueName } from '../stores/postgres/pg-test-env.js';

/** 12 documents of clustered unit rows, as TokenMatrix views, plus a noisy query taken from document 5. */
function fixture(dim: number): { docs: VectorDocumentInput[]; query: TokenMatrix } {
  const batch = clusteredBatch(12, dim, { minRows: 6, maxRows: 14, seed: 7 });
  const docs = Array.from({ length: 12 }, (_, i) => ({
    id: `d${i}`,
    vectors: { data: batch.data.subarray(batch.offsets[i] * dim, batch.offsets[i + 1] * dim), rows: batch.offsets[i + 1] - batch.offsets[i], dim },
    ...(i % 2 === 0 ? { text: `document ${i}` } : {}),
    metadata: { n: i },
  }));
  return { docs, query: queryFrom(batch, 5, 6, 3) };
}

/** The matrix as a list of rows of numbers, as JSON from Python would give. */
function rowsOf(m: TokenMatrix): number[][] {
  return Array.from({ length: m.rows }, (_, r) => Array.from(m.data.subarray(r * m.dim, (r + 1) * m.dim)));
}

test('Index.addVectors then searchVectors finds the document the query was taken from (plaid and flat)', async (t) => {
  for (const mode of ['plaid', 'flat'] as const) {
    const index = await Index.create(tempDir(t), { model: 'lexical', mode });
    const { docs, query } = fixture(index.store.dim);
    await index.addVectors(docs);
    assert.equal((await index.info()).documents, 12, mode);
    const hits = await index.searchVectors(query, { k: 3 });
    assert.equal(hits[0].id, 'd5', mode);
    assert.equal(hits.length, 3);
    const filtered = await index.searchVectors(rowsOf(query), { k: 12, filter: { n: { $in: [0, 2] } } });
    assert.deepEqual(filtered.map((h) => h.id).sort(), ['d0', 'd2'], `${mode}: rows of numbers and a filter`);
    assert.equal(filtered.find((h) => h.id === 'd2')?.text, 'document 2', 'an optional text is stored');
    await index.close();
  }
});

test('Index.addVectors accepts rows of numbers and any iterable; text is optional', async (t) => {
  const index = await Index.create(tempDir(t), { model: 'lexical', mode: 'flat' });
  const { docs, query } = fixture(index.store.dim);
  function* generate() {
    for (const d of docs) yield { id: d.id, vectors: rowsOf(d.vectors as TokenMatrix) };
  }
  await index.addVectors(generate());
  assert.equal((await index.searchVectors(query, { k: 1 }))[0].id, 'd5');
  await index.addVectors([]);
  assert.equal((await index.info()).documents, 12);
  await index.close();
});

test('Index.addVectors checks every document before writing anything', async (t) => {
  const index = await Index.create(tempDir(t), { model: 'lexical' });
  const dim = index.store.dim;
  const { docs } = fixture(dim);
  await index.addVectors(docs.slice(0, 2));
  const good = docs[3];
  const nan = new Float32Array(2 * dim).fill(0.1);
  nan[dim + 3] = NaN;
  const cases: Array<[string, unknown, ErrorCode, RegExp?]> = [
    ['duplicate id in the call', [good, { ...docs[4], id: good.id }], 'E_DUPLICATE_ID'],
    ['id already stored', [good, docs[0]], 'E_DUPLICATE_ID'],
    [
      'other dim (matrix)',
      [good, { id: 'x', vectors: { data: new Float32Array(4 * (dim + 1)), rows: 4, dim: dim + 1 } }],
      'E_DIMENSION_MISMATCH',
      new RegExp(`dim ${dim + 1}.*dim ${dim}.*model`),
    ],
    ['other dim (rows)', [good, { id: 'x', vectors: [new Array(dim - 1).fill(0.1)] }], 'E_DIMENSION_MISMATCH', /row 0 has/],
    ['short data', [good, { id: 'x', vectors: { data: new Float32Array(dim), rows: 2, dim } }], 'E_DIMENSION_MISMATCH'],
    ['NaN', [good, { id: 'x', vectors: { data: nan, rows: 2, dim } }], 'E_NON_FINITE_VALUE', /document "x"/],
    ['Infinity in rows', [good, { id: 'x', vectors: [new Array(dim).fill(0).map((_, j) => (j === 1 ? Infinity : 0.1))] }], 'E_NON_FINITE_VALUE'],
    ['too large for float32', [good, { id: 'x', vectors: [new Array(dim).fill(1e39)] }], 'E_NON_FINITE_VALUE'],
    ['no rows', [good, { id: 'x', vectors: { data: new Float32Array(0), rows: 0, dim } }], 'E_EMPTY_TEXT', /no token vectors/],
    ['no rows (empty list)', [good, { id: 'x', vectors: [] }], 'E_EMPTY_TEXT'],
    ['no vectors', [good, { id: 'x' }], 'E_INVALID_ARGUMENT'],
    ['not a number', [good, { id: 'x', vectors: [new Array(dim).fill('0.1')] }], 'E_INVALID_ARGUMENT'],
    ['no id', [good, { vectors: good.vectors }], 'E_INVALID_ARGUMENT'],
    ['nested metadata', [good, { id: 'x', vectors: good.vectors, metadata: { a: { b: 1 } } }], 'E_INVALID_ARGUMENT'],
    ['text not a string', [good, { id: 'x', vectors: good.vectors, text: 42 }], 'E_NOT_A_STRING'],
    ['not a list', 'd1', 'E_INVALID_ARGUMENT'],
  ];
  for (const [what, input, code, message] of cases) {
    await assert.rejects(index.addVectors(input as VectorDocumentInput[]), (e) => isTartanError(e, code) && (!message || message.test(e.message)), what);
    assert.equal((await index.info()).documents, 2, `${what}: nothing written`);
  }
  await index.close();
});

test('Index.searchVectors checks the query and the options', async (t) => {
  const index = await Index.create(tempDir(t), { model: 'lexical' });
  const dim = index.store.dim;
  await index.addVectors(fixture(dim).docs);
  const cases: Array<[string, unknown, object, ErrorCode]> = [
    ['other dim', { data: new Float32Array(dim + 2), rows: 1, dim: dim + 2 }, {}, 'E_DIMENSION_MISMATCH'],
    ['NaN', { data: new Float32Array(dim).fill(NaN), rows: 1, dim }, {}, 'E_NON_FINITE_VALUE'],
    ['no rows', { data: new Float32Array(0), rows: 0, dim }, {}, 'E_EMPTY_TEXT'],
    ['a string', 'fever', {}, 'E_INVALID_ARGUMENT'],
    ['bad k', [new Array(dim).fill(0.1)], { k: -1 }, 'E_INVALID_ARGUMENT'],
    ['bad filter', [new Array(dim).fill(0.1)], { filter: { n: { $regex: 'x' } } }, 'E_INVALID_FILTER'],
  ];
  for (const [what, query, options, code] of cases) {
    await assert.rejects(index.searchVectors(query as TokenMatrix, options), (e) => isTartanError(e, code), what);
  }
  await index.close();
});

pgTest('Index.addVectors / searchVectors on a postgres:// location', async (_t, url) => {
  const name = uniqueName('byov');
  const u = new URL(url);
  u.searchParams.set('collection', name);
  const index = await Index.create(u.toString(), { model: 'lexical' });
  try {
    const { docs, query } = fixture(index.store.dim);
    await index.addVectors(docs);
    await assert.rejects(index.addVectors([{ id: 'x', vectors: [] }]), (e) => isTartanError(e, 'E_EMPTY_TEXT'));
    assert.equal((await index.info()).documents, 12);
    const hits = await index.searchVectors(query, { k: 3 });
    assert.equal(hits[0].id, 'd5');
  } finally {
    await index.close();
    await dropPostgresCollection(url, name);
  }
});
