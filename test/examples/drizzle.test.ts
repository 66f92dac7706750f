import assert from 'node:assert/strict';
import { pgTest } from '../stores/postgres/pg-test-env.js';
import { runExample } from './run-example.js';

// The README's Drizzle snippet must keep running as written, against the real PostgreSQL.
pgTest('examples/drizzle ranks an app-owned documents table by MaxSim in SQL', async (_t, url) => {
  const r = runExample('drizzle', { TARTAN_PG_URL: url });
  assert.equal(r.status, 0, r.stderr);
  const lines = r.stdout.trim().split('\n');
  assert.equal(lines.length, 2, r.stdout);
  // Both blood-pressure documents rank first, the one that "lowers" it on top.
  assert.match(lines[0], /^2\. Regular exercise lowers blood pressure in adults\. {2}score \d+\.\d{3}$/);
  assert.match(lines[1], /^3\. High salt intake raises blood pressure\. {2}score \d+\.\d{3}$/);
  const [s1, s2] = lines.map((l) => Number(/score (\S+)$/.exec(l)![1]));
  assert.ok(s1 > s2 && s2 > 0, `scores descend: ${s1}, ${s2}`);
});
