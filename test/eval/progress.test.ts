import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { stderrProgress } from '../../src/eval/progress.js';

test('off a terminal, eval progress is plain lines: one per step when steps are quick', () => {
  const stream = new PassThrough();
  let out = '';
  stream.on('data', (c: Buffer) => (out += c.toString()));
  const p = stderrProgress({ stream });
  p.start('indexing bm25', 3);
  p.tick();
  p.tick(2);
  p.start('querying bm25', 2); // starting a step ends the one before
  p.tick();
  p.stop();
  p.stop();
  assert.match(out, /^indexing bm25: 3\/3 \(100%\), \d+\.\d s\nquerying bm25: 1\/2 \(50%\), \d+\.\d s\n$/);
  assert.ok(!/[\r\u2588]/.test(out) && !out.includes('\u001b'), out);
});

test('with a short interval, a long step prints lines as it goes', async () => {
  const stream = new PassThrough();
  let out = '';
  stream.on('data', (c: Buffer) => (out += c.toString()));
  const p = stderrProgress({ stream, intervalMs: 1 });
  p.start('querying colbert', 3);
  for (let i = 0; i < 3; i++) {
    await new Promise((r) => setTimeout(r, 5));
    p.tick();
  }
  p.stop();
  assert.ok(out.trimEnd().split('\n').length >= 3, out);
  assert.match(out, /querying colbert: 1\/3 \(33%\)/);
});
