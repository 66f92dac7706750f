import { test } from 'node:test';
import assert from 'node:assert/strict';
import { closestName, editDistance } from '../../src/core/did-you-mean.js';

test('editDistance counts insertions, deletions, substitutions and neighbour swaps as 1 each', () => {
  assert.equal(editDistance('lexicl', 'lexical'), 1);
  assert.equal(editDistance('lexical', 'lexical'), 0);
  assert.equal(editDistance('lexcial', 'lexical'), 1, 'a swap');
  assert.equal(editDistance('', 'abc'), 3);
  assert.equal(editDistance('kitten', 'sitting'), 3);
});

test('closestName suggests a near miss (also of the name after the owner) and nothing for far-off text', () => {
  const known = ['lexical', 'colbert-ir/colbertv2.0', 'BAAI/bge-small-en-v1.5'];
  assert.equal(closestName('lexicl', known), 'lexical');
  assert.equal(closestName('LEXICAL ', known), 'lexical');
  assert.equal(closestName('colbertv2', known), 'colbert-ir/colbertv2.0');
  assert.equal(closestName('bge-smal-en-v1.5', known), 'BAAI/bge-small-en-v1.5');
  assert.equal(closestName('nothing-like-it', known), undefined);
  assert.equal(closestName('x', known), undefined);
  assert.equal(closestName('', known), undefined);
});
