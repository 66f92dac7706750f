import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ErrorCodes, isTartanError } from '../../../src/core/errors.js';
import { fixtureTokenizerDir } from '../../../src/core/paths.js';
import { assertText, MAX_TEXT_CHARS, ModelTokenizer } from '../../../src/models/encoders/tokenizer.js';
import { SHARED, needsShared } from '../../shared-fixtures.js';

// Expected ids come from vocab.txt (line number = id), not from the tokenizer under test.
const shared = needsShared(SHARED.tokenizer);
const vocab = shared.skip ? [] : readFileSync(join(fixtureTokenizerDir(), 'vocab.txt'), 'utf8').split('\n');
const id = (token: string) => vocab.indexOf(token);

test('encodes with the BERT template: [CLS] ... [SEP], lower-cased WordPiece', shared, async () => {
  const tok = await ModelTokenizer.load(fixtureTokenizerDir());
  const e = tok.encode('What is Qdrant?');
  assert.deepEqual(e.tokens, ['[CLS]', 'what', 'is', 'q', '##dran', '##t', '?', '[SEP]']);
  assert.deepEqual(e.ids, e.tokens.map(id));
  assert.deepEqual(tok.specialPrefix, [id('[CLS]')]);
  assert.deepEqual(tok.specialSuffix, [id('[SEP]')]);
  assert.equal(tok.maskId, id('[MASK]'));
  assert.equal(tok.padId, id('[PAD]'));
  assert.equal(tok.modelMaxLength, 512);
  assert.deepEqual(tok.encode('hello', false).ids, [id('hello')]);
});

test('offsets map tokens back to the original text, accents and case included', shared, async () => {
  const tok = await ModelTokenizer.load(fixtureTokenizerDir());
  const text = 'Héllo, Wörld! naïve Café';
  const e = tok.encode(text);
  const spans = tok.offsets(text, e.tokens).map((o) => (o ? text.slice(o[0], o[1]) : null));
  assert.deepEqual(spans, [null, 'Héllo', ',', 'Wörld', '!', 'naïve', 'Café', null]);
});

test('pair encoding: [CLS] q [SEP] d [SEP] with segment ids; truncation cuts the document first', shared, async () => {
  const tok = await ModelTokenizer.load(fixtureTokenizerDir());
  const full = tok.encodePair('what is a', 'the world the world', 512);
  assert.deepEqual(full.tokens, ['[CLS]', 'what', 'is', 'a', '[SEP]', 'the', 'world', 'the', 'world', '[SEP]']);
  assert.deepEqual(full.typeIds, [0, 0, 0, 0, 0, 1, 1, 1, 1, 1]);
  const cut = tok.encodePair('what is a', 'the world the world', 7);
  assert.deepEqual(cut.tokens, ['[CLS]', 'what', 'is', 'a', '[SEP]', 'the', '[SEP]']);
  assert.deepEqual(cut.typeIds, [0, 0, 0, 0, 0, 1, 1]);
  // A query longer than the budget is cut too, and the document gets nothing.
  const long = tok.encodePair('what is a world', 'the', 5);
  assert.deepEqual(long.tokens, ['[CLS]', 'what', 'is', '[SEP]', '[SEP]']);
});

test('missing tokenizer.json is MODEL_FILES_MISSING naming the file and folder', async () => {
  await assert.rejects(
    ModelTokenizer.load('/nonexistent-folder'),
    (e: unknown) => isTartanError(e, ErrorCodes.MODEL_FILES_MISSING) && /tokenizer\.json/.test(e.message) && /nonexistent-folder/.test(e.message),
  );
});

test('input validation: non-string, empty, enormous; long-but-normal passes', () => {
  assert.throws(
    () => assertText(42),
    (e: unknown) => isTartanError(e, ErrorCodes.NOT_A_STRING),
  );
  assert.throws(
    () => assertText(null, 3),
    (e: unknown) => isTartanError(e, ErrorCodes.NOT_A_STRING) && /#3/.test(e.message),
  );
  assert.throws(
    () => assertText(''),
    (e: unknown) => isTartanError(e, ErrorCodes.EMPTY_TEXT),
  );
  assert.throws(
    () => assertText('  \n\t'),
    (e: unknown) => isTartanError(e, ErrorCodes.EMPTY_TEXT),
  );
  assert.throws(
    () => assertText('x'.repeat(MAX_TEXT_CHARS + 1)),
    (e: unknown) => isTartanError(e, ErrorCodes.TEXT_TOO_LONG),
  );
  assert.doesNotThrow(() => assertText('word '.repeat(5000)));
});
