import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runExample } from './run-example.js';

// The README's LlamaIndex section must keep running as written.
test('examples/llamaindex runs offline: a query engine answers from the ColBERT-reranked tartan nodes', () => {
  const r = runExample('llamaindex');
  assert.equal(r.status, 0, r.stderr);
  const lines = r.stdout.trim().split('\n');
  assert.equal(lines[0], 'bm25: walk, salt, tests, donor');
  // The postprocessor reorders BM25's list (donor above tests) and keeps 3.
  assert.deepEqual(
    lines.filter((l) => l.startsWith('source: ')).map((l) => l.split(' ')[1]),
    ['walk', 'salt', 'donor'],
  );
  assert.match(lines[1], /^source: walk \d+\.\d{3} {2}Daily walking lowers blood pressure in older adults\.$/);
  assert.equal(lines.at(-1), 'answer: Daily walking lowers blood pressure.');
});
