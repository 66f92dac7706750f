/** The .npy/.npz readers against files numpy itself wrote: every version, dtype and archive kind it produces, and its refusals. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseNpy } from '../../src/core/npy.js';
import { readNpz } from '../../src/core/npz.js';
import { isTartanError } from '../../src/core/errors.js';
import { tempDir } from '../stores/file/helpers.js';
import { needsNumpy, python } from './python-numpy.js';

const WRITE = `
import sys, json
import numpy as np
from numpy.lib import format as fmt
out = sys.argv[1]
rng = np.random.default_rng(3)
a = rng.standard_normal((5, 7)).astype(np.float32)
b = rng.standard_normal((2, 7)).astype(np.float32)
np.save(f"{out}/f4.npy", a)
np.save(f"{out}/f2.npy", a.astype(np.float16))
np.save(f"{out}/f8.npy", a.astype(np.float64))
np.save(f"{out}/i8.npy", np.array([5, 2], dtype=np.int64))
np.save(f"{out}/i4.npy", np.array([5, 2], dtype=np.int32))
for v in [(2, 0), (3, 0)]:
    with open(f"{out}/v{v[0]}.npy", "wb") as f:
        fmt.write_array(f, a, version=v)
np.save(f"{out}/big.npy", a.astype(">f4"))
np.save(f"{out}/fortran.npy", np.asfortranarray(a))
np.save(f"{out}/objects.npy", np.array([a, b], dtype=object), allow_pickle=True)
np.savez(f"{out}/arrays.npz", a, b)
np.savez_compressed(f"{out}/compressed.npz", a, b)
np.savez(f"{out}/keyed.npz", **{"doc-1": a, "doc 2": b})
json.dump({"a": a.tolist(), "b": b.tolist(), "a16": a.astype(np.float16).astype(np.float32).tolist()}, open(f"{out}/expected.json", "w"))
`;

test('numpy files: np.save (1.0, 2.0, 3.0; f4, f2, f8, i4, i8), np.savez and np.savez_compressed read back exactly', needsNumpy, (t) => {
  const dir = tempDir(t, 'tartan-numpy-');
  python(['-c', WRITE, dir]);
  const expected = JSON.parse(readFileSync(join(dir, 'expected.json'), 'utf8')) as { a: number[][]; b: number[][]; a16: number[][] };
  const flat = (m: number[][]) => m.flat().map(Math.fround);
  const read = (name: string) => parseNpy(readFileSync(join(dir, name)), name);
  for (const name of ['f4.npy', 'f8.npy', 'v2.npy', 'v3.npy']) {
    const a = read(name);
    assert.deepEqual([a.kind, a.shape], ['float', [5, 7]], name);
    assert.deepEqual(Array.from(a.data), flat(expected.a), name);
  }
  assert.deepEqual(Array.from(read('f2.npy').data), flat(expected.a16));
  for (const name of ['i4.npy', 'i8.npy']) assert.deepEqual([read(name).kind, Array.from(read(name).data)], ['int', [5, 2]], name);
  for (const name of ['arrays.npz', 'compressed.npz']) {
    const entries = readNpz(join(dir, name));
    assert.deepEqual(
      entries.map((e) => [e.key, e.array.shape]),
      [
        ['arr_0', [5, 7]],
        ['arr_1', [2, 7]],
      ],
      name,
    );
    assert.deepEqual(Array.from(entries[1].array.data), flat(expected.b), name);
  }
  assert.deepEqual(
    readNpz(join(dir, 'keyed.npz')).map((e) => e.key),
    ['doc-1', 'doc 2'],
  );
  for (const [name, pattern] of [
    ['big.npy', /big-endian/],
    ['fortran.npy', /Fortran/],
    ['objects.npy', /Python objects/],
  ] as const)
    assert.throws(
      () => read(name),
      (e) => isTartanError(e, 'E_INPUT_FORMAT') && pattern.test(e.message),
      name,
    );
});
