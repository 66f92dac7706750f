/** The .npz reader: stored and deflated entries, zip64 records, archive order, and coded refusals of damaged archives. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { isZip, readNpz } from '../../src/core/npz.js';
import { isTartanError } from '../../src/core/errors.js';
import { tempDir } from '../stores/file/helpers.js';
import { npyBytes, npzBytes, zipBytes } from './numpy-files.js';

const arrays: Array<[string, number[], number[]]> = [
  ['arr_0', [1, 2, 3, 4, 5, 6], [3, 2]],
  ['arr_1', [0.5, -0.5], [1, 2]],
  ['doc one', [9, 8, 7, 6], [2, 2]],
];

test('npz: stored, deflated and zip64 archives read the same arrays in archive order', (t) => {
  const dir = tempDir(t);
  for (const [name, o] of [
    ['stored', {}],
    ['deflated', { deflate: true }],
    ['zip64', { zip64: true }],
    ['zip64-deflated', { zip64: true, deflate: true }],
  ] as const) {
    const path = join(dir, `${name}.npz`);
    writeFileSync(path, npzBytes(arrays, o));
    const read = readNpz(path);
    assert.deepEqual(
      read.map((e) => e.key),
      ['arr_0', 'arr_1', 'doc one'],
      name,
    );
    for (let i = 0; i < arrays.length; i++) {
      assert.deepEqual(read[i].array.shape, arrays[i][2], name);
      assert.deepEqual(Array.from(read[i].array.data), arrays[i][1], name);
    }
  }
});

test('npz: a deflated entry that does compress (repeated rows) inflates to the original bytes', (t) => {
  const path = join(tempDir(t), 'c.npz');
  const values = Array.from({ length: 4096 }, (_, i) => (i % 16) / 16);
  const bytes = npzBytes([['arr_0', values, [256, 16]]], { deflate: true });
  assert.ok(bytes.length < values.length * 4, 'the archive is smaller than the raw floats');
  writeFileSync(path, bytes);
  assert.deepEqual(Array.from(readNpz(path)[0].array.data), values);
});

test('npz: truncated, damaged (CRC), foreign-method and missing archives are coded errors naming the file', (t) => {
  const dir = tempDir(t);
  const good = npzBytes(arrays);
  const check = (bytes: Uint8Array, code: string, pattern: RegExp) => {
    const path = join(dir, 'bad.npz');
    writeFileSync(path, bytes);
    assert.throws(
      () => readNpz(path),
      (e) => isTartanError(e) && e.code === code && pattern.test(e.message) && e.message.includes(path),
    );
  };
  check(good.subarray(0, good.length - 30), 'E_INPUT_FORMAT', /truncated/);
  check(good.subarray(0, 100), 'E_INPUT_FORMAT', /truncated/);
  const flipped = Buffer.from(good);
  flipped[30 + 'arr_0.npy'.length + npyBytes(arrays[0][1], arrays[0][2]).length - 1] ^= 0xff; // the last byte of the first entry's data
  check(flipped, 'E_INPUT_FORMAT', /CRC-32/);
  const bzip = Buffer.from(good);
  bzip.writeUInt16LE(12, good.indexOf(Buffer.from([0x50, 0x4b, 1, 2])) + 10);
  check(bzip, 'E_INPUT_FORMAT', /compression method 12/);
  check(zipBytes([['arr_0.npy', npyBytes([1, 2], [1, 2], '>f4')]]), 'E_INPUT_FORMAT', /bad\.npz:arr_0 .*big-endian/);
  assert.throws(
    () => readNpz(join(dir, 'missing.npz')),
    (e) => isTartanError(e, 'E_FILE_NOT_FOUND'),
  );
});

test('npz: isZip knows a zip from .npy bytes; an empty archive holds no arrays', (t) => {
  const empty = zipBytes([]);
  assert.ok(isZip(npzBytes(arrays)));
  assert.ok(isZip(empty));
  assert.ok(!isZip(npyBytes([1], [1])));
  const path = join(tempDir(t), 'empty.npz');
  writeFileSync(path, empty);
  assert.deepEqual(readNpz(path), []);
});
