import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { formatSeconds, groupDigits, ProgressLines } from '../../src/core/progress-lines.js';

function capture(): { stream: PassThrough; text: () => string } {
  const stream = new PassThrough();
  let out = '';
  stream.on('data', (c: Buffer) => (out += c.toString()));
  return { stream, text: () => out };
}

test('lines come at most once per interval while counting, and once at the end', () => {
  const { stream, text } = capture();
  let now = 0;
  const p = new ProgressLines(stream, 'indexing', 5183, { unit: 'documents', intervalMs: 5000, now: () => now });
  for (let n = 1; n <= 5183; n++) {
    now = n * 20; // 50 documents per second: about 104 s in all
    p.update(n);
  }
  p.finish();
  p.finish(); // once only
  const lines = text().trimEnd().split('\n');
  assert.equal(lines.length, 21, text()); // one per 5 s of 103.7 s, plus the last
  assert.equal(lines[0], 'indexing: 250/5,183 documents (4%), 5.0 s');
  assert.equal(lines.at(-1), 'indexing: 5,183/5,183 documents (100%), 1 min 44 s');
});

test('a count without a total, an extra field, and a custom number format', () => {
  const { stream, text } = capture();
  let now = 0;
  const p = new ProgressLines(stream, 'model.onnx', undefined, { format: (n) => `${n} B`, extra: (n, s) => `${n / s} B/s`, now: () => now });
  now = 2000;
  p.update(100);
  p.finish();
  assert.equal(text(), 'model.onnx: 100 B, 2.0 s, 50 B/s\n');
});

test('numbers and durations read naturally', () => {
  assert.equal(groupDigits(1234567), '1,234,567');
  assert.equal(formatSeconds(0.42), '0.4 s');
  assert.equal(formatSeconds(41.4), '41 s');
  assert.equal(formatSeconds(125), '2 min 05 s');
});
