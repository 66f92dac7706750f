/** Reading vectors files into documents: the four layouts, pairing with a JSONL's records, and the checks that name the document. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { checkImportedDocuments, pairVectorDocuments, readVectorsFile, type ImportedDocument } from '../../src/retrieval/vectors-import.js';
import { saveVectors } from '../../src/core/vectors-file.js';
import { isTartanError, type ErrorCode } from '../../src/core/errors.js';
import { tempDir } from '../stores/file/helpers.js';
import { npyBytes, npzBytes, zipBytes } from '../core/numpy-files.js';

const dim = 4;
/** Document i has i + 1 rows; every value encodes (document, row, column) so a mix-up shows. */
const rowsOf = (i: number) => Array.from({ length: (i + 1) * dim }, (_, k) => i * 100 + Math.floor(k / dim) + (k % dim) / 10);
const records = [
  { id: 'a', text: 'alpha', metadata: { n: 0 } },
  { id: 'b', text: 'beta' },
  { id: 'c', metadata: { n: 2 } },
];

function throwsCode(fn: () => unknown, code: ErrorCode, pattern: RegExp): void {
  assert.throws(fn, (e) => {
    assert.ok(isTartanError(e), String(e));
    assert.equal(e.code, code, e.message);
    assert.match(e.message, pattern);
    return true;
  });
}

function expectDocuments(docs: ImportedDocument[], ids: string[]): void {
  assert.deepEqual(
    docs.map((d) => d.id),
    ids,
  );
  for (const d of docs) {
    const i = ['a', 'b', 'c'].indexOf(d.id);
    assert.equal(d.vectors.rows, i + 1, d.id);
    assert.equal(d.vectors.dim, dim);
    assert.deepEqual(Array.from(d.vectors.data), rowsOf(i).map(Math.fround), d.id);
  }
}

test('vectors import: arr_N arrays pair with the records by position (arr_N order, not archive order)', (t) => {
  const path = join(tempDir(t), 'v.npz');
  writeFileSync(
    path,
    npzBytes([
      ['arr_1', rowsOf(1), [2, dim]],
      ['arr_0', rowsOf(0), [1, dim]],
      ['arr_2', rowsOf(2), [3, dim]],
    ]),
  );
  const v = readVectorsFile(path);
  assert.equal(v.layout, 'npz-arrays');
  assert.equal(v.ids, undefined);
  const docs = pairVectorDocuments(v, { name: 'docs.jsonl', records });
  expectDocuments(docs, ['a', 'b', 'c']);
  assert.equal(docs[0].text, 'alpha');
  assert.deepEqual(docs[0].metadata, { n: 0 });
  assert.equal('text' in docs[2], false, 'no text stays no text');
  throwsCode(
    () => pairVectorDocuments(v),
    'E_INVALID_ARGUMENT',
    /no document ids \(its arrays are named arr_0.*--docs docs\.jsonl.*np\.savez\(f, \*\*\{id: vectors\}\)/,
  );
  throwsCode(
    () => pairVectorDocuments(v, { name: 'docs.jsonl', records: records.slice(0, 2) }),
    'E_COUNT_MISMATCH',
    /holds vectors for 3 documents but docs\.jsonl has 2/,
  );
});

test('vectors import: arrays keyed by id give the ids; records then pair by id, in their own order', (t) => {
  const path = join(tempDir(t), 'k.npz');
  writeFileSync(
    path,
    npzBytes(
      [
        ['a', rowsOf(0), [1, dim]],
        ['b', rowsOf(1), [2, dim]],
        ['c', rowsOf(2), [3, dim]],
      ],
      { deflate: true },
    ),
  );
  const v = readVectorsFile(path);
  assert.equal(v.layout, 'npz-keyed');
  expectDocuments(pairVectorDocuments(v), ['a', 'b', 'c']);
  const reordered = pairVectorDocuments(v, { name: 'docs.jsonl', records: [records[2], records[0], records[1]], lines: [1, 2, 3] });
  expectDocuments(reordered, ['c', 'a', 'b']);
  throwsCode(
    () => pairVectorDocuments(v, { name: 'docs.jsonl', records: [records[0], records[1], { id: 'z' }], lines: [1, 2, 5] }),
    'E_INPUT_FORMAT',
    /docs\.jsonl:5: document "z" has no vectors in .*k\.npz, whose documents are "a", "b", "c"/,
  );
});

test('vectors import: a flat npz (vectors + lengths) and a flat npy with --lengths split by the lengths', (t) => {
  const dir = tempDir(t);
  const flat = [...rowsOf(0), ...rowsOf(1), ...rowsOf(2)];
  writeFileSync(
    join(dir, 'flat.npz'),
    zipBytes([
      ['vectors.npy', npyBytes(flat, [6, dim])],
      ['lengths.npy', npyBytes([1, 2, 3], [3], '<i8')],
    ]),
  );
  const v = readVectorsFile(join(dir, 'flat.npz'));
  assert.equal(v.layout, 'npz-flat');
  expectDocuments(pairVectorDocuments(v, { name: 'docs.jsonl', records }), ['a', 'b', 'c']);

  writeFileSync(join(dir, 'flat.npy'), npyBytes(flat, [6, dim]));
  writeFileSync(join(dir, 'lengths.npy'), npyBytes([1, 2, 3], [3], '<i4'));
  const n = readVectorsFile(join(dir, 'flat.npy'), { lengths: join(dir, 'lengths.npy') });
  assert.equal(n.layout, 'npy-flat');
  expectDocuments(pairVectorDocuments(n, { name: 'docs.jsonl', records }), ['a', 'b', 'c']);

  throwsCode(() => readVectorsFile(join(dir, 'flat.npy')), 'E_INVALID_ARGUMENT', /give --lengths lengths\.npy/);
  throwsCode(() => readVectorsFile(join(dir, 'flat.npz'), { lengths: join(dir, 'lengths.npy') }), 'E_INVALID_ARGUMENT', /--lengths goes with a flat \.npy/);
  writeFileSync(join(dir, 'short.npy'), npyBytes([1, 2, 2], [3], '<i4'));
  throwsCode(
    () => readVectorsFile(join(dir, 'flat.npy'), { lengths: join(dir, 'short.npy') }),
    'E_COUNT_MISMATCH',
    /short\.npy sums to 5 tokens over 3 documents but .*flat\.npy has 6 rows/,
  );
  writeFileSync(join(dir, 'zero.npy'), npyBytes([1, 0, 5], [3], '<i4'));
  throwsCode(() => readVectorsFile(join(dir, 'flat.npy'), { lengths: join(dir, 'zero.npy') }), 'E_INPUT_FORMAT', /zero\.npy\[1\] is 0/);
  writeFileSync(join(dir, 'float-lengths.npy'), npyBytes([1, 2, 3], [3], '<f4'));
  throwsCode(
    () => readVectorsFile(join(dir, 'flat.npy'), { lengths: join(dir, 'float-lengths.npy') }),
    'E_INPUT_FORMAT',
    /lengths must be a 1-D integer array/,
  );
  writeFileSync(
    join(dir, 'extra.npz'),
    zipBytes([
      ['vectors.npy', npyBytes(flat, [6, dim])],
      ['lengths.npy', npyBytes([1, 2, 3], [3], '<i8')],
      ['ids.npy', npyBytes([1, 2, 3], [3], '<i8')],
    ]),
  );
  throwsCode(() => readVectorsFile(join(dir, 'extra.npz')), 'E_INPUT_FORMAT', /also "ids"/);
});

test("vectors import: tartan's own vectors file gives its document ids and model", (t) => {
  const path = join(tempDir(t), 'enc.vec');
  const data = new Float32Array([...rowsOf(0), ...rowsOf(1)]);
  saveVectors(path, {
    model: 'lexical:4',
    dim,
    docIds: ['a', 'b'],
    docs: { data, offsets: new Uint32Array([0, 1, 3]), dim },
    queryIds: ['q'],
    queries: { data: new Float32Array(dim).fill(1), offsets: new Uint32Array([0, 1]), dim },
  });
  const v = readVectorsFile(path);
  assert.equal(v.layout, 'tartan-vectors');
  assert.equal(v.model, 'lexical:4');
  expectDocuments(pairVectorDocuments(v), ['a', 'b']);
});

test('vectors import: other files, missing files and arrays that are not [tokens, dim] floats are coded errors', (t) => {
  const dir = tempDir(t);
  writeFileSync(join(dir, 'notes.txt'), 'just some text, not vectors');
  throwsCode(() => readVectorsFile(join(dir, 'notes.txt')), 'E_INPUT_FORMAT', /not a \.npz, a \.npy or a tartan vectors file/);
  throwsCode(() => readVectorsFile(join(dir, 'nope.npz')), 'E_FILE_NOT_FOUND', /nope\.npz does not exist/);
  throwsCode(() => readVectorsFile(dir), 'E_INVALID_ARGUMENT', /is a folder/);
  writeFileSync(join(dir, 'one-d.npz'), npzBytes([['arr_0', [1, 2, 3, 4], [4]]]));
  throwsCode(
    () => readVectorsFile(join(dir, 'one-d.npz')),
    'E_INPUT_FORMAT',
    /one-d\.npz:arr_0 is a 1-D <f4 array of shape \(4\); .*2-D float array \[tokens, dim\]/,
  );
});

test('vectors import: checks name the document for a wrong dim (both dims), NaN/Infinity (the row) and no rows', () => {
  const doc = (id: string, values: number[], rows: number, d = dim): ImportedDocument => ({ id, vectors: { data: new Float32Array(values), rows, dim: d } });
  const ok = doc('ok', rowsOf(0), 1);
  checkImportedDocuments([ok], dim, 'model m');
  throwsCode(
    () => checkImportedDocuments([ok, doc('wide', [1, 2, 3, 4, 5, 6], 1, 6)], dim, 'model m'),
    'E_DIMENSION_MISMATCH',
    /document "wide" has vectors of dim 6 but model m takes dim 4/,
  );
  const nan = rowsOf(2);
  nan[2 * dim + 1] = NaN;
  throwsCode(() => checkImportedDocuments([ok, doc('bad', nan, 3)], dim, 'model m'), 'E_NON_FINITE_VALUE', /document "bad" row 2 holds NaN \(value 1\)/);
  const inf = rowsOf(1);
  inf[0] = -Infinity;
  throwsCode(() => checkImportedDocuments([doc('inf', inf, 2)], dim, 'model m'), 'E_NON_FINITE_VALUE', /document "inf" row 0 holds -Infinity/);
  throwsCode(() => checkImportedDocuments([doc('empty', [], 0)], dim, 'model m'), 'E_EMPTY_TEXT', /document "empty" has no token vectors/);
});
