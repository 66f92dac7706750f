import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { ByteProgressBar, formatBytes, wantsProgressBar } from '../../../src/models/hub/progress.js';

test('formatBytes uses binary units', () => {
  assert.equal(formatBytes(512), '512 B');
  assert.equal(formatBytes(1536), '1.5 KiB');
  assert.equal(formatBytes(3 * 1024 ** 3), '3.0 GiB');
});

test('download progress is shown unless asked not to', () => {
  assert.equal(wantsProgressBar(undefined), true);
  assert.equal(wantsProgressBar(true), true);
  assert.equal(wantsProgressBar(false), false);
});

test('on a stream that is not a terminal, ByteProgressBar writes plain lines: file, bytes of total, percentage', async () => {
  const stream = new PassThrough();
  let out = '';
  stream.on('data', (c: Buffer) => (out += c.toString()));
  const bar = await ByteProgressBar.open(stream);
  bar.start('model.onnx', 4096, 1024);
  bar.update(2048, 4096);
  bar.stop();
  // no bar characters or carriage returns in a log: one finished line
  assert.match(out, /^model\.onnx: 2\.0 KiB\/4\.0 KiB \(50%\), \d+\.\d s, [\d.]+ (B|KiB|MiB)\/s\n$/);
});

test('on a terminal, ByteProgressBar draws a cli-progress bar', async () => {
  const stream = Object.assign(new PassThrough(), { isTTY: true, columns: 120, cursorTo: () => true, clearLine: () => true, moveCursor: () => true });
  let out = '';
  stream.on('data', (c: Buffer) => (out += c.toString()));
  const bar = await ByteProgressBar.open(stream);
  bar.start('model.onnx', 4096, 1024);
  bar.update(2048, 4096);
  bar.stop();
  assert.match(out, /model\.onnx \[[\u2588\u2591]+\] 50%/);
});
