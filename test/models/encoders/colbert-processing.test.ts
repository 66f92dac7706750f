import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fixtureTokenizerDir, sharedDir } from '../../../src/core/paths.js';
import { ColbertProcessor, DEFAULT_SKIPLIST, copyNormalizedRows } from '../../../src/models/encoders/colbert-processing.js';
import { ModelTokenizer } from '../../../src/models/encoders/tokenizer.js';
import type { ColbertSettings } from '../../../src/models/registry-types.js';
import { SHARED, needsShared } from '../../shared-fixtures.js';

interface SeedCase {
  query: string;
  documents: string[];
  late_interaction: { query_shape: number[]; document_shapes: number[][] };
}
const withSeeds = needsShared(SHARED.tokenizer, SHARED.seedCases);
const seeds = withSeeds.skip ? { cases: [] } : (JSON.parse(readFileSync(join(sharedDir(), 'reference', 'seed-cases.json'), 'utf8')) as { cases: SeedCase[] });

const settings = (over: Partial<ColbertSettings> = {}): ColbertSettings => ({
  queryMarkerId: 1,
  documentMarkerId: 2,
  queryLength: 32,
  documentLength: 512,
  attendToExpansionTokens: false,
  skiplistWords: [...DEFAULT_SKIPLIST],
  maskTokenId: 103,
  ...over,
});

test('seed shapes follow from the tokenizer and the ColBERT rules alone', withSeeds, async () => {
  const p = new ColbertProcessor(await ModelTokenizer.load(fixtureTokenizerDir()), settings());
  const rows: number[][] = [];
  for (const c of seeds.cases) {
    assert.equal(p.prepareQuery(c.query).keep.length, c.late_interaction.query_shape[0]);
    rows.push(c.documents.map((d) => p.prepareDocument(d).keep.length));
    assert.deepEqual(
      rows.at(-1),
      c.late_interaction.document_shapes.map((s) => s[0]),
    );
  }
  assert.deepEqual(rows, [
    [30, 13, 16, 25],
    [17, 11],
  ]);
});

test('query: marker after [CLS], [MASK] padding to 32, attention over expansion per setting', needsShared(SHARED.tokenizer), async () => {
  const tok = await ModelTokenizer.load(fixtureTokenizerDir());
  const q = new ColbertProcessor(tok, settings()).prepareQuery('What is Qdrant?');
  assert.deepEqual(q.ids.slice(0, 3), [101, 1, 2054]);
  assert.equal(q.ids.length, 32);
  assert.equal(q.ids[8], 102); // [CLS] [unused0] what is q ##dran ##t ? [SEP]
  assert.ok(q.ids.slice(9).every((id) => id === 103));
  assert.deepEqual(q.attention.slice(0, 9), new Array(9).fill(1));
  assert.ok(q.attention.slice(9).every((a) => a === 0));
  const attending = new ColbertProcessor(tok, settings({ attendToExpansionTokens: true })).prepareQuery('What is Qdrant?');
  assert.ok(attending.attention.every((a) => a === 1));
  const long = new ColbertProcessor(tok, settings()).prepareQuery('word '.repeat(100));
  assert.equal(long.ids.length, 32);
  assert.equal(long.ids[31], 102);
});

test('document: marker, punctuation dropped, truncation keeps [SEP]', needsShared(SHARED.tokenizer), async () => {
  const tok = await ModelTokenizer.load(fixtureTokenizerDir());
  const p = new ColbertProcessor(tok, settings({ documentLength: 6 }));
  const d = p.prepareDocument('a, b. c d e f g');
  assert.deepEqual(d.ids, [101, 2, 1037, 1010, 1038, 102]);
  assert.deepEqual(d.keep, [0, 1, 2, 4, 5]);
  assert.deepEqual(
    p.vectorTokens('a, b. c d e f g', false).map((t) => t.text),
    ['[CLS]', '[unused1]', 'a', 'b', '[SEP]'],
  );
});

test('copyNormalizedRows keeps the chosen rows and gives them unit length', () => {
  const src = new Float32Array([3, 4, 9, 9, 0, 2]);
  const dst = new Float32Array(4);
  copyNormalizedRows(src, 0, 2, [0, 2], dst, 0);
  assert.deepEqual(
    Array.from(dst),
    [0.6, 0.8, 0, 1].map((x) => Math.fround(x)),
  );
});
