import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ErrorCodes, isTartanError } from '../../src/core/errors.js';
import { seededRandom } from '../../src/core/random.js';
import { packMatrices, type TokenMatrix } from '../../src/core/tensors.js';
import { FDE_DEFAULTS, FdeEncoder, fdeDimension, parseFdeParams, type FdeParams } from '../../src/representations/fde.js';
import { oracleMaxSim as exactMaxSim } from '../scoring/random-data.js';
import { pearson } from '../../bench/representation-bench.js';

const invalid = (e: unknown): boolean => isTartanError(e, ErrorCodes.INVALID_ARGUMENT);
const matrix = (rows: number[][]): TokenMatrix => ({ data: Float32Array.from(rows.flat()), rows: rows.length, dim: rows[0]?.length ?? 0 });
const basis = (dim: number, i: number, sign = 1): number[] => Array.from({ length: dim }, (_, k) => (k === i ? sign : 0));

/** Blocks of `dimProj` values of an FDE: [repetition][partition] -> values. */
function blocks(v: Float32Array, p: FdeParams): Float32Array[][] {
  const parts = 2 ** p.kSim;
  return Array.from({ length: p.rReps }, (_, r) =>
    Array.from({ length: parts }, (_, q) => v.subarray((r * parts + q) * p.dimProj, (r * parts + q + 1) * p.dimProj)),
  );
}
const nonZero = (b: Float32Array): boolean => b.some((x) => x !== 0);
/** The partition a single token falls in, per repetition: the one non-zero block of its query FDE. */
function partitionsOf(fde: FdeEncoder, row: number[]): number[] {
  return blocks(fde.encodeQuery(matrix([row])), fde.params).map((rep) => {
    const hit = rep.map((b, q) => (nonZero(b) ? q : -1)).filter((q) => q >= 0);
    assert.equal(hit.length, 1, 'a single token occupies exactly one partition per repetition');
    return hit[0];
  });
}
const popcount = (x: number): number => (x === 0 ? 0 : (x & 1) + popcount(x >>> 1));
const gauss = (rand: () => number): number => Math.sqrt(-2 * Math.log(1 - rand())) * Math.cos(2 * Math.PI * rand());
const randomRow = (rand: () => number, dim: number): number[] => Array.from({ length: dim }, () => gauss(rand));

test('fde: defaults are fastembed Muvera(k_sim=5, dim_proj=16, r_reps=20, random_seed=42) and the dimension is rReps * 2^kSim * dimProj', () => {
  assert.deepEqual({ ...FDE_DEFAULTS }, { kSim: 5, dimProj: 16, rReps: 20, seed: 42 });
  assert.equal(fdeDimension(FDE_DEFAULTS), 20 * 32 * 16);
  assert.equal(fdeDimension({ kSim: 4, dimProj: 8, rReps: 10, seed: 1 }), 1280);
  const fde = new FdeEncoder(24, { kSim: 3, dimProj: 5, rReps: 7 });
  assert.equal(fde.outputDim, 7 * 8 * 5);
  assert.deepEqual({ ...fde.params }, { kSim: 3, dimProj: 5, rReps: 7, seed: 42 });
  const m = matrix([randomRow(seededRandom(1), 24), randomRow(seededRandom(2), 24)]);
  assert.equal(fde.encodeQuery(m).length, 280);
  assert.equal(fde.encodeDocument(m).length, 280);
  assert.equal(fde.encodeDocuments(packMatrices([m, m, m])).length, 3 * 280);
});

test('fde: same seed gives the same encoding, another seed another one', () => {
  const rand = seededRandom(7);
  const m = matrix(Array.from({ length: 12 }, () => randomRow(rand, 32)));
  const a = new FdeEncoder(32, { seed: 3 }),
    b = new FdeEncoder(32, { seed: 3 }),
    c = new FdeEncoder(32, { seed: 4 });
  assert.deepEqual(a.encodeDocument(m), b.encodeDocument(m));
  assert.deepEqual(a.encodeQuery(m), b.encodeQuery(m));
  assert.notDeepEqual(a.encodeDocument(m), c.encodeDocument(m));
  assert.notDeepEqual(a.encodeQuery(m), c.encodeQuery(m));
});

test('fde: parseFdeParams reads tartan and fastembed names and refuses unknown keys and bad values', () => {
  assert.deepEqual(parseFdeParams(''), { kSim: 5, dimProj: 16, rReps: 20, seed: 42 });
  assert.deepEqual(parseFdeParams('k_sim=4,dim_proj=8,r_reps=10,seed=1'), { kSim: 4, dimProj: 8, rReps: 10, seed: 1 });
  assert.deepEqual(parseFdeParams(' kSim = 3 , random_seed=9 '), { kSim: 3, dimProj: 16, rReps: 20, seed: 9 });
  assert.throws(
    () => parseFdeParams('k_sim=4,bogus=2'),
    (e: unknown) => invalid(e) && /bogus/.test((e as Error).message) && /k_sim/.test((e as Error).message) && /r_reps/.test((e as Error).message),
  );
  for (const text of ['k_sim=abc', 'k_sim=11', 'k_sim=', 'r_reps=0', 'dim_proj=0', 'seed=-1', 'seed=1.5', 'k_sim', 'k_sim=2,kSim=3', 'seed=4294967296']) {
    assert.throws(() => parseFdeParams(text), invalid, text);
  }
});

test('fde: the encoder validates its parameters and inputs', () => {
  for (const p of [{ kSim: 11 }, { kSim: -1 }, { kSim: 1.5 }, { dimProj: 0 }, { dimProj: 17 }, { rReps: 0 }, { seed: -2 }]) {
    assert.throws(() => new FdeEncoder(16, p), invalid, JSON.stringify(p));
  }
  assert.throws(() => new FdeEncoder(0), invalid);
  assert.doesNotThrow(() => new FdeEncoder(16, { kSim: 0, dimProj: 16, rReps: 1 }));
  const fde = new FdeEncoder(4, { kSim: 2, dimProj: 2, rReps: 2 });
  assert.throws(
    () => fde.encodeQuery(matrix([[1, 2, 3]])),
    (e: unknown) => isTartanError(e, ErrorCodes.DIMENSION_MISMATCH),
  );
  assert.throws(
    () => fde.encodeDocument(matrix([[1, NaN, 0, 0]])),
    (e: unknown) => isTartanError(e, ErrorCodes.NON_FINITE_VALUE),
  );
});

test('fde: a single token lands in one partition as its ±1/sqrt(dimProj) projection; k copies sum on the query side', () => {
  const dim = 32,
    p = FDE_DEFAULTS;
  const fde = new FdeEncoder(dim);
  const e0 = basis(dim, 0);
  const one = blocks(fde.encodeQuery(matrix([e0])), p);
  const scale = 1 / Math.sqrt(p.dimProj);
  for (const rep of one) {
    const hit = rep.filter(nonZero);
    assert.equal(hit.length, 1, 'exactly one occupied partition per repetition');
    // The projection of a basis vector is one row of the random matrix: every entry is ±1/sqrt(dimProj).
    for (const x of hit[0]) assert.ok(Math.abs(Math.abs(x) - scale) < 1e-6, `entry ${x}`);
  }
  const three = blocks(fde.encodeQuery(matrix([e0, e0, e0])), p);
  for (let r = 0; r < p.rReps; r++)
    for (let q = 0; q < 32; q++) for (let j = 0; j < p.dimProj; j++) assert.ok(Math.abs(three[r][q][j] - 3 * one[r][q][j]) < 1e-6);
  // -e0 is on the other side of every hyperplane (all bits flipped) and projects to the negation.
  const minus = blocks(fde.encodeQuery(matrix([basis(dim, 0, -1)])), p);
  const parts = partitionsOf(fde, e0);
  for (let r = 0; r < p.rReps; r++) {
    const flipped = ~parts[r] & 31;
    for (let j = 0; j < p.dimProj; j++) assert.equal(minus[r][flipped][j], -one[r][parts[r]][j]);
  }
});

test('fde: a document of one repeated token averages to that token and fills every partition with it', () => {
  const dim = 32,
    p = FDE_DEFAULTS;
  const fde = new FdeEncoder(dim);
  const t = randomRow(seededRandom(11), dim);
  const q = blocks(fde.encodeQuery(matrix([t])), p);
  const parts = partitionsOf(fde, t);
  const d = blocks(fde.encodeDocument(matrix([t, t, t, t])), p);
  for (let r = 0; r < p.rReps; r++) {
    const projected = q[r][parts[r]];
    for (let part = 0; part < 32; part++)
      for (let j = 0; j < p.dimProj; j++) assert.ok(Math.abs(d[r][part][j] - projected[j]) < 1e-5, `rep ${r} partition ${part}`);
  }
});

test('fde: with dimProj = dim there is no projection: the query sums and the document averages raw tokens', () => {
  const p: FdeParams = { kSim: 3, dimProj: 6, rReps: 4, seed: 5 };
  const fde = new FdeEncoder(6, p);
  const t = [0.5, -1, 0.25, 2, -0.75, 1];
  const t2 = t.map((x) => 2 * x); // same direction, so the same partition in every repetition
  const parts = partitionsOf(fde, t);
  const q = blocks(fde.encodeQuery(matrix([t, t2])), p);
  const d = blocks(fde.encodeDocument(matrix([t, t2])), p);
  for (let r = 0; r < p.rReps; r++) {
    assert.deepEqual(
      [...q[r][parts[r]]],
      t.map((x) => 3 * x),
    );
    assert.deepEqual(
      [...d[r][parts[r]]],
      t.map((x) => 1.5 * x),
    );
    assert.equal(q[r].filter(nonZero).length, 1, 'query: other partitions stay empty');
  }
});

test('fde: empty document partitions take the first token of the nearest partition in Hamming distance (fastembed fill)', () => {
  const dim = 16,
    p: FdeParams = { kSim: 4, dimProj: 16, rReps: 6, seed: 8 };
  const fde = new FdeEncoder(dim, p);
  const rand = seededRandom(21);
  const rows = [randomRow(rand, dim), randomRow(rand, dim), randomRow(rand, dim)];
  const partsByToken = rows.map((row) => partitionsOf(fde, row));
  const d = blocks(fde.encodeDocument(matrix(rows)), p);
  let filled = 0;
  for (let r = 0; r < p.rReps; r++) {
    const occupied = [...new Set(partsByToken.map((ps) => ps[r]))].sort((a, b) => a - b);
    for (let part = 0; part < 16; part++) {
      assert.ok(nonZero(d[r][part]), `rep ${r} partition ${part} is filled`);
      if (occupied.includes(part)) continue;
      filled++;
      // Brute force: smallest Hamming distance, then lowest partition number; then the first token in row order there.
      const nearest = occupied.reduce((best, o) => (popcount(o ^ part) < popcount(best ^ part) ? o : best));
      const first = partsByToken.findIndex((ps) => ps[r] === nearest);
      assert.deepEqual([...d[r][part]], [...Float32Array.from(rows[first])], `rep ${r} partition ${part} from ${nearest}`);
    }
  }
  assert.ok(filled > 0, 'the case exercises filling');
  // With the projection on too: one token fills every partition.
  const dflt = new FdeEncoder(dim);
  for (const rep of blocks(dflt.encodeDocument(matrix([rows[0]])), FDE_DEFAULTS)) assert.ok(rep.every(nonZero));
});

test('fde: encodeDocuments packs the per-document encodings; an empty matrix encodes to zeros', () => {
  const rand = seededRandom(3);
  const fde = new FdeEncoder(8, { kSim: 3, dimProj: 4, rReps: 3 });
  const ms = [matrix([randomRow(rand, 8)]), { data: new Float32Array(0), rows: 0, dim: 8 }, matrix([randomRow(rand, 8), randomRow(rand, 8)])];
  const all = fde.encodeDocuments(packMatrices(ms, 8));
  ms.forEach((m, i) => assert.deepEqual(all.subarray(i * fde.outputDim, (i + 1) * fde.outputDim), fde.encodeDocument(m)));
  assert.ok(fde.encodeDocument(ms[1]).every((x) => x === 0));
  assert.ok(fde.encodeQuery(ms[1]).every((x) => x === 0));
});

/** Clustered unit tokens: 40 topic centres in dim 64, token = centre + noise, normalised; queries reuse a few documents' topics. */
function corpus(seed: number): { dim: number; docs: TokenMatrix[]; queries: TokenMatrix[] } {
  const dim = 64,
    rand = seededRandom(seed);
  const unit = (v: number[]): number[] => {
    const n = Math.hypot(...v);
    return v.map((x) => x / n);
  };
  const centres = Array.from({ length: 40 }, () => unit(randomRow(rand, dim)));
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)];
  const tokens = (topics: number[], n: number): TokenMatrix =>
    matrix(Array.from({ length: n }, () => unit(centres[pick(topics)].map((c) => c + NOISE * gauss(rand)))));
  const docTopics = Array.from({ length: 300 }, () => Array.from({ length: 2 + Math.floor(rand() * 3) }, () => Math.floor(rand() * 40)));
  const docs = docTopics.map((ts) => tokens(ts, 20 + Math.floor(rand() * 61)));
  const queries = Array.from({ length: 30 }, () => {
    const ts = [...pick(docTopics), ...pick(docTopics).slice(0, 1)];
    return tokens(ts, 8 + Math.floor(rand() * 25));
  });
  return { dim, docs, queries };
}
const NOISE = 0.12;

const topIds = (scores: number[], k: number): number[] =>
  scores
    .map((s, i) => [s, i])
    .sort((x, y) => y[0] - x[0] || x[1] - y[1])
    .slice(0, k)
    .map(([, i]) => i);

/** Mean per-query Pearson of FDE dot products against exact MaxSim, and recall@10 of the FDE top 100 against the exact top 10. */
function quality(data: ReturnType<typeof corpus>, params: Partial<FdeParams>): { pearson: number; recall: number; recall30: number } {
  const fde = new FdeEncoder(data.dim, params);
  const docs = fde.encodeDocuments(packMatrices(data.docs, data.dim));
  let corr = 0,
    found = 0,
    found30 = 0;
  for (const q of data.queries) {
    const qv = fde.encodeQuery(q);
    const approx = data.docs.map((_, i) => {
      let s = 0;
      for (let j = 0, o = i * fde.outputDim; j < fde.outputDim; j++) s += qv[j] * docs[o + j];
      return s;
    });
    const exact = data.docs.map((d) => exactMaxSim(q, d));
    corr += pearson(approx, exact);
    const shortlist = new Set(topIds(approx, 100));
    found += topIds(exact, 10).filter((i) => shortlist.has(i)).length;
    const short30 = new Set(topIds(approx, 30));
    found30 += topIds(exact, 10).filter((i) => short30.has(i)).length;
  }
  const n = 10 * data.queries.length;
  return { pearson: corr / data.queries.length, recall: found / n, recall30: found30 / n };
}

const QUALITY_SEED = Number(process.env.FDE_TEST_SEED ?? 2024);

test('fde: FDE dot products track exact MaxSim on clustered tokens (Pearson and recall@10 of a top-100 shortlist)', () => {
  const data = corpus(QUALITY_SEED);
  const dflt = quality(data, {});
  const small = quality(data, { kSim: 4, dimProj: 8, rReps: 10 });
  console.log(`fde defaults: mean Pearson ${dflt.pearson.toFixed(3)}, recall@10 in top-100 ${dflt.recall.toFixed(3)}, in top-30 ${dflt.recall30.toFixed(3)}`);
  console.log(
    `fde kSim=4 dimProj=8 rReps=10: mean Pearson ${small.pearson.toFixed(3)}, recall@10 in top-100 ${small.recall.toFixed(3)}, in top-30 ${small.recall30.toFixed(3)}`,
  );
  assert.ok(dflt.pearson > 0.8, `defaults: mean Pearson ${dflt.pearson}`);
  assert.ok(dflt.recall > 0.9, `defaults: recall@10 in top-100 ${dflt.recall}`);
  // A shortlist of 100 is a third of this corpus; the top-30 one is the sharper check.
  assert.ok(dflt.recall30 > 0.75, `defaults: recall@10 in top-30 ${dflt.recall30}`);
});
