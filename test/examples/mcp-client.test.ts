import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runExample } from './run-example.js';

// The README's MCP section must keep running as written.
test('examples/mcp-client runs offline: tartan mcp over stdio lists its tools, searches, explains and reports a coded error', () => {
  const r = runExample('mcp-client');
  assert.equal(r.status, 0, r.stderr);
  const lines = r.stdout.trim().split('\n');
  // Read-only by default: no add_documents without --allow-writes.
  assert.equal(lines[0], 'tools: search, explain, list_indexes');
  // The year filter drops `asp` (2001); both blood-pressure documents rank first.
  assert.match(lines[1], /^1\. bp {2}score \d+\.\d{3} {2}Regular exercise lowers blood pressure in adults\.$/);
  assert.match(lines[2], /^2\. salt {2}score \d+\.\d{3} {2}High salt intake raises blood pressure\.$/);
  assert.equal(lines[3], 'document bp in index "papers" for the query "what lowers blood pressure":');
  assert.ok(
    lines.some((l) => /^blood -> blood {2}1\.000 {2}\d+\.\d%$/.test(l)),
    'the explanation pairs the query token with the same document token',
  );
  assert.equal(lines.at(-1), 'error: E_INVALID_ARGUMENT: k must be an integer from 1 to 10000, got 0');
});
