import { test } from 'node:test';
import assert from 'node:assert/strict';
import { plaidNative, probe, setPlaidImpl } from '../../src/plaid/kernels.js';
import { buildLut, groupTokens, invNorms, refine, tokenScores } from '../../src/plaid/token-kernels.js';
import { buildBlocks, fastScan, quantLut, refineQuant, SCAN_BLOCK } from '../../src/plaid/fastscan-kernels.js';
import { decompress, residualBytes, trainCodec } from '../../src/plaid/residual-codec.js';
import type { ResidualCodec } from '../../src/plaid/residual-codec.js';
import { randomRows, rng } from '../scoring/random-data.js';

const noNative = plaidNative() ? false : 'native PLAID kernels not available (addon not built, older, or TARTAN_NATIVE=0)';

function twin<T>(fn: () => T): T {
  setPlaidImpl('ts');
  try {
    return fn();
  } finally {
    setPlaidImpl('auto');
  }
}

/** A random segment of `passages` passages (some empty), its codec, decoded rows and a query with probes. */
function fixture(seed: number, nbits: number, dim = 64, passages = 90, k = 24, rows = 20) {
  const rand = rng(seed);
  const centroids = randomRows(rand, k, dim);
  const tokenOffsets = new Uint32Array(passages + 1);
  for (let p = 0; p < passages; p++) tokenOffsets[p + 1] = tokenOffsets[p] + (p % 13 === 4 ? 0 : 1 + Math.floor(rand() * 30));
  const T = tokenOffsets[passages];
  const codes = Uint16Array.from({ length: T }, () => Math.floor(rand() * k));
  const residuals = new Float32Array(T * dim).map(() => (rand() - 0.5) * 0.3);
  const codec: ResidualCodec = trainCodec(residuals, dim, nbits);
  const rb = residualBytes(dim, nbits);
  const packed = Uint8Array.from({ length: T * rb }, () => Math.floor(rand() * 256));
  const decoded = new Float32Array(T * dim);
  decompress(codec, centroids, codes, packed, decoded);
  const query = randomRows(rand, rows, dim);
  const scores = new Float32Array(k * rows);
  for (let c = 0; c < k; c++)
    for (let r = 0; r < rows; r++) {
      let s = 0;
      for (let d = 0; d < dim; d++) s += query[r * dim + d] * centroids[c * dim + d];
      scores[c * rows + r] = s;
    }
  return { dim, rows, k, codec, centroids, tokenOffsets, codes, packed, decoded, query, scores, passages, T, rb };
}

type Fixture = ReturnType<typeof fixture>;
const exact = (f: Fixture, r: number, t: number) => {
  let s = 0;
  for (let d = 0; d < f.dim; d++) s += f.query[r * f.dim + d] * f.decoded[t * f.dim + d];
  return s;
};

test('groupTokens: every token once, under its centroid, ascending; passageOf follows tokenOffsets', () => {
  const f = fixture(1, 2);
  const g = groupTokens(f.codes, f.tokenOffsets, f.k);
  assert.equal(g.listStart[f.k], f.T);
  const seen = new Set<number>();
  for (let c = 0; c < f.k; c++) {
    for (let j = g.listStart[c]; j < g.listStart[c + 1]; j++) {
      const t = g.listTokens[j];
      assert.equal(f.codes[t], c);
      if (j > g.listStart[c]) assert.ok(t > g.listTokens[j - 1]);
      seen.add(t);
    }
  }
  assert.equal(seen.size, f.T);
  for (let p = 0; p < f.passages; p++) for (let t = f.tokenOffsets[p]; t < f.tokenOffsets[p + 1]; t++) assert.equal(g.passageOf[t], p);
});

test('lookup tables: <row, decoded token> from the float table matches the decoded vectors; native tables equal the twins bit for bit', () => {
  for (const nbits of [1, 2, 4, 8]) {
    const f = fixture(2 + nbits, nbits, nbits === 8 ? 24 : 64);
    const lut = buildLut(f.query, f.rows, f.codec);
    assert.deepEqual(
      lut,
      twin(() => buildLut(f.query, f.rows, f.codec)),
      `nbits ${nbits} float tables`,
    );
    const inv = invNorms(f.codec, f.centroids, f.codes, f.packed);
    const invTs = twin(() => invNorms(f.codec, f.centroids, f.codes, f.packed));
    for (let t = 0; t < f.T; t++) assert.ok(Math.abs(inv[t] - invTs[t]) <= 1e-6 * invTs[t], `invNorm ${t}`);
    // (centroid score + residual part) * invNorm is the dot product with the decoded unit vector.
    for (let t = 0; t < f.T; t += 7) {
      const r = t % f.rows;
      let part = 0;
      for (let j = 0; j < f.rb; j++) part += lut[(r * f.rb + j) * 256 + f.packed[t * f.rb + j]];
      const s = (f.scores[f.codes[t] * f.rows + r] + part) * invTs[t];
      assert.ok(Math.abs(s - exact(f, r, t)) < 1e-4, `nbits ${nbits} token ${t}: ${s} vs ${exact(f, r, t)}`);
    }
    if (nbits !== 8) {
      const q = quantLut(f.query, f.rows, f.codec),
        qt = twin(() => quantLut(f.query, f.rows, f.codec));
      assert.deepEqual(q, qt, `nbits ${nbits} quantised tables`);
    }
  }
});

/** Stage-2 outputs of one kernel: candidates (passage order), estimates and found scores. */
function stage2(run: (found: Float32Array, ps: Uint32Array, es: Float32Array) => number, f: Fixture) {
  const found = new Float32Array(f.passages * f.rows),
    ps = new Uint32Array(f.passages),
    es = new Float32Array(f.passages);
  const n = run(found, ps, es);
  return { found, ps: ps.slice(0, n), es: es.slice(0, n) };
}

test('token scores (float tables) and fast scan (quantised): found = best probed-token similarity per row and passage; native equals TypeScript', () => {
  for (const nbits of [1, 2, 4]) {
    const f = fixture(10 + nbits, nbits);
    const nprobe = 3;
    const probes = probe(f.scores, f.rows, f.k, nprobe);
    const allowed = Uint8Array.from({ length: f.passages }, (_, p) => (p % 7 === 3 ? 0 : 1));
    const imputed = Float32Array.from({ length: f.rows }, (_, r) => f.scores[probes[r * nprobe + nprobe - 1] * f.rows + r]);
    const g = groupTokens(f.codes, f.tokenOffsets, f.k);
    const invNorm = invNorms(f.codec, f.centroids, f.codes, f.packed);
    const tl = { ...g, invNorm, packed: f.packed };
    const lut = buildLut(f.query, f.rows, f.codec),
      ql = quantLut(f.query, f.rows, f.codec);
    const blocks = buildBlocks(g.listStart, g.listTokens, g.passageOf, invNorm, f.packed, f.rb);
    const exactRun = (found: Float32Array, ps: Uint32Array, es: Float32Array) =>
      tokenScores(tl, f.codec, probes, nprobe, f.scores, f.rows, lut, allowed, imputed, found, ps, es);
    const scanRun = (threads?: string) => (found: Float32Array, ps: Uint32Array, es: Float32Array) => {
      const before = process.env.TARTAN_SEARCH_THREADS;
      if (threads) process.env.TARTAN_SEARCH_THREADS = threads;
      try {
        return fastScan(blocks, f.codec, probes, nprobe, f.scores, f.rows, ql, allowed, imputed, found, ps, es);
      } finally {
        if (before === undefined) delete process.env.TARTAN_SEARCH_THREADS;
        else process.env.TARTAN_SEARCH_THREADS = before;
      }
    };
    const e = stage2(exactRun, f),
      s = stage2(scanRun('1'), f);
    assert.deepEqual(
      e,
      twin(() => stage2(exactRun, f)),
      `nbits ${nbits}: float-table scores, native = TypeScript`,
    );
    assert.deepEqual(
      s,
      twin(() => stage2(scanRun(), f)),
      `nbits ${nbits}: fast scan, native = TypeScript`,
    );
    assert.deepEqual(stage2(scanRun('2'), f), s, `nbits ${nbits}: fast scan on 2 threads = 1 thread`);
    // A cut to the best `keep`: those passages by estimate (ties to the lower passage), in passage order.
    for (const [name, full, run] of [
      [
        'float',
        e,
        (fd: Float32Array, ps: Uint32Array, es: Float32Array) =>
          tokenScores(tl, f.codec, probes, nprobe, f.scores, f.rows, lut, allowed, imputed, fd, ps, es, 5),
      ],
      [
        'fast scan',
        s,
        (fd: Float32Array, ps: Uint32Array, es: Float32Array) =>
          fastScan(blocks, f.codec, probes, nprobe, f.scores, f.rows, ql, allowed, imputed, fd, ps, es, 5),
      ],
    ] as const) {
      assert.ok(full.ps.length > 5, 'the fixture has more candidates than the cut');
      const order = [...full.ps.keys()]
        .sort((a, b) => full.es[b] - full.es[a] || a - b)
        .slice(0, 5)
        .sort((a, b) => a - b);
      const cut = stage2(run, f);
      assert.deepEqual(
        [...cut.ps],
        order.map((i) => full.ps[i]),
        `nbits ${nbits} ${name}: the best 5 in passage order`,
      );
      assert.deepEqual(
        [...cut.es],
        order.map((i) => full.es[i]),
      );
      assert.deepEqual(
        cut,
        twin(() => stage2(run, f)),
        `nbits ${nbits} ${name}: cut, native = TypeScript`,
      );
    }
    // Oracle: the best exact similarity among probed, allowed tokens.
    const want = new Map<number, Float64Array>();
    for (let r = 0; r < f.rows; r++) {
      for (const c of probes.subarray(r * nprobe, (r + 1) * nprobe)) {
        for (let t = 0; t < f.T; t++) {
          if (f.codes[t] !== c) continue;
          const p = g.passageOf[t];
          if (!allowed[p]) continue;
          const row = want.get(p) ?? new Float64Array(f.rows).fill(-Infinity);
          row[r] = Math.max(row[r], exact(f, r, t));
          want.set(p, row);
        }
      }
    }
    assert.deepEqual(
      [...e.ps],
      [...want.keys()].sort((a, b) => a - b),
      'candidates: passages with a probed token, in passage order',
    );
    assert.deepEqual([...s.ps], [...e.ps]);
    for (const p of e.ps) {
      for (let r = 0; r < f.rows; r++) {
        const w = want.get(p)![r];
        if (w === -Infinity) {
          assert.equal(e.found[r * f.passages + p], -Infinity);
          continue;
        }
        assert.ok(Math.abs(e.found[r * f.passages + p] - w) < 1e-4, `float tables p ${p} r ${r}`);
        assert.ok(Math.abs(s.found[r * f.passages + p] - w) < 0.02, `quantised p ${p} r ${r}: ${s.found[r * f.passages + p]} vs ${w}`);
      }
    }
  }
});

test('refinement: a margin covering every token gives the MaxSim of the decoded rows; native equals TypeScript (float and quantised tables)', () => {
  const f = fixture(20, 2);
  const invNorm = invNorms(f.codec, f.centroids, f.codes, f.packed);
  const lut = buildLut(f.query, f.rows, f.codec),
    ql = quantLut(f.query, f.rows, f.codec);
  const list = Uint32Array.from({ length: 40 }, (_, i) => (i * 11) % f.passages).filter((p) => f.tokenOffsets[p + 1] > f.tokenOffsets[p]);
  const found = new Float32Array(f.passages * f.rows).fill(-Infinity);
  found[2 * f.passages + list[0]] = 0.5; // a found score is kept when nothing beats it
  const open = new Float32Array(f.rows).fill(Infinity);
  // A ceiling below every centroid score leaves only the found scores.
  const shut = new Float32Array(f.rows).fill(-Infinity);
  const onlyFound = refineQuant(invNorm, f.packed, f.codec, f.codes, f.tokenOffsets, list, found, shut, f.scores, f.rows, ql, 10);
  assert.equal(onlyFound[0], 0.5 + (f.rows - 1) * -Infinity);
  for (const margin of [0.05, 10]) {
    const a = refine({ invNorm, packed: f.packed }, f.codec, f.codes, f.tokenOffsets, list, found, open, f.scores, f.rows, lut, margin);
    assert.deepEqual(
      a,
      twin(() => refine({ invNorm, packed: f.packed }, f.codec, f.codes, f.tokenOffsets, list, found, open, f.scores, f.rows, lut, margin)),
      `float, margin ${margin}`,
    );
    const q = refineQuant(invNorm, f.packed, f.codec, f.codes, f.tokenOffsets, list, found, open, f.scores, f.rows, ql, margin);
    assert.deepEqual(
      q,
      twin(() => refineQuant(invNorm, f.packed, f.codec, f.codes, f.tokenOffsets, list, found, open, f.scores, f.rows, ql, margin)),
      `quantised, margin ${margin}`,
    );
    const ceiling = Float32Array.from({ length: f.rows }, (_, r) => f.scores[(r % f.k) * f.rows + r]);
    assert.deepEqual(
      refineQuant(invNorm, f.packed, f.codec, f.codes, f.tokenOffsets, list, found, ceiling, f.scores, f.rows, ql, margin),
      twin(() => refineQuant(invNorm, f.packed, f.codec, f.codes, f.tokenOffsets, list, found, ceiling, f.scores, f.rows, ql, margin)),
      `quantised with a ceiling, margin ${margin}`,
    );
    if (margin < 10) continue;
    list.forEach((p, i) => {
      let sum = 0;
      for (let r = 0; r < f.rows; r++) {
        let best = found[r * f.passages + p];
        for (let t = f.tokenOffsets[p]; t < f.tokenOffsets[p + 1]; t++) best = Math.max(best, exact(f, r, t));
        sum += best;
      }
      assert.ok(Math.abs(a[i] - sum) < 1e-3, `float refine ${i}: ${a[i]} vs ${sum}`);
      assert.ok(Math.abs(q[i] - sum) < 0.1, `quantised refine ${i}: ${q[i]} vs ${sum}`);
    });
  }
});

test('fast-scan blocks: 32 slots per block, byte j of a token at (block * rb + j) * 32 + slot, padding marked', () => {
  const f = fixture(30, 2);
  const g = groupTokens(f.codes, f.tokenOffsets, f.k);
  const inv = new Float32Array(f.T).map((_, t) => t);
  const b = buildBlocks(g.listStart, g.listTokens, g.passageOf, inv, f.packed, f.rb);
  for (let c = 0; c < f.k; c++) {
    const n = g.listStart[c + 1] - g.listStart[c];
    assert.equal(b.blockStart[c + 1] - b.blockStart[c], Math.ceil(n / SCAN_BLOCK));
    for (let i = 0; i < (b.blockStart[c + 1] - b.blockStart[c]) * SCAN_BLOCK; i++) {
      const slot = b.blockStart[c] * SCAN_BLOCK + i,
        blk = Math.floor(slot / SCAN_BLOCK),
        lane = slot % SCAN_BLOCK;
      if (i >= n) {
        assert.equal(b.passage[slot], 0xffffffff);
        continue;
      }
      const t = g.listTokens[g.listStart[c] + i];
      assert.equal(b.invNorm[slot], t);
      assert.equal(b.passage[slot], g.passageOf[t]);
      for (let j = 0; j < f.rb; j++) assert.equal(b.bytes[(blk * f.rb + j) * SCAN_BLOCK + lane], f.packed[t * f.rb + j]);
    }
  }
});

test('native token kernels refuse inconsistent tables', { skip: noNative }, () => {
  const f = fixture(40, 2);
  const native = plaidNative() as unknown as Record<string, (...a: unknown[]) => unknown>;
  const g = groupTokens(f.codes, f.tokenOffsets, f.k);
  const blocks = buildBlocks(g.listStart, g.listTokens, g.passageOf, new Float32Array(f.T), f.packed, f.rb);
  const ql = quantLut(f.query, f.rows, f.codec);
  const P = f.passages;
  const args = (over: Record<number, unknown>) => {
    const a: unknown[] = [
      blocks.blockStart,
      blocks.bytes,
      blocks.passage,
      blocks.invNorm,
      f.dim,
      2,
      new Uint32Array(f.rows),
      1,
      f.scores,
      f.rows,
      ql.qlut,
      ql.delta,
      ql.bias,
      new Uint8Array(P).fill(1),
      new Float32Array(f.rows),
      new Float32Array(P * f.rows),
      new Uint32Array(P),
      new Float32Array(P),
    ];
    for (const [i, v] of Object.entries(over)) a[Number(i)] = v;
    return a;
  };
  assert.equal(typeof native.fastScan(...args({})), 'number');
  const badStart = blocks.blockStart.slice();
  badStart[f.k] = badStart[f.k] + 5;
  assert.throws(() => native.fastScan(...args({ 0: badStart })), /run past the blocks/);
  assert.throws(() => native.fastScan(...args({ 6: Uint32Array.from({ length: f.rows }, () => f.k) })), /outside the blocks/);
  assert.throws(() => native.fastScan(...args({ 15: new Float32Array(3) })), /found must hold/);
  assert.throws(
    () =>
      native.refineQuant(
        new Float32Array(f.T),
        f.packed,
        f.dim,
        2,
        f.codes,
        f.tokenOffsets,
        Uint32Array.of(P),
        new Float32Array(P * f.rows),
        new Float32Array(f.rows),
        f.scores,
        f.rows,
        ql.qlut,
        ql.delta,
        ql.bias,
        0.1,
        new Float32Array(1),
      ),
    /outside the token table/,
  );
});
