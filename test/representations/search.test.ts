import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ErrorCodes, isTartanError } from '../../src/core/errors.js';
import { packMatrices } from '../../src/core/tensors.js';
import { seededRandom } from '../../src/core/random.js';
import { buildRepresentationSearch, representationVariants } from '../../src/representations/search.js';
import { oracleMaxSim as exactMaxSim, randomQuery as unitMatrix } from '../scoring/random-data.js';

const invalid = (e: unknown): boolean => isTartanError(e, ErrorCodes.INVALID_ARGUMENT);

const DIM = 32;
const rand = seededRandom(7);
const docs = Array.from({ length: 60 }, (_, i) => unitMatrix(rand, 3 + (i % 9), DIM));
const batch = packMatrices(docs, DIM);
const query = unitMatrix(rand, 6, DIM);

test('representationVariants: poly:<M> and muvera[:params], headline first; anything else is a coded error naming the forms', () => {
  assert.deepEqual(representationVariants('poly:16'), [
    { kind: 'poly', codes: 16, scoring: 'maxsim' },
    { kind: 'poly', codes: 16, scoring: 'attention' },
  ]);
  const [reranked, alone] = representationVariants('muvera:k_sim=3,dim_proj=8,r_reps=2', { rerank: 50 });
  assert.equal(reranked.kind === 'muvera' && reranked.rerank, 50);
  assert.equal(alone.kind === 'muvera' && alone.rerank, 0);
  assert.deepEqual(reranked.kind === 'muvera' && reranked.params, { kSim: 3, dimProj: 8, rReps: 2, seed: 42 });
  for (const bad of ['poly:0', 'poly:65', 'poly:', 'poly', 'colbert', 'bert', '']) {
    assert.throws(
      () => representationVariants(bad),
      (e: unknown) => invalid(e) && /poly:<M>/.test((e as Error).message),
      bad,
    );
  }
  assert.throws(() => representationVariants('muvera:k_sim=x'), invalid);
  assert.throws(() => representationVariants('muvera', { rerank: 0 }), invalid);
});

test('muvera with a rerank over every document returns exact MaxSim, best first', () => {
  const [spec] = representationVariants('muvera:k_sim=2,dim_proj=8,r_reps=3', { rerank: docs.length });
  const hits = buildRepresentationSearch(batch, spec).search(query, 5);
  const exact = docs.map((d, i) => [i, exactMaxSim(query, d)] as const).sort((a, b) => b[1] - a[1]);
  assert.deepEqual(
    hits.map(([doc]) => doc),
    exact.slice(0, 5).map(([doc]) => doc),
  );
  for (const [doc, score] of hits) assert.ok(Math.abs(score - exactMaxSim(query, docs[doc])) < 1e-4);
});

test('muvera without a rerank scores by the FDE dot product; its sizes are what it holds', () => {
  const [, spec] = representationVariants('muvera:k_sim=2,dim_proj=8,r_reps=3');
  const search = buildRepresentationSearch(batch, spec);
  assert.equal(search.bytes, docs.length * 3 * 4 * 8 * 4); // r_reps x 2^k_sim x dim_proj floats per document
  assert.equal(search.rerankBytes, 0);
  const hits = search.search(query, docs.length);
  assert.equal(hits.length, docs.length);
  for (let i = 1; i < hits.length; i++) assert.ok(hits[i - 1][1] >= hits[i][1]);
  assert.match(search.name, /^muvera k_sim=2 dim_proj=8 r_reps=3$/);
});

test('poly holds M codes per document and ranks by MaxSim over them', () => {
  const [spec] = representationVariants('poly:4');
  const search = buildRepresentationSearch(batch, spec);
  assert.equal(search.bytes, docs.length * 4 * DIM * 4);
  const hits = search.search(query, 10);
  assert.equal(hits.length, 10);
  assert.equal(new Set(hits.map(([d]) => d)).size, 10);
  assert.equal(search.name, 'poly:4 (maxsim)');
});

test('muvera with HNSW candidates (usearch is installed here) reranks them exactly', () => {
  const variants = representationVariants('muvera:k_sim=2,dim_proj=8,r_reps=3', { rerank: docs.length });
  assert.equal(variants.length, 3);
  const hnsw = variants[2];
  assert.deepEqual(hnsw, { kind: 'muvera', params: variants[0].kind === 'muvera' ? variants[0].params : undefined, rerank: docs.length, ann: 'hnsw' });
  const search = buildRepresentationSearch(batch, hnsw);
  assert.match(search.name, /\(HNSW\) > exact MaxSim of/);
  const hits = search.search(query, 5);
  const exact = docs.map((d, i) => [i, exactMaxSim(query, d)] as const).sort((a, b) => b[1] - a[1]);
  assert.deepEqual(
    hits.map(([doc]) => doc),
    exact.slice(0, 5).map(([doc]) => doc),
  );
});
