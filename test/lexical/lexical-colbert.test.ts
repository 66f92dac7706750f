import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LexicalColbert } from '../../src/lexical/lexical-colbert.js';
import type { TokenMatrix } from '../../src/core/tensors.js';
import { ErrorCodes, isTartanError } from '../../src/core/errors.js';

function rowNorm(m: TokenMatrix, r: number): number {
  let s = 0;
  for (let i = 0; i < m.dim; i++) s += m.data[r * m.dim + i] ** 2;
  return Math.sqrt(s);
}

function cosine(model: LexicalColbert, a: string, b: string): number {
  const x = model.embedText(a),
    y = model.embedText(b);
  assert.equal(x.rows, 1);
  assert.equal(y.rows, 1);
  let dot = 0;
  for (let i = 0; i < x.dim; i++) dot += x.data[i] * y.data[i];
  return dot;
}

test('one L2-normalised row per analysed token, dim 128 by default', () => {
  const model = new LexicalColbert();
  assert.equal(model.kind, 'colbert');
  assert.equal(model.modelId, 'lexical');
  assert.equal(model.dim, 128);
  const m = model.embedText('The mutations of the BRCA1 gene in breast cancer');
  // the, of, the, in are stopwords: mutat, brca1, gene, breast, cancer
  assert.equal(m.rows, 5);
  assert.equal(m.dim, 128);
  assert.equal(m.data.length, 5 * 128);
  for (let r = 0; r < m.rows; r++) assert.ok(Math.abs(rowNorm(m, r) - 1) < 1e-5);
  assert.deepEqual(
    model.vectorTokens('The mutations of the BRCA1 gene in breast cancer', true).map((t) => [t.text, t.position]),
    [
      ['mutat', 1],
      ['brca1', 4],
      ['gene', 5],
      ['breast', 7],
      ['cancer', 8],
    ],
  );
});

test('other dimensions work and are deterministic across instances', () => {
  const a = new LexicalColbert({ dim: 48 }).embedText('protein folding');
  const b = new LexicalColbert({ dim: 48 }).embedText('protein folding');
  assert.equal(a.dim, 48);
  assert.deepEqual(a.data, b.data);
});

test('shared spelling gives similar vectors, unrelated words do not (lexical, not semantic)', () => {
  const model = new LexicalColbert();
  // identical stems are identical vectors
  assert.ok(Math.abs(cosine(model, 'mutations', 'mutation') - 1) < 1e-6);
  const related = cosine(model, 'immunology', 'immunologist');
  const unrelated = cosine(model, 'immunology', 'cardiac');
  assert.ok(related > 0.4, `related ${related}`);
  assert.ok(Math.abs(unrelated) < related / 2, `unrelated ${unrelated} vs related ${related}`);
  // synonyms with no shared letters are not close: this model does not know meaning
  assert.ok(cosine(model, 'heart', 'cardiac') < 0.3);
});

test('stopword-only text falls back to its raw tokens; no word characters gives 0 rows', () => {
  const model = new LexicalColbert();
  assert.equal(model.embedText('to be or not to be').rows, 6);
  assert.equal(model.embedText(' ,;- ').rows, 0);
});

test('query weights are uniform without frequencies and BM25 IDF with them', () => {
  const model = new LexicalColbert();
  assert.deepEqual([...model.queryWeights('gene cancer')], [1, 1]);
  model.fitDocumentFrequencies(['gene expression', 'gene cancer', 'cell biology', 'tumour cells']);
  const w = model.queryWeights('gene cancer unseen');
  // N = 4; gene df 2: ln(1 + 2.5/2.5) = ln 2; cancer df 1: ln(1 + 3.5/1.5); unseen df 0: ln(1 + 4.5/0.5) = ln 10
  assert.equal(w.length, 3);
  assert.ok(Math.abs(w[0] - Math.LN2) < 1e-6);
  assert.ok(Math.abs(w[1] - Math.log(1 + 3.5 / 1.5)) < 1e-6);
  assert.ok(Math.abs(w[2] - Math.log(10)) < 1e-6);
  assert.equal(model.queryWeights('gene cancer').length, model.embedQuery('gene cancer').rows);
});

test('queryEmbed and passageEmbed stream one matrix per text', async () => {
  const model = new LexicalColbert();
  const out: number[] = [];
  for await (const m of model.passageEmbed(['alpha beta', 'gamma'])) out.push(m.rows);
  async function* texts() {
    yield 'delta epsilon zeta';
  }
  for await (const m of model.queryEmbed(texts())) out.push(m.rows);
  assert.deepEqual(out, [2, 1, 3]);
  await model.dispose();
});

test('embedding a corpus-sized batch is fast (cached word vectors)', () => {
  const model = new LexicalColbert();
  const words = Array.from({ length: 2000 }, (_, i) => `word${i % 500}x${i % 7}`);
  const text = words.join(' ');
  const started = performance.now();
  let rows = 0;
  for (let i = 0; i < 50; i++) rows += model.embedText(text).rows;
  const ms = performance.now() - started;
  assert.equal(rows, 100_000);
  // 100k token rows; generous bound for a shared 2-core machine
  assert.ok(ms < 10_000, `${ms} ms`);
});

test('distinct embedding keeps one row per distinct token, in first-seen order', () => {
  const model = new LexicalColbert();
  const all = model.embedText('cell cells gene cell');
  const distinct = model.embedText('cell cells gene cell', true);
  assert.equal(all.rows, 4);
  assert.equal(distinct.rows, 2);
  assert.deepEqual(distinct.data.subarray(0, 128), all.data.subarray(0, 128));
  assert.deepEqual(distinct.data.subarray(128, 256), all.data.subarray(256, 384));
});

test('writeTermVectors fills a caller buffer and refuses one that is too small', () => {
  const model = new LexicalColbert({ dim: 16 });
  const terms = model.termsOf('alpha beta alpha', true);
  assert.deepEqual(terms, ['alpha', 'beta']);
  const out = new Float32Array(3 * 16);
  model.writeTermVectors(terms, out, 1);
  assert.deepEqual(out.subarray(16), model.embedText('alpha beta').data);
  assert.ok(out.subarray(0, 16).every((v) => v === 0));
  assert.throws(
    () => model.writeTermVectors(terms, out, 2),
    (e) => isTartanError(e, ErrorCodes.DIMENSION_MISMATCH),
  );
});
