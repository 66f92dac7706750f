import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ENGLISH_STOPWORDS, EnglishAnalyser, tokenize } from '../../src/lexical/analyser.js';

test('the stopword set is Lucene/Anserini default English set of 33 words', () => {
  assert.equal(ENGLISH_STOPWORDS.size, 33);
  for (const w of ['a', 'the', 'into', 'such', 'their', 'will', 'with']) assert.ok(ENGLISH_STOPWORDS.has(w), w);
  for (const w of ['i', 'he', 'she', 'we', 'you', 'has']) assert.ok(!ENGLISH_STOPWORDS.has(w), w);
});

test('tokenize splits on non-alphanumerics but keeps numbers and abbreviations together', () => {
  assert.deepEqual(tokenize("IL-6 levels rose 3.5-fold in 1,000 U.S. patients' cells; don't"), [
    'IL',
    '6',
    'levels',
    'rose',
    '3.5',
    'fold',
    'in',
    '1,000',
    'U.S',
    'patients',
    'cells',
    "don't",
  ]);
  assert.deepEqual(tokenize('end. Next,word'), ['end', 'Next', 'word']);
});

test('tokenize is Unicode aware', () => {
  assert.deepEqual(tokenize('Résumé naïve Ωmega straße'), ['Résumé', 'naïve', 'Ωmega', 'straße']);
  assert.deepEqual(tokenize('x\u00a0y—z'), ['x', 'y', 'z']);
});

test('analyse lowercases, drops possessives and stopwords, and Porter-stems', () => {
  const a = new EnglishAnalyser();
  assert.deepEqual(a.analyse("The Patient's cells were CONNECTED to the running network"), ['patient', 'cell', 'were', 'connect', 'run', 'network']);
  assert.deepEqual(a.analyse('the of and'), []);
  assert.deepEqual(a.analyse(''), []);
});

test('analyser options turn stopword removal and stemming off', () => {
  assert.deepEqual(new EnglishAnalyser({ removeStopwords: false }).analyse('The cells'), ['the', 'cell']);
  assert.deepEqual(new EnglishAnalyser({ stem: false }).analyse('The cells'), ['cells']);
});

test('forEachTerm reports raw-token positions, counting stopwords', () => {
  const seen: Array<[string, number]> = [];
  new EnglishAnalyser().forEachTerm('the cat and the hats', (term, position) => seen.push([term, position]));
  assert.deepEqual(seen, [
    ['cat', 1],
    ['hat', 4],
  ]);
});
