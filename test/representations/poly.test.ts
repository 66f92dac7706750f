import { test } from 'node:test';
import assert from 'node:assert/strict';
import { seededRandom } from '../../src/core/random.js';
import { ErrorCodes, isTartanError } from '../../src/core/errors.js';
import { matrixAt, packMatrices, type TokenMatrix } from '../../src/core/tensors.js';
import { DEFAULT_TEMPERATURE, learnCodeQueries, polyCodes, polyCodesBatch, polyScores, type PolyScoring } from '../../src/representations/poly.js';
import { oracleMaxSim as exactMaxSim } from '../scoring/random-data.js';

const invalidArgument = (e: unknown) => isTartanError(e, ErrorCodes.INVALID_ARGUMENT);

function assertClose(actual: ArrayLike<number>, expected: readonly number[], tol: number, what: string): void {
  assert.equal(actual.length, expected.length, `${what}: length`);
  for (let i = 0; i < expected.length; i++) assert.ok(Math.abs(actual[i] - expected[i]) <= tol, `${what}[${i}] = ${actual[i]}, expected ${expected[i]}`);
}

const matrix = (rows: number[][]): TokenMatrix => ({ data: Float32Array.from(rows.flat()), rows: rows.length, dim: rows[0].length });

/** Standard normal draws (Box-Muller) from a seeded uniform source. */
function gaussian(rand: () => number): () => number {
  return () => Math.sqrt(-2 * Math.log(1 - rand())) * Math.cos(2 * Math.PI * rand());
}

function normalise(a: Float32Array, off: number, dim: number): void {
  let n = 0;
  for (let d = 0; d < dim; d++) n += a[off + d] * a[off + d];
  const inv = 1 / Math.sqrt(n);
  for (let d = 0; d < dim; d++) a[off + d] *= inv;
}

function unitRows(rand: () => number, rows: number, dim: number): Float32Array {
  const g = gaussian(rand);
  const out = new Float32Array(rows * dim);
  for (let i = 0; i < out.length; i++) out[i] = g();
  for (let r = 0; r < rows; r++) normalise(out, r * dim, dim);
  return out;
}

const dotAt = (a: Float32Array, ai: number, b: Float32Array, bi: number, dim: number) => {
  let s = 0;
  for (let d = 0; d < dim; d++) s += a[ai + d] * b[bi + d];
  return s;
};

const top10 = (scores: ArrayLike<number>) =>
  Array.from({ length: scores.length }, (_, i) => i)
    .sort((a, b) => scores[b] - scores[a] || a - b)
    .slice(0, 10);

test('polyCodes: tiny temperature picks the most aligned token, huge temperature gives the mean', () => {
  const doc = matrix([
    [1, 0, 0],
    [0, 1, 0],
    [0.6, 0.8, 0],
  ]);
  // c0 . x = (1, 0, 0.6): token 0 wins; c1 . x = (0, 0.6, 0.48): token 1 wins.
  const cq = Float32Array.of(1, 0, 0, 0, 0.6, 0.8);
  // 1e-4 makes the logits thousands apart: a softmax that does not subtract the max would give NaN here.
  assertClose(polyCodes(doc, cq, 1e-4), [1, 0, 0, 0, 1, 0], 1e-6, 'sharp codes');
  const mean = [(1 + 0 + 0.6) / 3, (0 + 1 + 0.8) / 3, 0];
  assertClose(polyCodes(doc, cq, 1e6), [...mean, ...mean], 1e-5, 'flat codes');
});

test('polyCodes: softmax weights by hand (logits ln 3 and 0 give 3/4 and 1/4)', () => {
  const doc = matrix([
    [1, 0],
    [0, 1],
  ]);
  const cq = Float32Array.of(Math.log(3), 0);
  assertClose(polyCodes(doc, cq, 1), [0.75, 0.25], 1e-6, 'T = 1');
  // Halving the temperature doubles the logits: weights 9/10 and 1/10.
  assertClose(polyCodes(doc, cq, 0.5), [0.9, 0.1], 1e-6, 'T = 0.5');
});

test('polyCodes: a one-token document has every code equal to that token', () => {
  const token = [0.36, -0.48, 0.8];
  const cq = Float32Array.of(1, 0, 0, 0, -1, 0, 0.6, 0, 0.8, 0, 0, -1);
  for (const t of [1e-4, 1, 1e4]) assertClose(polyCodes(matrix([token]), cq, t), [...token, ...token, ...token, ...token], 1e-6, `T = ${t}`);
});

test('polyCodes: rejects an empty document, bad temperatures and code queries of another dim', () => {
  const cq = Float32Array.of(1, 0);
  assert.throws(() => polyCodes({ data: new Float32Array(0), rows: 0, dim: 2 }, cq), invalidArgument);
  for (const t of [0, -1, NaN, Infinity]) assert.throws(() => polyCodes(matrix([[1, 0]]), cq, t), invalidArgument);
  assert.throws(
    () => polyCodes(matrix([[1, 0, 0]]), cq),
    (e: unknown) => isTartanError(e, ErrorCodes.DIMENSION_MISMATCH),
  );
  const batch = packMatrices([matrix([[1, 0]]), { data: new Float32Array(0), rows: 0, dim: 2 }], 2);
  assert.throws(
    () => polyCodesBatch(batch, cq),
    (e: unknown) => invalidArgument(e) && /document 1/.test((e as Error).message),
  );
});

test('polyCodesBatch: M rows per document, each equal to polyCodes of that document', () => {
  const rand = seededRandom(4);
  const dim = 8,
    m = 3;
  const docs = packMatrices(
    [5, 1, 9].map((rows) => ({ data: unitRows(rand, rows, dim), rows, dim })),
    dim,
  );
  const cq = unitRows(rand, m, dim);
  const coded = polyCodesBatch(docs, cq, 0.2);
  assert.deepEqual([...coded.offsets], [0, 3, 6, 9]);
  for (let i = 0; i < 3; i++) assertClose(matrixAt(coded, i).data, [...polyCodes(matrixAt(docs, i), cq, 0.2)], 0, `document ${i}`);
});

test('polyScores attention: hand-checked weights over two codes, empty documents score 0', () => {
  const codes = { data: Float32Array.of(1, 0, 0, 1), offsets: Uint32Array.of(0, 2, 2), dim: 2 };
  // q = (1, 0): sims 1 and 0, weights e/(e+1) and 1/(e+1), score = e/(e+1).
  const s = polyScores(matrix([[1, 0]]), codes, 'attention', 1);
  assertClose(s, [Math.E / (Math.E + 1), 0], 1e-6, 'scores');
  // The query vector is the normalised mean of the rows: (3, 4) and (3, 4) give (0.6, 0.8) -> sims 0.6, 0.8.
  const w0 = Math.exp(0.6),
    w1 = Math.exp(0.8);
  const two = polyScores(
    matrix([
      [3, 4],
      [3, 4],
    ]),
    codes,
    'attention',
    1,
  );
  assertClose(two, [(w0 * 0.6 + w1 * 0.8) / (w0 + w1), 0], 1e-6, 'mean query');
  assertClose(polyScores(matrix([[0.6, 0.8]]), codes, 'maxsim'), [0.8, 0], 1e-6, 'maxsim');
  assert.throws(() => polyScores(matrix([[1, 0]]), codes, 'mean' as PolyScoring), invalidArgument);
  assert.throws(() => polyScores({ data: new Float32Array(0), rows: 0, dim: 2 }, codes, 'maxsim'), invalidArgument);
  assert.throws(
    () => polyScores(matrix([[1, 0, 0]]), codes, 'maxsim'),
    (e: unknown) => isTartanError(e, ErrorCodes.DIMENSION_MISMATCH),
  );
});

test('M = 1 with attention scoring is a bi-encoder over the softmax-pooled document vector', () => {
  const rand = seededRandom(21);
  const dim = 16,
    t = 0.3;
  const docs = Array.from({ length: 12 }, (_, i) => ({ data: unitRows(rand, 3 + i, dim), rows: 3 + i, dim }));
  const cq = unitRows(rand, 1, dim);
  const query = { data: unitRows(rand, 5, dim), rows: 5, dim };
  // By hand: pooled_i = sum_t softmax_t(c . x_t / T) x_t; q = mean of query rows, normalised; score = q . pooled_i.
  const q = new Float64Array(dim);
  for (let r = 0; r < query.rows; r++) for (let d = 0; d < dim; d++) q[d] += query.data[r * dim + d];
  const qn = Math.hypot(...q);
  const expected = docs.map((doc) => {
    const e = Array.from({ length: doc.rows }, (_, k) => Math.exp(dotAt(cq, 0, doc.data, k * dim, dim) / t));
    const z = e.reduce((a, b) => a + b, 0);
    let s = 0;
    for (let d = 0; d < dim; d++) {
      let pooled = 0;
      for (let k = 0; k < doc.rows; k++) pooled += (e[k] / z) * doc.data[k * dim + d];
      s += (q[d] / qn) * pooled;
    }
    return s;
  });
  const got = polyScores(query, polyCodesBatch(packMatrices(docs, dim), cq, t), 'attention', t);
  assertClose(got, expected, 1e-5, 'scores');
  assert.deepEqual(top10(got), top10(expected));
});

test('M >= N, tiny temperature, the documents own tokens as code queries: maxsim scoring is exact MaxSim', () => {
  const rand = seededRandom(8);
  const dim = 32;
  const query = { data: unitRows(rand, 7, dim), rows: 7, dim };
  const docs: TokenMatrix[] = [],
    coded: TokenMatrix[] = [];
  for (let i = 0; i < 10; i++) {
    const doc = { data: unitRows(rand, 2 + i, dim), rows: 2 + i, dim };
    // M = N + 3: the extra code queries repeat tokens, so their codes repeat tokens too.
    const cq = new Float32Array((doc.rows + 3) * dim);
    cq.set(doc.data);
    cq.set(doc.data.subarray(0, 3 * dim), doc.rows * dim);
    docs.push(doc);
    coded.push({ data: polyCodes(doc, cq, 1e-4), rows: doc.rows + 3, dim });
  }
  const got = polyScores(query, packMatrices(coded, dim), 'maxsim');
  assertClose(
    got,
    docs.map((d) => exactMaxSim(query, d)),
    1e-4,
    'MaxSim',
  );
});

test('learnCodeQueries: M unit rows near the clusters, deterministic by seed, M checked', () => {
  const rand = seededRandom(2);
  const dim = 24;
  const centres = unitRows(rand, 4, dim);
  const g = gaussian(rand);
  const tokens = new Float32Array(400 * dim);
  for (let r = 0; r < 400; r++) {
    for (let d = 0; d < dim; d++) tokens[r * dim + d] = centres[(r % 4) * dim + d] + (0.1 * g()) / Math.sqrt(dim);
    normalise(tokens, r * dim, dim);
  }
  const cq = learnCodeQueries(tokens, dim, 4, { seed: 5 });
  assert.equal(cq.length, 4 * dim);
  for (let j = 0; j < 4; j++) assert.ok(Math.abs(dotAt(cq, j * dim, cq, j * dim, dim) - 1) < 1e-5, `row ${j} is unit`);
  for (let c = 0; c < 4; c++) {
    let best = -1;
    for (let j = 0; j < 4; j++) best = Math.max(best, dotAt(centres, c * dim, cq, j * dim, dim));
    assert.ok(best > 0.95, `centre ${c} has a code query within cos ${best}`);
  }
  assert.deepEqual(learnCodeQueries(tokens, dim, 16, { seed: 5 }), learnCodeQueries(tokens, dim, 16, { seed: 5 }));
  assert.notDeepEqual(learnCodeQueries(tokens, dim, 16, { seed: 5 }), learnCodeQueries(tokens, dim, 16, { seed: 6 }));
  for (const m of [0, 65, 1.5, NaN]) assert.throws(() => learnCodeQueries(tokens, dim, m), invalidArgument);
});

/** Clustered unit token vectors: 40 topic centres in dim 64, 300 documents of 20-80 tokens, 30 queries of 8-32 tokens. */
function clusteredCollection(seed: number) {
  const rand = seededRandom(seed);
  const g = gaussian(rand);
  const dim = 64,
    topics = 40;
  const centres = unitRows(rand, topics, dim);
  const make = (rows: number, from: readonly number[]): TokenMatrix => {
    const data = new Float32Array(rows * dim);
    for (let r = 0; r < rows; r++) {
      const c = from[Math.floor(rand() * from.length)];
      // Noise of norm about 1 around a unit centre: tokens of one topic share a cosine of about 0.5.
      for (let d = 0; d < dim; d++) data[r * dim + d] = centres[c * dim + d] + g() / Math.sqrt(dim);
      normalise(data, r * dim, dim);
    }
    return { data, rows, dim };
  };
  const docTopics: number[][] = [];
  const docs: TokenMatrix[] = [];
  for (let i = 0; i < 300; i++) {
    const own = Array.from({ length: 1 + Math.floor(rand() * 3) }, () => Math.floor(rand() * topics));
    docTopics.push(own);
    docs.push(make(20 + Math.floor(rand() * 61), own));
  }
  const queries: TokenMatrix[] = [];
  for (let i = 0; i < 30; i++) {
    // Two topics taken from the topics of two documents.
    const pool = [...docTopics[Math.floor(rand() * 300)], ...docTopics[Math.floor(rand() * 300)]];
    queries.push(make(8 + Math.floor(rand() * 25), [pool[Math.floor(rand() * pool.length)], pool[Math.floor(rand() * pool.length)]]));
  }
  return { dim, docs: packMatrices(docs, dim), queries };
}

test('quality: recall@10 against exact MaxSim grows with M on clustered data', () => {
  const { dim, docs, queries } = clusteredCollection(11);
  const n = docs.offsets.length - 1;
  const exact = queries.map((q) => top10(Array.from({ length: n }, (_, i) => exactMaxSim(q, matrixAt(docs, i)))));
  const recall = (codes: ReturnType<typeof polyCodesBatch>, scoring: PolyScoring, t: number) => {
    let hits = 0;
    queries.forEach((q, i) => {
      const got = new Set(top10(polyScores(q, codes, scoring, t)));
      hits += exact[i].filter((d) => got.has(d)).length;
    });
    return hits / (10 * queries.length);
  };
  const table: Array<{ M: number; attention: number; maxsim: number }> = [];
  for (const m of [1, 4, 16, 64]) {
    const codes = polyCodesBatch(docs, learnCodeQueries(docs.data, dim, m, { seed: 3 }));
    table.push({ M: m, attention: recall(codes, 'attention', DEFAULT_TEMPERATURE), maxsim: recall(codes, 'maxsim', DEFAULT_TEMPERATURE) });
  }
  console.log(`recall@10 vs exact MaxSim, temperature ${DEFAULT_TEMPERATURE}`);
  console.table(table);
  // 30 queries x 10 slots: one query's worth of noise is about 0.03.
  for (let i = 1; i < table.length; i++) {
    for (const s of ['attention', 'maxsim'] as const)
      assert.ok(table[i][s] >= table[i - 1][s] - 0.04, `${s}: M=${table[i].M} ${table[i][s]} < M=${table[i - 1].M} ${table[i - 1][s]}`);
  }
  assert.ok(table[3].maxsim >= table[0].maxsim + 0.15, `M=64 maxsim ${table[3].maxsim} is not clearly above M=1 ${table[0].maxsim}`);

  // The temperature sweep behind DEFAULT_TEMPERATURE (M = 16, the same temperature for codes and attention).
  const cq16 = learnCodeQueries(docs.data, dim, 16, { seed: 3 });
  const sweep = [1, 0.3, 0.1, 0.05, 0.01].map((t) => {
    const codes = polyCodesBatch(docs, cq16, t);
    return { temperature: t, attention: recall(codes, 'attention', t), maxsim: recall(codes, 'maxsim', t) };
  });
  console.table(sweep);
  // A temperature of 1 averages a document's tokens almost evenly: the default must do clearly better under maxsim.
  const at = (t: number) => sweep.find((r) => r.temperature === t)!;
  assert.ok(at(DEFAULT_TEMPERATURE).maxsim >= at(1).maxsim + 0.05, `default ${DEFAULT_TEMPERATURE} is not clearly better than 1`);
});
