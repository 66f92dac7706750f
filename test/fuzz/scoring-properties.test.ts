/**
 * Property tests of the scoring API and packed tensors: MaxSim (both kernels),
 * top-k, explanations, float16/int8 encodings. Good inputs must give finite
 * scores that match a plain-loop MaxSim; bad inputs (NaN/Infinity, wrong
 * dims, broken offsets, junk options) must give a coded TartanError.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { ErrorCodes } from '../../src/core/errors.js';
import { maxsim, maxsimPair } from '../../src/scoring/maxsim.js';
import { nativeStatus } from '../../src/scoring/maxsim-native.js';
import { topK } from '../../src/scoring/topk.js';
import { explainMaxSim } from '../../src/scoring/explain.js';
import { toF16Documents, toF32Documents, toI8Documents, quantizeRowsInt8 } from '../../src/scoring/quantize.js';
import { floatToHalf } from '../../src/scoring/float16.js';
import { matrixAt, packMatrices, type TokenMatrix, type TokenMatrixBatch } from '../../src/core/tensors.js';
import { CaseCounter, RUNS, anyFloat, badCount, junk, mustRefuse, nonFinite, show, succeedOrCodedSync } from './fuzz-helpers.js';

const cases = new CaseCounter('scoring property cases');
after(() => cases.report());

const IMPLS: Array<'ts' | 'native'> = nativeStatus().available ? ['ts', 'native'] : ['ts'];

/** A small batch: `docs` matrices of 0..5 rows of `dim` finite values in [-1, 1]. */
function batchArb(dim: number, maxDocs = 5): fc.Arbitrary<TokenMatrixBatch> {
  return fc.array(fc.integer({ min: 0, max: 5 }), { maxLength: maxDocs }).chain((rows) => {
    const total = rows.reduce((a, b) => a + b, 0);
    return fc.float32Array({ minLength: total * dim, maxLength: total * dim, min: -1, max: 1, noNaN: true, noDefaultInfinity: true }).map((data) => {
      const offsets = new Uint32Array(rows.length + 1);
      rows.forEach((r, i) => {
        offsets[i + 1] = offsets[i] + r;
      });
      return { data, offsets, dim };
    });
  });
}

function queryArb(dim: number): fc.Arbitrary<TokenMatrix> {
  return fc
    .integer({ min: 1, max: 4 })
    .chain((rows) =>
      fc
        .float32Array({ minLength: rows * dim, maxLength: rows * dim, min: -1, max: 1, noNaN: true, noDefaultInfinity: true })
        .map((data) => ({ data, rows, dim })),
    );
}

/** Plain-loop sum-of-max MaxSim, written apart from the code under test. */
function plainMaxSim(q: TokenMatrix, b: TokenMatrixBatch): number[] {
  const out: number[] = [];
  for (let i = 0; i + 1 < b.offsets.length; i++) {
    const r0 = b.offsets[i],
      r1 = b.offsets[i + 1];
    let total = 0;
    if (r1 > r0) {
      for (let a = 0; a < q.rows; a++) {
        let best = -Infinity;
        for (let r = r0; r < r1; r++) {
          let s = 0;
          for (let k = 0; k < b.dim; k++) s += q.data[a * q.dim + k] * b.data[r * b.dim + k];
          best = Math.max(best, s);
        }
        total += best;
      }
    }
    out.push(total);
  }
  return out;
}

const dimArb = fc.integer({ min: 1, max: 9 });

test('maxsim: finite inputs give one finite score per document, equal to a plain loop (both kernels)', () => {
  fc.assert(
    fc.property(
      dimArb.chain((dim) => fc.tuple(queryArb(dim), batchArb(dim))),
      fc.constantFrom(...IMPLS),
      ([q, b], impl) => {
        cases.tick();
        const want = plainMaxSim(q, b);
        const s = maxsim(q, toF32Documents(b), { impl, threads: 2 });
        assert.equal(s.raw.length, want.length);
        want.forEach((w, i) => {
          assert.ok(Number.isFinite(s.raw[i]) && Number.isFinite(s.normalized[i]));
          assert.ok(Math.abs(s.raw[i] - w) <= 1e-4 * (1 + Math.abs(w)), `doc ${i}: ${s.raw[i]} vs ${w}`);
        });
        // f16 and i8 encodings of the same documents stay finite and close
        for (const docs of [toF16Documents(b), toI8Documents(b)]) {
          const e = maxsim(q, docs, { impl });
          want.forEach((w, i) => assert.ok(Math.abs(e.raw[i] - w) <= 0.05 * q.rows * (1 + b.dim), `${docs.dtype} doc ${i}`));
        }
      },
    ),
    { numRuns: RUNS },
  );
});

test('maxsim: a NaN or Infinity anywhere in the query or the documents is E_NON_FINITE_VALUE', async () => {
  await fc.assert(
    fc.asyncProperty(
      dimArb.chain((dim) =>
        fc.tuple(
          queryArb(dim),
          batchArb(dim, 4).filter((b) => b.data.length > 0),
        ),
      ),
      fc.boolean(),
      fc.nat(),
      nonFinite,
      fc.constantFrom(...IMPLS),
      fc.constantFrom('f32', 'f16'),
      async ([q, b], inQuery, at, bad, impl, dtype) => {
        cases.tick();
        if (inQuery) q.data[at % q.data.length] = bad;
        else b.data[at % b.data.length] = bad;
        const docs = dtype === 'f32' ? toF32Documents(b) : toF16Documents(b);
        await mustRefuse(() => maxsim(q, docs, { impl }), [ErrorCodes.NON_FINITE_VALUE], `${inQuery ? 'query' : 'docs'} ${bad} ${impl} ${dtype}`);
      },
    ),
    { numRuns: RUNS },
  );
  // int8 data cannot hold NaN; its scales can
  const b = packMatrices([{ data: Float32Array.of(0.5, 0.5), rows: 1, dim: 2 }]);
  const i8 = toI8Documents(b);
  i8.scales[0] = NaN;
  for (const impl of IMPLS) await mustRefuse(() => maxsim({ data: Float32Array.of(1, 0), rows: 1, dim: 2 }, i8, { impl }), [ErrorCodes.NON_FINITE_VALUE]);
  // float16 bit patterns for NaN and Infinity
  for (const h of [0x7c00, 0xfc00, 0x7e00, floatToHalf(NaN)]) {
    cases.tick();
    await mustRefuse(
      () => maxsim({ data: Float32Array.of(1), rows: 1, dim: 1 }, { dtype: 'f16', data: Uint16Array.of(h), offsets: Uint32Array.of(0, 1), dim: 1 }),
      [ErrorCodes.NON_FINITE_VALUE],
    );
  }
});

test('maxsim: wrong dims, short data and broken offsets are refused with a code', async () => {
  await fc.assert(
    fc.asyncProperty(dimArb, dimArb, fc.constantFrom(...IMPLS), async (qd, dd, impl) => {
      cases.tick();
      const q = { data: new Float32Array(qd).fill(0.1), rows: 1, dim: qd };
      const docs = toF32Documents({ data: new Float32Array(dd * 2).fill(0.1), offsets: Uint32Array.of(0, 2), dim: dd });
      if (qd !== dd) await mustRefuse(() => maxsim(q, docs, { impl }), [ErrorCodes.DIMENSION_MISMATCH]);
      else assert.equal(maxsim(q, docs, { impl }).raw.length, 1);
    }),
    { numRuns: RUNS },
  );
  // any offsets array: scores for a well-formed one, a coded error otherwise (never an out-of-bounds read)
  fc.assert(
    fc.property(fc.array(fc.oneof(fc.nat({ max: 12 }), fc.constant(0xffffffff)), { maxLength: 6 }), fc.constantFrom(...IMPLS), (offs, impl) => {
      cases.tick();
      const data = new Float32Array(10 * 2).fill(0.25);
      const r = succeedOrCodedSync(() =>
        maxsim({ data: Float32Array.of(1, 0), rows: 1, dim: 2 }, { dtype: 'f32', data, offsets: Uint32Array.from(offs), dim: 2 }, { impl }),
      );
      const wellFormed = offs.length >= 1 && offs[0] === 0 && offs.every((o, i) => i === 0 || o >= offs[i - 1]) && offs[offs.length - 1] <= 10;
      assert.equal(r.ok, wellFormed, `offsets ${offs}`);
      if (r.ok) assert.ok(r.value.raw.every(Number.isFinite));
    }),
    { numRuns: RUNS },
  );
});

test('maxsim: junk queries, documents and options are coded errors, never TypeErrors', async () => {
  const q = { data: Float32Array.of(1, 0), rows: 1, dim: 2 };
  const docs = toF32Documents(packMatrices([{ data: Float32Array.of(0, 1), rows: 1, dim: 2 }]));
  await fc.assert(
    fc.asyncProperty(
      junk,
      fc.constantFrom('query', 'docs', 'variant', 'weights', 'threads', 'impl', 'rows', 'dim', 'dtype', 'offsets', 'data'),
      async (v, where) => {
        cases.tick();
        const call = () => {
          switch (where) {
            case 'query':
              return maxsim(v as TokenMatrix, docs);
            case 'docs':
              return maxsim(q, v as never);
            case 'rows':
              return maxsim({ ...q, rows: v as number }, docs);
            case 'dim':
              return maxsim({ ...q, dim: v as number }, docs);
            case 'dtype':
              return maxsim(q, { ...docs, dtype: v as 'f32' });
            case 'offsets':
              return maxsim(q, { ...docs, offsets: v as Uint32Array });
            case 'data':
              return maxsim(q, { ...docs, data: v as Float32Array });
            default:
              return maxsim(q, docs, { [where]: v });
          }
        };
        const r = succeedOrCodedSync(call, `${where}=${show(v)}`);
        // only harmless values may pass: an absent option (undefined or null), or a value as good as the real one
        const harmless: Record<string, (x: unknown) => boolean> = {
          threads: (x) => Number.isInteger(x) && (x as number) >= 1 && (x as number) <= 1024,
          rows: (x) => x === 1,
          dim: (x) => x === 2,
          dtype: (x) => x === 'f32',
          variant: (x) => x === 'sum' || x === 'mean',
          impl: (x) => ['auto', 'ts', 'native'].includes(x as string),
        };
        if (r.ok)
          assert.ok(
            v === undefined || (v === null && ['variant', 'weights', 'impl', 'threads'].includes(where)) || harmless[where]?.(v),
            `${where}=${show(v)} was accepted`,
          );
      },
    ),
    { numRuns: RUNS * 2 },
  );
  await mustRefuse(() => maxsim(q, docs, { threads: 1e7 }), [ErrorCodes.INVALID_ARGUMENT], 'ten million threads');
  await mustRefuse(() => maxsim({ data: new Float32Array(0), rows: 0, dim: 2 }, docs), [ErrorCodes.INVALID_ARGUMENT], 'a query without rows');
  const none = maxsim(q, { dtype: 'f32', data: new Float32Array(0), offsets: Uint32Array.of(0), dim: 2 });
  assert.equal(none.raw.length, 0, 'no documents give empty scores');
  const empty = maxsimPair(q, { data: new Float32Array(0), rows: 0, dim: 2 });
  assert.deepEqual([empty.raw, empty.normalized], [0, 0], 'a document without rows scores 0');
  cases.tick(3);
});

test('topK: any scores (NaN included) give min(k, n) valid indices, best first; bad k is E_INVALID_ARGUMENT', async () => {
  fc.assert(
    fc.property(fc.array(anyFloat, { maxLength: 40 }), fc.nat({ max: 50 }), (scores, k) => {
      cases.tick();
      const arr = Float32Array.from(scores);
      const t = topK(arr, k);
      assert.equal(t.indices.length, Math.min(k, arr.length));
      assert.equal(new Set(t.indices).size, t.indices.length, 'no index twice');
      const key = (v: number) => (Number.isNaN(v) ? -Infinity : v);
      for (let i = 1; i < t.indices.length; i++) assert.ok(key(arr[t.indices[i - 1]]) >= key(arr[t.indices[i]]));
    }),
    { numRuns: RUNS },
  );
  await fc.assert(
    fc.asyncProperty(badCount, async (k) => {
      cases.tick();
      await mustRefuse(() => topK(Float32Array.of(1, 2), k as number), [ErrorCodes.INVALID_ARGUMENT], `k=${show(k)}`);
    }),
    { numRuns: RUNS },
  );
  for (const huge of [2 ** 31, 2 ** 53, Number.MAX_VALUE])
    assert.equal(topK(Float32Array.of(1, 2, 3), huge).indices.length, 3, 'a huge k returns everything without allocating k slots');
});

test('explainMaxSim: junk documents and token lists are coded errors; NaN documents are E_NON_FINITE_VALUE', async () => {
  const q = { data: Float32Array.of(1, 0), rows: 1, dim: 2 };
  await fc.assert(
    fc.asyncProperty(junk, fc.constantFrom('doc', 'rows', 'data', 'queryTokens', 'docTokens', 'variant'), async (v, where) => {
      cases.tick();
      const doc = { data: Float32Array.of(0, 1), rows: 1, dim: 2 };
      const call = () => {
        if (where === 'doc') return explainMaxSim(q, v as TokenMatrix);
        if (where === 'rows' || where === 'data') return explainMaxSim(q, { ...doc, [where]: v } as TokenMatrix);
        return explainMaxSim(q, doc, { [where]: v });
      };
      const r = succeedOrCodedSync(call, `${where}=${show(v)}`);
      if (r.ok) assert.ok(r.value.matches.every((m) => Number.isFinite(m.similarity)));
    }),
    { numRuns: RUNS },
  );
  await mustRefuse(() => explainMaxSim(q, { data: Float32Array.of(NaN, 1), rows: 1, dim: 2 }), [ErrorCodes.NON_FINITE_VALUE]);
});

test('tensors: packMatrices refuses mixed dims with a code; matrixAt refuses indexes outside the batch', async () => {
  await fc.assert(
    fc.asyncProperty(fc.array(fc.integer({ min: 1, max: 4 }), { minLength: 2, maxLength: 5 }), async (dims) => {
      cases.tick();
      const ms = dims.map((d) => ({ data: new Float32Array(d), rows: 1, dim: d }));
      if (new Set(dims).size > 1) await mustRefuse(() => packMatrices(ms), [ErrorCodes.DIMENSION_MISMATCH]);
      else assert.equal(packMatrices(ms).offsets.length, dims.length + 1);
    }),
    { numRuns: RUNS },
  );
  const b = packMatrices([{ data: Float32Array.of(1, 2), rows: 1, dim: 2 }]);
  assert.deepEqual([...matrixAt(b, 0).data], [1, 2]);
  for (const i of [-1, 1, 7, 0.5, NaN]) {
    cases.tick();
    await mustRefuse(() => matrixAt(b, i), [ErrorCodes.INVALID_ARGUMENT], `index ${i}`);
  }
  // a matrix whose data is shorter than rows x dim cannot be packed into garbage
  await mustRefuse(() => packMatrices([{ data: new Float32Array(1), rows: 3, dim: 2 }]), [ErrorCodes.DIMENSION_MISMATCH]);
  for (const dim of [-1, 0.5, NaN]) await mustRefuse(() => quantizeRowsInt8(Float32Array.of(1, 2), dim), [ErrorCodes.INVALID_ARGUMENT], `dim ${dim}`);
});
