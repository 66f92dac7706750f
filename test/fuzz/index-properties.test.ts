/**
 * Property tests of the Index facade (create/open/add/search/delete) and the
 * file stores under it: wrong types, wrong dimensions, NaN vectors, empty
 * collections, k of 0 / negative / above MAX_K / fractional, bad filters and search
 * knobs. Good calls must return sane hits; bad ones a coded TartanError.
 */
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { ErrorCodes } from '../../src/core/errors.js';
import { MAX_K } from '../../src/core/result-count.js';
import { Index } from '../../src/retrieval/index-facade.js';
import { FlatStore } from '../../src/stores/file/flat-store.js';
import type { LateInteractionEncoder } from '../../src/models/types.js';
import type { TokenMatrix } from '../../src/core/tensors.js';
import { CaseCounter, RUNS, badCount, hostileText, junk, mustRefuse, nonFinite, show, succeedOrCoded } from './fuzz-helpers.js';

const cases = new CaseCounter('index property cases');
let root: string;
let n = 0;
const fresh = () => join(root, `ix-${n++}`);
before(() => {
  root = mkdtempSync(join(tmpdir(), 'tartan-fuzz-index-'));
});
after(() => {
  rmSync(root, { recursive: true, force: true });
  cases.report();
});

const DOCS = [
  { id: 'a', text: 'Aspirin lowers fever and pain.', metadata: { topic: 'drugs', year: 2001 } },
  { id: 'b', text: 'Green tea contains caffeine.', metadata: { topic: 'food', year: 2015 } },
  { id: 'c', text: 'Vaccines train the immune system against viruses.', metadata: { topic: 'health', year: 1999 } },
  { id: 'd', text: 'Ibuprofen reduces fever like aspirin.', metadata: { topic: 'drugs', year: 2010 } },
];

/** An encoder that returns the matrices it is told to, to feed NaN or wrong-dim vectors through the facade. */
function scriptedEncoder(dim: number, make: (text: string) => TokenMatrix): LateInteractionEncoder {
  async function* embed(texts: Iterable<string> | AsyncIterable<string>) {
    for await (const t of texts) yield make(t);
  }
  return { kind: 'colbert', modelId: 'scripted', dim, queryEmbed: embed, passageEmbed: embed, vectorTokens: () => [], dispose: async () => {} };
}

test('Index: search knobs — k of 0, huge, negative, fractional, non-numbers; filters; nprobe/ndocs', async () => {
  for (const mode of ['plaid', 'flat'] as const) {
    const index = await Index.create(fresh(), { model: 'lexical:32', mode });
    await index.add(DOCS);
    try {
      for (const k of [0, MAX_K + 1, 2 ** 31]) await mustRefuse(() => index.search('fever', { k }), [ErrorCodes.INVALID_ARGUMENT], `k = ${k}`);
      const all = await index.search('fever', { k: MAX_K });
      assert.ok(all.length <= DOCS.length && all.length > 0, 'the largest k returns what there is');
      assert.deepEqual(
        all.map((h) => h.rank),
        all.map((_, i) => i + 1),
      );
      await fc.assert(
        fc.asyncProperty(badCount, fc.constantFrom('k', 'nprobe', 'ndocs'), async (v, knob) => {
          cases.tick();
          await mustRefuse(() => index.search('fever', { [knob]: v }), [ErrorCodes.INVALID_ARGUMENT], `${mode} ${knob}=${show(v)}`);
        }),
        { numRuns: RUNS },
      );
      for (const knob of ['nprobe', 'ndocs']) await mustRefuse(() => index.search('fever', { [knob]: 0 }), [ErrorCodes.INVALID_ARGUMENT], `${knob} = 0`);
      // filters: anything goes in, a coded refusal or hits that satisfy the filter come out
      await fc.assert(
        fc.asyncProperty(
          fc.oneof(junk, fc.dictionary(fc.constantFrom('topic', 'year', '$in', '__proto__', 'constructor'), junk, { maxKeys: 3 })),
          async (filter) => {
            cases.tick();
            const r = await succeedOrCoded(() => index.search('fever', { k: 10, filter: filter as never }), `filter ${show(filter)}`);
            if (!r.ok) assert.ok([ErrorCodes.INVALID_FILTER, ErrorCodes.INVALID_ARGUMENT].includes(r.error.code as never), r.error.code);
          },
        ),
        { numRuns: RUNS },
      );
      const drugs = await index.search('fever', { k: 10, filter: { topic: 'drugs', year: { $gte: 2005 } } });
      assert.deepEqual(
        drugs.map((h) => h.id),
        ['d'],
      );
      await mustRefuse(() => index.search('fever', { filter: { year: { $near: 3 } } as never }), [ErrorCodes.INVALID_FILTER]);
      await mustRefuse(() => index.search('fever', { candidates: 'a' as never }), [ErrorCodes.INVALID_ARGUMENT], 'candidates as a string');
      await mustRefuse(
        () => index.search('fever', { weights: [1, 2] as never }),
        [ErrorCodes.INVALID_ARGUMENT, ErrorCodes.DIMENSION_MISMATCH],
        'weights as a plain array',
      );
      cases.tick(6);
    } finally {
      await index.close();
    }
  }
});

test('Index: queries of any text are hits or a coded refusal; non-strings are refused', async () => {
  const index = await Index.create(fresh(), { model: 'lexical:32', mode: 'flat' });
  await index.add(DOCS);
  try {
    await fc.assert(
      fc.asyncProperty(hostileText, async (q) => {
        cases.tick();
        const r = await succeedOrCoded(() => index.search(q, { k: 3 }), `query ${show(q)}`);
        if (r.ok) {
          assert.ok(r.value.length <= 3);
          for (const h of r.value) assert.ok(Number.isFinite(h.score) && DOCS.some((d) => d.id === h.id), `hit ${show(h)}`);
        } else assert.ok([ErrorCodes.EMPTY_TEXT, ErrorCodes.TEXT_TOO_LONG].includes(r.error.code as never), r.error.code);
      }),
      { numRuns: RUNS },
    );
    await fc.assert(
      fc.asyncProperty(
        junk.filter((v) => typeof v !== 'string'),
        async (q) => {
          cases.tick();
          await mustRefuse(() => index.search(q as string), [ErrorCodes.NOT_A_STRING, ErrorCodes.EMPTY_TEXT], `query ${show(q)}`);
        },
      ),
      { numRuns: RUNS },
    );
    await mustRefuse(() => index.search('x'.repeat(2_000_000)), [ErrorCodes.TEXT_TOO_LONG], 'a 2M-character query');
    cases.tick();
  } finally {
    await index.close();
  }
});

test('Index: empty collections search to [] and junk documents are refused before anything is written', async () => {
  const dir = fresh();
  const index = await Index.create(dir, { model: 'lexical:32' });
  try {
    assert.deepEqual(await index.search('fever'), [], 'an empty plaid index has no hits');
    await index.add([]);
    assert.equal((await index.info()).documents, 0);
    const bad: Array<[unknown, string]> = [
      [null, 'null'],
      [42, 'a number'],
      ['abc', 'a string'],
      [{ id: 'x', text: 'y' }, 'one document, not a list'],
      [[null], 'a null document'],
      [[{ text: 'no id' }], 'no id'],
      [[{ id: '', text: 'x' }], 'empty id'],
      [[{ id: 7, text: 'x' }], 'numeric id'],
      [[{ id: 'x' }], 'no text'],
      [[{ id: 'x', text: 7 }], 'numeric text'],
      [[{ id: 'x', text: '  \n' }], 'blank text'],
      [[{ id: 'x', text: 'ok', metadata: 'm' }], 'string metadata'],
      [[{ id: 'x', text: 'ok', metadata: { nested: { a: 1 } } }], 'nested metadata'],
      [[{ id: 'x', text: 'ok', metadata: { n: NaN } }], 'NaN metadata'],
      [[{ id: 'x', text: 'ok', metadata: [1] }], 'array metadata'],
      [
        [
          { id: 'x', text: 'a' },
          { id: 'x', text: 'b' },
        ],
        'duplicate ids',
      ],
    ];
    for (const [docs, what] of bad) {
      cases.tick();
      await mustRefuse(() => index.add(docs as never), undefined, what);
    }
    for (const segmentTokens of [0, -1, NaN, 'x'])
      await mustRefuse(() => index.add(DOCS, { segmentTokens: segmentTokens as number }), [ErrorCodes.INVALID_ARGUMENT], `segmentTokens ${segmentTokens}`);
    await mustRefuse(() => index.add(DOCS, { onProgress: 'x' as never }), [ErrorCodes.INVALID_ARGUMENT], 'onProgress not a function');
    assert.equal((await index.info()).documents, 0, 'refused adds wrote nothing');
    await index.add(DOCS);
    await mustRefuse(() => index.add([{ id: 'a', text: 'again' }]), [ErrorCodes.DUPLICATE_ID]);
    // delete takes a list of ids: a bare string must not be split into characters
    for (const ids of ['ab', null, 5, [5], [null], { a: 1 }]) {
      cases.tick();
      await mustRefuse(() => index.delete(ids as never), [ErrorCodes.INVALID_ARGUMENT], `delete(${show(ids)})`);
    }
    assert.equal(await index.delete(['a', 'a', 'nope']), 1);
    assert.equal(await index.delete([]), 0);
    assert.equal((await index.info()).documents, 3);
  } finally {
    await index.close();
  }
});

test('Index: NaN and wrong-dimension vectors from an encoder are refused; NaN queries never give hits', async () => {
  await fc.assert(
    fc.asyncProperty(nonFinite, fc.nat(), fc.constantFrom('plaid', 'flat'), async (bad, at, mode) => {
      cases.tick();
      let poison = true;
      const enc = scriptedEncoder(4, () => {
        const data = Float32Array.of(0.5, 0.5, 0.5, 0.5, 1, 0, 0, 0);
        if (poison) data[at % data.length] = bad;
        return { data, rows: 2, dim: 4 };
      });
      const index = await Index.create(fresh(), { encoder: enc, mode });
      try {
        await mustRefuse(() => index.add([{ id: 'x', text: 'x' }]), [ErrorCodes.NON_FINITE_VALUE], `${mode} add ${bad}`);
        poison = false;
        await index.add([
          { id: 'x', text: 'x' },
          { id: 'y', text: 'y' },
        ]);
        poison = true;
        await mustRefuse(() => index.search('q'), [ErrorCodes.NON_FINITE_VALUE], `${mode} query ${bad}`);
      } finally {
        await index.close();
      }
    }),
    { numRuns: Math.ceil(RUNS / 5) },
  );
  const wrongDim = scriptedEncoder(8, () => ({ data: new Float32Array(4).fill(0.5), rows: 1, dim: 4 }));
  const index = await Index.create(fresh(), { encoder: wrongDim, mode: 'flat' });
  try {
    await mustRefuse(() => index.add([{ id: 'x', text: 'x' }]), [ErrorCodes.DIMENSION_MISMATCH], 'matrices of another dim than the encoder says');
    await mustRefuse(() => index.search('q'), [ErrorCodes.DIMENSION_MISMATCH], 'a query of another dim');
  } finally {
    await index.close();
  }
  // the store level: vectors of the wrong dim, NaN query matrices
  const store = await FlatStore.create(fresh(), { dim: 4 });
  try {
    await mustRefuse(() => store.add([{ id: 'x' }], { data: new Float32Array(3), offsets: Uint32Array.of(0, 1), dim: 3 }), [ErrorCodes.DIMENSION_MISMATCH]);
    await store.add([{ id: 'x' }], { data: Float32Array.of(1, 0, 0, 0), offsets: Uint32Array.of(0, 1), dim: 4 });
    await mustRefuse(() => store.search({ data: Float32Array.of(NaN, 0, 0, 0), rows: 1, dim: 4 }), [ErrorCodes.NON_FINITE_VALUE]);
    // the store itself must not split a string into one-character ids (it would delete documents "x", ...)
    await mustRefuse(() => store.delete('xy' as never), [ErrorCodes.INVALID_ARGUMENT]);
    assert.equal((await store.info()).documents, 1);
  } finally {
    await store.close();
  }
  cases.tick(5);
});

test('Index.create / open: junk locations and settings are coded errors; accepted settings give a working index', async () => {
  for (const loc of [null, 42, '', {}, ['x']]) {
    cases.tick();
    await mustRefuse(() => Index.create(loc as never, { model: 'lexical:16' }), [ErrorCodes.INVALID_ARGUMENT], `create(${show(loc)})`);
    await mustRefuse(() => Index.open(loc as never), [ErrorCodes.INVALID_ARGUMENT, ErrorCodes.INDEX_NOT_FOUND], `open(${show(loc)})`);
  }
  await mustRefuse(() => Index.open(join(root, 'missing')), [ErrorCodes.INDEX_NOT_FOUND]);
  // undefined settings (forwarded optional flags) take the defaults; stored as undefined they once made chunking loop forever
  const defaults = await Index.create(fresh(), {
    model: 'lexical:16',
    mode: undefined,
    nbits: undefined,
    chunkTokens: undefined,
    chunkOverlap: undefined,
    nprobe: undefined,
  });
  try {
    await defaults.add(DOCS);
    assert.ok((await defaults.search('fever', { k: 1 })).length === 1);
  } finally {
    await defaults.close();
  }
  await mustRefuse(() => Index.create(fresh(), { model: 'no-such-model-xyz' }), [ErrorCodes.UNKNOWN_MODEL, ErrorCodes.MODEL_FILES_MISSING]);
  await fc.assert(
    fc.asyncProperty(
      fc.constantFrom('nbits', 'mode', 'flatDtype', 'centroids', 'poolFactor', 'chunkTokens', 'chunkOverlap', 'nprobe', 'ndocs'),
      fc.oneof(junk, fc.integer({ min: -3, max: 40 }), fc.constantFrom('plaid', 'flat', 'f16', 'i8')),
      async (key, value) => {
        cases.tick();
        const dir = fresh();
        const r = await succeedOrCoded(() => Index.create(dir, { model: 'lexical:16', [key]: value }), `${key}=${show(value)}`);
        if (!r.ok) return assert.equal(r.error.code, ErrorCodes.INVALID_ARGUMENT, `${key}=${show(value)}: ${r.error.message}`);
        // whatever was accepted must index and search without hanging or failing
        try {
          await r.value.add(DOCS.map((d) => ({ ...d, text: `${d.text} ${d.text} ${d.text}` })));
          const hits = await r.value.search('fever aspirin', { k: 2 });
          assert.ok(hits.length > 0 && hits.every((h) => Number.isFinite(h.score)), `${key}=${show(value)} gave ${show(hits)}`);
        } finally {
          await r.value.close();
        }
      },
    ),
    { numRuns: RUNS },
  );
});
