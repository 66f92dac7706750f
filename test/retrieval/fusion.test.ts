import { test } from 'node:test';
import assert from 'node:assert/strict';
import { normalizedScoreFusion, reciprocalRankFusion } from '../../src/retrieval/fusion.js';

test('RRF sums 1/(k+rank) over lists', () => {
  const fused = reciprocalRankFusion(
    [
      [
        { id: 'a', score: 10 },
        { id: 'b', score: 5 },
      ],
      [
        { id: 'b', score: 0.9 },
        { id: 'c', score: 0.1 },
      ],
    ],
    { k: 60 },
  );
  assert.deepEqual(
    fused.map((h) => h.id),
    ['b', 'a', 'c'],
  );
  assert.ok(Math.abs(fused[0].score - (1 / 62 + 1 / 61)) < 1e-12);
  assert.ok(Math.abs(fused[1].score - 1 / 61) < 1e-12);
  assert.ok(Math.abs(fused[2].score - 1 / 62) < 1e-12);
});

test('RRF weights scale each list', () => {
  const fused = reciprocalRankFusion([[{ id: 'a', score: 1 }], [{ id: 'b', score: 1 }]], { k: 0, weights: [1, 3] });
  assert.deepEqual(fused, [
    { id: 'b', score: 3 },
    { id: 'a', score: 1 },
  ]);
});

test('normalised-score fusion min-max scales each list', () => {
  const fused = normalizedScoreFusion([
    [
      { id: 'a', score: 30 },
      { id: 'b', score: 20 },
      { id: 'c', score: 10 },
    ],
    [
      { id: 'c', score: 0.8 },
      { id: 'a', score: 0.4 },
    ],
  ]);
  // a: 1 + 0 = 1; b: 0.5; c: 0 + 1 = 1 -> tie between a and c keeps first appearance (a)
  assert.deepEqual(
    fused.map((h) => [h.id, h.score]),
    [
      ['a', 1],
      ['c', 1],
      ['b', 0.5],
    ],
  );
});

test('fusion of empty lists is empty; a constant list maps to 1', () => {
  assert.deepEqual(reciprocalRankFusion([]), []);
  assert.deepEqual(
    normalizedScoreFusion([
      [],
      [
        { id: 'x', score: 2 },
        { id: 'y', score: 2 },
      ],
    ]),
    [
      { id: 'x', score: 1 },
      { id: 'y', score: 1 },
    ],
  );
});
