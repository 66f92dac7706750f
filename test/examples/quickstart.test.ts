import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runExample } from './run-example.js';

// The README's API walk-through must keep running as written.
test('examples/quickstart runs offline and prints filtered hits, an explanation and a pipeline result', () => {
  const r = runExample('quickstart');
  assert.equal(r.status, 0, r.stderr);
  const lines = r.stdout.trim().split('\n');
  // The year filter keeps 2010 and later, so `asp` (2001) never appears; both blood-pressure documents rank first.
  assert.match(lines[0], /^1\. bp {2}score \d+\.\d{3} {2}normalised 0\.\d{3}$/);
  assert.match(lines[1], /^2\. salt /);
  assert.ok(!r.stdout.includes('asp'), 'the filtered-out document is absent');
  assert.ok(
    lines.some((l) => /blood -> blood {2}1\.00/.test(l)),
    'the explanation pairs the query token with the same document token',
  );
  assert.match(r.stdout, /bm25>colbert: (bp, salt|salt, bp) \{/);
});
