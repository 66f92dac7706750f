import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Bm25Index } from '../../src/lexical/bm25.js';
import { BM25_FILE, loadBm25, saveBm25 } from '../../src/lexical/bm25-file.js';
import { decodeLength, encodeLength } from '../../src/lexical/length-norm.js';
import { isTartanError, ErrorCodes } from '../../src/core/errors.js';

// Tiny corpus: lengths 2, 3, 4 (no stopwords, stems equal to the query's), avgdl = 3, N = 3.
function tiny(): Bm25Index {
  const index = new Bm25Index();
  index.add('d1', 'apple banana');
  index.add('d2', 'apple apple cherry');
  index.add('d3', 'cherry durian elderberry fig');
  return index;
}

// Hand computation, Lucene form (no (k1 + 1) factor), k1 = 0.9, b = 0.4:
// idf(df=2, N=3) = ln(1 + 1.5/2.5) = ln 1.6 = 0.4700036
// d1 (dl 2): norm = 0.9 * (0.6 + 0.4 * 2/3) = 0.78;  tf 1 -> 0.4700036 * 1/1.78 = 0.2640470
// d2 (dl 3): norm = 0.9;                               tf 2 -> 0.4700036 * 2/2.9  = 0.3241404
//                                                      tf 1 -> 0.4700036 * 1/1.9  = 0.2473703
// d3 (dl 4): norm = 0.9 * (0.6 + 0.4 * 4/3) = 1.02;   tf 1 -> 0.4700036 * 1/2.02 = 0.2326751
const close = (a: number, b: number) => assert.ok(Math.abs(a - b) < 2e-6, `${a} != ${b}`);

test('BM25 single-term scores match the hand computation', () => {
  const hits = tiny().search('apple', 10);
  assert.deepEqual(
    hits.map((h) => h.id),
    ['d2', 'd1'],
  );
  close(hits[0].score, 0.3241404);
  close(hits[1].score, 0.264047);
});

test('BM25 sums term scores and ranks by the sum', () => {
  const hits = tiny().search('apple cherry', 10);
  assert.deepEqual(
    hits.map((h) => h.id),
    ['d2', 'd1', 'd3'],
  );
  close(hits[0].score, 0.3241404 + 0.2473703);
  close(hits[2].score, 0.2326751);
});

test('a repeated query term counts once per occurrence (Anserini bag of words)', () => {
  close(tiny().search('apple apple', 1)[0].score, 2 * 0.3241404);
});

test('k limits the hits; unknown terms match nothing; k must be positive', () => {
  assert.equal(tiny().search('apple cherry', 1).length, 1);
  assert.deepEqual(tiny().search('zebra', 5), []);
  assert.throws(
    () => tiny().search('apple', 0),
    (e) => isTartanError(e, ErrorCodes.INVALID_ARGUMENT),
  );
});

test('equal scores are ordered by id descending, as trec_eval orders them', () => {
  const index = new Bm25Index();
  for (const id of ['a', 'c', 'b']) index.add(id, 'same words here');
  index.add('z', 'other text');
  assert.deepEqual(
    index.search('words', 2).map((h) => h.id),
    ['c', 'b'],
  );
});

test('delete removes a document from results and from N, df and avgdl', () => {
  const index = tiny();
  assert.equal(index.delete('d2'), true);
  assert.equal(index.delete('d2'), false);
  assert.equal(index.size, 2);
  // N = 2, avgdl = (2 + 4) / 2 = 3, df(apple) = 1: idf = ln(1 + 1.5/1.5) = ln 2; d1: ln 2 / 1.78
  const hits = index.search('apple', 10);
  assert.deepEqual(
    hits.map((h) => h.id),
    ['d1'],
  );
  close(hits[0].score, Math.LN2 / 1.78);
  assert.equal(index.documentFrequency('appl'), 1);
  index.compact();
  close(index.search('apple', 10)[0].score, Math.LN2 / 1.78);
  index.add('d2', 'apple');
  assert.equal(index.size, 3);
});

test('adding a live id twice is refused; bad parameters are refused', () => {
  const index = tiny();
  assert.throws(
    () => index.add('d1', 'again'),
    (e) => isTartanError(e, ErrorCodes.DUPLICATE_ID),
  );
  assert.throws(
    () => new Bm25Index({ b: 2 }),
    (e) => isTartanError(e, ErrorCodes.INVALID_ARGUMENT),
  );
  assert.throws(
    () => new Bm25Index({ k1: -1 }),
    (e) => isTartanError(e, ErrorCodes.INVALID_ARGUMENT),
  );
});

test('document lengths use Lucene one-byte encoding: exact to 39, 4 significant bits above', () => {
  for (const n of [0, 1, 23, 24, 39]) assert.equal(decodeLength(encodeLength(n)), n);
  // 300 - 24 = 276 = 0b100010100: keep the top 4 bits (1000), shift 5 -> 256, + 24 = 280
  assert.equal(decodeLength(encodeLength(300)), 280);
  assert.equal(decodeLength(encodeLength(310)), 280);
  assert.equal(decodeLength(encodeLength(1000)), 984);
  for (let n = 1; n < 5000; n += 7) assert.ok(decodeLength(encodeLength(n)) <= n);
});

test('long documents are scored with the encoded length', () => {
  const index = new Bm25Index();
  index.add('long', `target ${'filler '.repeat(299)}`); // 300 terms, encoded as 280
  index.add('short', 'other');
  // N = 2, df = 1: idf = ln 2; avgdl = 301 / 2 (exact); norm = 0.9 * (0.6 + 0.4 * 280 / 150.5)
  const norm = 0.9 * (0.6 + (0.4 * 280) / 150.5);
  close(index.search('target', 1)[0].score, Math.LN2 / (1 + norm));
});

test('save/load round trip keeps results, parameters and allows further adds', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tartan-bm25-'));
  try {
    const index = new Bm25Index({ k1: 1.2, b: 0.75 });
    index.add('d1', 'apple banana');
    index.add('d2', 'apple apple cherry');
    index.add('gone', 'apple cherry');
    index.add('d3', 'cherry durian elderberry fig');
    index.delete('gone');
    saveBm25(index, dir);
    assert.deepEqual(readdirSync(dir), [BM25_FILE]);
    const loaded = loadBm25(dir);
    assert.equal(loaded.k1, 1.2);
    assert.equal(loaded.b, 0.75);
    assert.equal(loaded.size, 3);
    assert.equal(loaded.has('gone'), false);
    for (const q of ['apple', 'apple cherry', 'fig banana']) assert.deepEqual(loaded.search(q, 10), index.search(q, 10));
    loaded.add('d4', 'apple fig');
    assert.equal(loaded.search('fig', 10).length, 2);
    // header is JSON with a version
    const bytes = readFileSync(join(dir, BM25_FILE));
    const header = JSON.parse(bytes.subarray(12, 12 + bytes.readUInt32LE(8)).toString('utf8')) as { version: number; format: string };
    assert.equal(header.format, 'tartan-bm25');
    assert.equal(header.version, 1);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('load reports a missing, damaged or newer index with its own code', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tartan-bm25-'));
  try {
    assert.throws(
      () => loadBm25(dir),
      (e) => isTartanError(e, ErrorCodes.INDEX_NOT_FOUND),
    );
    saveBm25(tiny(), dir);
    const path = join(dir, BM25_FILE);
    const good = readFileSync(path);
    writeFileSync(path, good.subarray(0, good.length - 9));
    assert.throws(
      () => loadBm25(dir),
      (e) => isTartanError(e, ErrorCodes.INDEX_CORRUPT),
    );
    writeFileSync(path, Buffer.from('not an index at all'));
    assert.throws(
      () => loadBm25(dir),
      (e) => isTartanError(e, ErrorCodes.INDEX_CORRUPT),
    );
    const headerLength = good.readUInt32LE(8);
    const header = good
      .subarray(12, 12 + headerLength)
      .toString('utf8')
      .replace('"version":1', '"version":9');
    const newer = Buffer.concat([good.subarray(0, 12), Buffer.from(header), good.subarray(12 + headerLength)]);
    writeFileSync(path, newer);
    assert.throws(
      () => loadBm25(dir),
      (e) => isTartanError(e, ErrorCodes.INDEX_VERSION),
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a k that cannot be printed (an object whose toString is not a function) is a coded error, not a TypeError', () => {
  const bm = new Bm25Index();
  bm.add('a', 'aspirin lowers fever');
  const badK = { toString: 0 } as unknown as number;
  assert.throws(
    () => bm.search('fever', badK),
    (e: unknown) => isTartanError(e) && e.code === ErrorCodes.INVALID_ARGUMENT && /k must be a positive integer, got \{"toString":0\}/.test(e.message),
  );
});
