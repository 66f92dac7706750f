/** The .npy reader: versions, dtypes, shapes, and the coded refusals (big-endian, Fortran order, objects, truncation). */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { isNpy, parseNpy, readNpyFile } from '../../src/core/npy.js';
import { tempDir } from '../stores/file/helpers.js';
import { isTartanError } from '../../src/core/errors.js';
import { npyBytes } from './numpy-files.js';

const values = [0.5, -1.25, 3, 0.125, 2, -0.75];

function refuses(bytes: Uint8Array, pattern: RegExp): void {
  assert.throws(
    () => parseNpy(bytes, 'x.npy'),
    (e) => isTartanError(e, 'E_INPUT_FORMAT') && pattern.test(e.message) && e.message.startsWith('x.npy '),
  );
}

test('npy: float32 [rows, dim] in format versions 1.0, 2.0 and 3.0 reads back exactly', () => {
  for (const version of [1, 2, 3] as const) {
    const a = parseNpy(npyBytes(values, [3, 2], '<f4', { version }), 'v.npy');
    assert.equal(a.kind, 'float', `version ${version}`);
    assert.deepEqual(a.shape, [3, 2]);
    assert.deepEqual(Array.from(a.data), values);
  }
});

test('npy: float16 and float64 become float32; integer lengths become numbers', () => {
  const half = parseNpy(npyBytes(values, [2, 3], '<f2'), 'h.npy');
  assert.equal(half.kind, 'float');
  assert.ok(half.data instanceof Float32Array);
  assert.deepEqual(Array.from(half.data), values);
  const double = parseNpy(npyBytes([0.1, 1e40], [2], '<f8'), 'd.npy');
  assert.ok(double.data instanceof Float32Array);
  assert.equal(double.data[0], Math.fround(0.1));
  assert.equal(double.data[1], Infinity, 'a float64 beyond the float32 range becomes Infinity (refused later, with the document named)');
  for (const descr of ['<i4', '<i8', '|u1']) {
    const lengths = parseNpy(npyBytes([3, 1, 7], [3], descr), 'l.npy');
    assert.equal(lengths.kind, 'int', descr);
    assert.deepEqual(Array.from(lengths.data), [3, 1, 7], descr);
  }
});

test('npy: float16 specials (zero, subnormal, infinity, NaN) decode as IEEE 754 says', () => {
  const bytes = npyBytes([0, 0, 0, 0], [4], '<f2');
  const body = bytes.length - 8;
  bytes.writeUInt16LE(0x0001, body); // smallest subnormal
  bytes.writeUInt16LE(0x8000, body + 2); // -0
  bytes.writeUInt16LE(0x7c00, body + 4); // +Infinity
  bytes.writeUInt16LE(0x7e00, body + 6); // NaN
  const a = parseNpy(bytes, 'h.npy');
  assert.equal(a.data[0], 2 ** -24);
  assert.ok(Object.is(a.data[1], -0));
  assert.equal(a.data[2], Infinity);
  assert.ok(Number.isNaN(a.data[3]));
});

test('npy: big-endian, Fortran order, objects, unknown dtypes, structured arrays and truncation are coded refusals that say what to do', () => {
  refuses(npyBytes(values, [3, 2], '>f4'), /big-endian; .*astype\('<f4'\)/);
  refuses(npyBytes(values, [3, 2], '<f4', { fortranOrder: true }), /Fortran .*np\.ascontiguousarray/);
  refuses(npyBytes([], [2], '<f4', { header: "{'descr': '|O', 'fortran_order': False, 'shape': (2,), }" }), /Python objects.*np\.savez\(f, \*arrays\)/);
  refuses(npyBytes([], [2], '<f4', { header: "{'descr': '<c8', 'fortran_order': False, 'shape': (2,), }" }), /dtype <c8 is not supported/);
  refuses(npyBytes([], [2], '<f4', { header: "{'descr': [('a', '<f4')], 'fortran_order': False, 'shape': (2,), }" }), /structured/);
  const whole = npyBytes(values, [3, 2]);
  refuses(whole.subarray(0, whole.length - 4), /truncated: shape \(3, 2\) needs 24 bytes of data but 20/);
  refuses(whole.subarray(0, 20), /truncated \(in the header\)/);
  refuses(Buffer.from('PK\u0003\u0004 not npy'), /magic/);
  const v9 = Buffer.from(whole);
  v9[6] = 9;
  refuses(v9, /format version 9\.0/);
});

test('npy: isNpy tells .npy bytes from others; a Fortran-order 1-D array is read (its order is the same)', () => {
  assert.ok(isNpy(npyBytes([1], [1])));
  assert.ok(!isNpy(Buffer.from('{"magic"')));
  assert.deepEqual(Array.from(parseNpy(npyBytes([4, 5], [2], '<i8', { fortranOrder: true }), 'l.npy').data), [4, 5]);
});

test('npy: readNpyFile reads by position what parseNpy reads from bytes, and refuses truncated, damaged and missing files', (t) => {
  const dir = tempDir(t);
  for (const [descr, version] of [
    ['<f4', 1],
    ['<f2', 2],
    ['<f8', 3],
    ['<i8', 1],
  ] as const) {
    const path = join(dir, `${descr.slice(1)}.npy`);
    const bytes = npyBytes(descr === '<i8' ? [3, 1, 4, 1, 5, 9] : values, [3, 2], descr, { version });
    writeFileSync(path, bytes);
    assert.deepEqual(readNpyFile(path), parseNpy(bytes, path), descr);
  }
  const whole = npyBytes(values, [3, 2]);
  const cut = join(dir, 'cut.npy');
  writeFileSync(cut, whole.subarray(0, whole.length - 1));
  assert.throws(
    () => readNpyFile(cut),
    (e) => isTartanError(e, 'E_INPUT_FORMAT') && /cut\.npy .*truncated: shape \(3, 2\) needs 24 bytes of data but 23/.test(e.message),
  );
  writeFileSync(cut, whole.subarray(0, 7));
  assert.throws(
    () => readNpyFile(cut),
    (e) => isTartanError(e, 'E_INPUT_FORMAT') && /magic|truncated/.test(e.message),
  );
  const huge = Buffer.from(npyBytes(values, [3, 2], '<f4', { version: 2 }));
  huge.writeUInt32LE(0xfffffff0, 8);
  writeFileSync(cut, huge);
  assert.throws(
    () => readNpyFile(cut),
    (e) => isTartanError(e, 'E_INPUT_FORMAT') && /header claims 4294967280 bytes/.test(e.message),
  );
  writeFileSync(join(dir, 'text.npy'), 'lengths: 3 1 7');
  assert.throws(
    () => readNpyFile(join(dir, 'text.npy')),
    (e) => isTartanError(e, 'E_INPUT_FORMAT') && /magic string/.test(e.message),
  );
  assert.throws(
    () => readNpyFile(join(dir, 'missing.npy')),
    (e) => isTartanError(e, 'E_FILE_NOT_FOUND'),
  );
});
