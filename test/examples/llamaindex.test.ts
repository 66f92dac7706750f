import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

// The README's LlamaIndex section must keep running as written.
test('examples/llamaindex runs offline: a query engine answers from the ColBERT-reranked tartan nodes', () => {
  const fromSource = import.meta.url.endsWith('.ts');
  const script = fileURLToPath(new URL(`../../examples/llamaindex.${fromSource ? 'ts' : 'js'}`, import.meta.url));
  const r = spawnSync(process.execPath, [...(fromSource ? ['--import', 'tsx'] : []), script], { encoding: 'utf8', timeout: 120_000 });
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
