import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runExample } from './run-example.js';

// The README's LangChain section must keep running as written.
test('examples/langchain runs offline: BM25 retrieval, a ColBERT rerank, and the reranked context in the chain prompt', () => {
  const r = runExample('langchain');
  assert.equal(r.status, 0, r.stderr);
  const lines = r.stdout.trim().split('\n');
  // BM25 rewards the repeated "blood" of `tests`; ColBERT MaxSim moves `donor` (more query words) above it, and topN 3 drops it.
  assert.equal(lines[0], 'bm25: walk, salt, tests, donor');
  assert.match(lines[1], /^reranked: walk \(\d+\.\d{3}\), salt \(\d+\.\d{3}\), donor \(\d+\.\d{3}\)$/);
  const prompt = r.stdout.slice(r.stdout.indexOf('prompt:\n'), r.stdout.indexOf('answer:'));
  assert.ok(
    prompt.includes(
      '[walk] Daily walking lowers blood pressure in older adults.\n[salt] High salt intake raises blood pressure.\n[donor] Blood donation is common among healthy adults in many countries.\nQuestion: what lowers blood pressure',
    ),
    prompt,
  );
  assert.ok(!prompt.includes('[tests]'), 'the document the reranker dropped is not in the prompt');
  assert.equal(lines.at(-1), 'answer: Daily walking lowers blood pressure [walk].');
});
