import { test } from 'node:test';
import assert from 'node:assert/strict';
import { TopK } from '../../src/lexical/top-k.js';

test('TopK keeps the k best, best first, equal to a full sort with id-descending ties', () => {
  let seed = 7;
  const rand = () => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32;
  for (const k of [1, 5, 50, 300]) {
    const n = 200;
    const ids = Array.from({ length: n }, (_, i) => `doc${i}`);
    const scores = Array.from({ length: n }, () => Math.round(rand() * 20) / 4); // many ties
    const top = new TopK(k, (o) => ids[o]);
    scores.forEach((s, o) => top.push(o, s));
    const { ordinals, scores: best } = top.drain();
    const expected = ids
      .map((id, o) => ({ id, o, s: scores[o] }))
      .sort((a, b) => b.s - a.s || (a.id < b.id ? 1 : -1))
      .slice(0, k);
    assert.deepEqual(
      [...ordinals],
      expected.map((e) => e.o),
    );
    assert.deepEqual(
      [...best],
      expected.map((e) => e.s),
    );
  }
});

test('TopK with k = 0 keeps nothing', () => {
  const top = new TopK(0, String);
  top.push(1, 3);
  assert.equal(top.drain().ordinals.length, 0);
});
