/**
 * Property tests of the text-facing API: BM25 (parameters, add/search/delete,
 * save/load), the analyser, the pipeline spec parser and the model tokenizer,
 * fed hostile text (lone surrogates, control characters, huge inputs) and
 * values of the wrong type. Results must be well-formed; refusals coded.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { ErrorCodes } from '../../src/core/errors.js';
import { Bm25Index } from '../../src/lexical/bm25.js';
import { loadBm25, saveBm25 } from '../../src/lexical/bm25-file.js';
import { EnglishAnalyser, tokenize } from '../../src/lexical/analyser.js';
import { PIPELINE_PRESETS, parsePipeline } from '../../src/retrieval/pipeline-spec.js';
import { MAX_TEXT_CHARS, ModelTokenizer, assertText } from '../../src/models/encoders/tokenizer.js';
import { fixtureTokenizerDir } from '../../src/core/paths.js';
import { CaseCounter, RUNS, badCount, hostileText, junk, mustRefuse, show, succeedOrCodedSync } from './fuzz-helpers.js';
import { SHARED, needsShared } from '../shared-fixtures.js';

const cases = new CaseCounter('text property cases');
after(() => cases.report());

const WORDS = ['fever', 'aspirin', 'tea', 'caffeine', 'virus', 'immune', 'the', 'of', 'cell', 'cells', '1,000', 'U.S.'];
const docText = fc.array(fc.oneof(fc.constantFrom(...WORDS), hostileText), { maxLength: 12 }).map((w) => w.join(' '));

test('BM25: any parameters in range, documents and query give unique, finite, sorted hits (huge k1 included)', () => {
  fc.assert(
    fc.property(
      fc.oneof(fc.double({ min: 0, max: 3, noNaN: true }), fc.constantFrom(0, 1e30, 3e38, Number.MAX_VALUE)),
      fc.double({ min: 0, max: 1, noNaN: true }),
      fc.array(docText, { maxLength: 8 }),
      docText,
      fc.integer({ min: 1, max: 20 }),
      fc.array(fc.nat({ max: 7 }), { maxLength: 3 }),
      (k1, b, texts, query, k, deletions) => {
        cases.tick();
        const index = new Bm25Index({ k1, b });
        texts.forEach((t, i) => index.add(`d${i}`, t));
        for (const d of deletions) index.delete(`d${d}`);
        const hits = index.search(query, k);
        assert.ok(hits.length <= Math.min(k, index.size));
        assert.equal(new Set(hits.map((h) => h.id)).size, hits.length, `an id twice with k1=${k1}: ${show(hits)}`);
        for (let i = 0; i < hits.length; i++) {
          assert.ok(Number.isFinite(hits[i].score) && hits[i].score >= 0 && index.has(hits[i].id));
          if (i > 0) assert.ok(hits[i - 1].score >= hits[i].score);
        }
      },
    ),
    { numRuns: RUNS },
  );
});

test('BM25: bad parameters, ids, texts, queries and k are coded errors', async () => {
  await fc.assert(
    fc.asyncProperty(fc.constantFrom('k1', 'b'), fc.oneof(junk, fc.double({ min: -10, max: -1e-9 }), fc.constantFrom(1.5, 2, '0.5')), async (key, v) => {
      cases.tick();
      const r = succeedOrCodedSync(() => new Bm25Index({ [key]: v }), `${key}=${show(v)}`);
      const ok = v === undefined || v === null || (typeof v === 'number' && Number.isFinite(v) && v >= 0 && (key === 'k1' || v <= 1));
      assert.equal(r.ok, ok, `${key}=${show(v)}`);
    }),
    { numRuns: RUNS },
  );
  await mustRefuse(() => new Bm25Index(null as never), [ErrorCodes.INVALID_ARGUMENT], 'null params');
  const index = new Bm25Index();
  index.add('a', 'aspirin fever');
  await fc.assert(
    fc.asyncProperty(junk, fc.constantFrom('id', 'text', 'query', 'k'), async (v, where) => {
      cases.tick();
      const r = succeedOrCodedSync(
        () => {
          if (where === 'id') return index.add(v as string, 'text');
          if (where === 'text') return index.add(`t-${Math.random()}`, v as string);
          if (where === 'query') return index.search(v as string, 3);
          return index.search('fever', v as number);
        },
        `${where}=${show(v)}`,
      );
      if (r.ok)
        assert.ok(
          (where === 'id' && typeof v === 'string' && v !== '') ||
            (['text', 'query'].includes(where) && typeof v === 'string') ||
            (where === 'k' && Number.isInteger(v) && (v as number) >= 1),
          `${where}=${show(v)} accepted`,
        );
    }),
    { numRuns: RUNS * 2 },
  );
  for (const k of [0, -1, 2.5, NaN]) await mustRefuse(() => index.search('fever', k), [ErrorCodes.INVALID_ARGUMENT], `k=${k}`);
  assert.equal(index.search('fever', 2 ** 31).length, 1, 'a huge k is fine');
  assert.equal(new Bm25Index().search('fever', 5).length, 0, 'an empty index has no hits');
});

test('BM25: save then load keeps every search result', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tartan-fuzz-bm25-'));
  try {
    fc.assert(
      fc.property(fc.array(docText, { minLength: 1, maxLength: 6 }), docText, fc.array(fc.nat({ max: 5 }), { maxLength: 2 }), (texts, query, deletions) => {
        cases.tick();
        const index = new Bm25Index();
        texts.forEach((t, i) => index.add(`d${i}`, t));
        for (const d of deletions) index.delete(`d${d}`);
        saveBm25(index, dir);
        assert.deepEqual(loadBm25(dir).search(query, 10), index.search(query, 10));
      }),
      { numRuns: Math.ceil(RUNS / 2) },
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('analyser: any text gives terms without throwing; raw tokens are substrings of the text', () => {
  const a = new EnglishAnalyser();
  fc.assert(
    fc.property(hostileText, (text) => {
      cases.tick();
      for (const t of tokenize(text)) assert.ok(text.includes(t));
      for (const term of a.analyse(text)) assert.ok(typeof term === 'string' && term.length > 0);
    }),
    { numRuns: RUNS },
  );
});

test('pipeline specs: any string parses or is refused with a code; prototype names are not presets', async () => {
  const stage = fc
    .tuple(
      fc.constantFrom('bm25', 'dense', 'colbert', 'cross-encoder', 'bogus', ''),
      fc.option(fc.oneof(fc.nat({ max: 200_000 }), fc.constant(0)), { nil: undefined }),
    )
    .map(([name, k]) => (k === undefined ? name : `${name}:${k}`));
  const spec = fc.oneof(
    fc.array(stage, { minLength: 1, maxLength: 3 }).chain((first) => fc.array(stage, { maxLength: 2 }).map((rest) => [first.join('+'), ...rest].join('>'))),
    fc.string({ unit: 'binary', maxLength: 30 }),
    fc.constantFrom(
      ...Object.keys(PIPELINE_PRESETS),
      'constructor',
      '__proto__',
      'toString',
      'hasOwnProperty',
      'valueOf',
      ' bm25 ',
      'bm25>>colbert',
      'bm25:',
      ':5',
      'bm25:1e3',
      'bm25:-1',
    ),
  );
  await fc.assert(
    fc.asyncProperty(spec, async (text) => {
      cases.tick();
      const r = succeedOrCodedSync(() => parsePipeline(text), `spec ${show(text)}`);
      if (!r.ok) return assert.ok([ErrorCodes.UNKNOWN_PIPELINE, ErrorCodes.INVALID_ARGUMENT].includes(r.error.code as never), r.error.code);
      assert.ok(r.value.first.length >= 1);
      for (const s of [...r.value.first, ...r.value.rerank]) assert.ok(s.k === undefined || (Number.isInteger(s.k) && s.k >= 1 && s.k <= 100_000));
    }),
    { numRuns: RUNS * 2 },
  );
  for (const name of ['constructor', '__proto__', 'toString']) await mustRefuse(() => parsePipeline(name), [ErrorCodes.UNKNOWN_PIPELINE], name);
  await fc.assert(
    fc.asyncProperty(
      junk.filter((v) => typeof v !== 'string'),
      async (v) => {
        cases.tick();
        await mustRefuse(() => parsePipeline(v as string), [ErrorCodes.UNKNOWN_PIPELINE], show(v));
        if (v !== undefined) await mustRefuse(() => parsePipeline('bm25', v as 'rrf'), [ErrorCodes.INVALID_ARGUMENT], `fusion ${show(v)}`);
      },
    ),
    { numRuns: RUNS },
  );
});

test('tokenizer: hostile text encodes to valid ids; offsets stay inside the text; bad inputs are coded', needsShared(SHARED.tokenizer), async (_t) => {
  const dir = fixtureTokenizerDir();
  // The shared tokenizer fixture is part of the test environment; failing to load it fails the test.
  const tok: ModelTokenizer = await ModelTokenizer.load(dir);
  fc.assert(
    fc.property(hostileText, fc.boolean(), (text, special) => {
      cases.tick();
      const e = tok.encode(text, special);
      assert.equal(e.ids.length, e.tokens.length);
      for (const id of e.ids) assert.ok(Number.isInteger(id) && id >= 0 && id < 30522, `id ${id}`);
      const offsets = tok.offsets(text, e.tokens);
      assert.equal(offsets.length, e.tokens.length);
      for (const o of offsets) if (o) assert.ok(o[0] >= 0 && o[0] <= o[1] && o[1] <= text.length, `offset ${o} in ${text.length}`);
    }),
    { numRuns: RUNS },
  );
  fc.assert(
    fc.property(hostileText, hostileText, fc.integer({ min: 4, max: 64 }), (q, d, max) => {
      cases.tick();
      const p = tok.encodePair(q, d, max);
      assert.ok(p.ids.length <= max, `${p.ids.length} > ${max}`);
      assert.equal(p.typeIds.length, p.ids.length);
    }),
    { numRuns: RUNS },
  );
  for (const max of [NaN, -5, 0, 2, 2.5, Infinity])
    await mustRefuse(() => tok.encodePair('a b', 'c d', max), [ErrorCodes.INVALID_ARGUMENT], `maxLength ${max}`);
  await fc.assert(
    fc.asyncProperty(
      junk.filter((v) => typeof v !== 'string'),
      async (v) => {
        cases.tick();
        await mustRefuse(() => tok.encode(v as string), [ErrorCodes.NOT_A_STRING], show(v));
        await mustRefuse(() => assertText(v), [ErrorCodes.NOT_A_STRING], show(v));
      },
    ),
    { numRuns: RUNS },
  );
  await mustRefuse(() => tok.encode('x'.repeat(MAX_TEXT_CHARS + 1)), [ErrorCodes.TEXT_TOO_LONG]);
  // a large but allowed text finishes (no quadratic blow-up): 200k characters of words
  const started = Date.now();
  assert.ok(tok.encode('aspirin lowers fever '.repeat(10_000)).ids.length > 10_000);
  assert.ok(Date.now() - started < 20_000, 'encoding 210k characters took over 20 s');
  cases.tick(3);
});

test('badCount values are never valid k for any of these APIs', async () => {
  // keeps the shared arbitrary honest: each value must be refused by BM25 search
  const index = new Bm25Index();
  index.add('a', 'fever');
  await fc.assert(
    fc.asyncProperty(badCount, async (k) => {
      cases.tick();
      await mustRefuse(() => index.search('fever', k as number), [ErrorCodes.INVALID_ARGUMENT], show(k));
    }),
    { numRuns: RUNS },
  );
});
