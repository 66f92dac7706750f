import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { ByteProgressBar, formatBytes, wantsProgressBar } from '../../../src/models/hub/progress.js';

test('formatBytes uses binary units', () => {
  assert.equal(formatBytes(512), '512 B');
  assert.equal(formatBytes(1536), '1.5 KiB');
  assert.equal(formatBytes(3 * 1024 ** 3), '3.0 GiB');
});

test('a bar is drawn when asked for, else only on a terminal', () => {
  const pipe = { isTTY: false } as NodeJS.WriteStream;
  assert.equal(wantsProgressBar(undefined, pipe), false);
  assert.equal(wantsProgressBar(undefined, { isTTY: true } as NodeJS.WriteStream), true);
  assert.equal(wantsProgressBar(true, pipe), true);
});

test('ByteProgressBar.open loads the bar library and draws file, bytes and total on the stream', async () => {
  const stream = new PassThrough();
  let out = '';
  stream.on('data', (c: Buffer) => (out += c.toString()));
  const bar = await ByteProgressBar.open(stream);
  bar.start('model.onnx', 4096, 1024);
  bar.update(2048, 4096);
  bar.stop();
  assert.match(out, /model\.onnx/);
  assert.match(out, /2\.0 KiB\/4\.0 KiB/);
});
