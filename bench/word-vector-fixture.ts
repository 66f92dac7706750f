/**
 * Token vectors with real semantic structure, built from trained word vectors
 * (no model download): the fixture the fidelity benchmarks measure on.
 *
 * Construction (`glove-context`), for every text:
 * 1. words are lowercased `[a-z0-9]+(?:[-'][a-z0-9]+)*` matches (the word list's own rule); a
 *    document keeps its first `maxDocTokens`, a query its first `maxQueryTokens`;
 * 2. each word's base vector is its trained vector, L2-normalised; a word the list lacks gets a
 *    random unit vector seeded by the word (it matches only itself, as a rare word piece does);
 * 3. a token's vector mixes its word with its neighbours': self + sum over 0 < |j - i| <= window of
 *    `context` ^ |j - i| times word j (ColBERT's vectors are contextual in the same way);
 * 4. a fixed random Gaussian projection (seeded) maps the word space to `dim` dimensions, and every
 *    row is L2-normalised, as ColBERT's are.
 * Queries are built the same way, without [MASK] expansion rows.
 */
import { readFileSync, existsSync, createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import { join } from 'node:path';
import { createHash } from 'node:crypto';
import { ErrorCodes, TartanError } from '../src/core/errors.js';
import { fromFloat16 } from '../src/scoring/float16.js';
import { seededRandom } from '../src/core/random.js';
import type { EncodedCollection } from '../src/core/vectors-file.js';

export interface WordVectors {
  words: Map<string, number>;
  dim: number;
  vectors: Float32Array;
}

export interface FixtureOptions {
  dim?: number;
  window?: number;
  /** Weight of a neighbour at distance 1 (distance d: context^d). */
  context?: number;
  seed?: number;
  maxDocTokens?: number;
  maxQueryTokens?: number;
  maxDocs?: number;
}

const WORD = /[a-z0-9]+(?:[-'][a-z0-9]+)*/g;

/** Reads a word-vector folder: words.txt (one per line) and vectors.f16 (rows x dim, little-endian float16). */
export function loadWordVectors(dir: string): WordVectors {
  const wordsPath = join(dir, 'words.txt'),
    vecPath = join(dir, 'vectors.f16');
  for (const p of [wordsPath, vecPath]) {
    if (!existsSync(p))
      throw new TartanError(
        ErrorCodes.FILE_NOT_FOUND,
        `${p} does not exist; point --word-vectors at a folder with words.txt and vectors.f16 (e.g. ../shared/fixtures/word-vectors/glove-100d-scifact)`,
      );
  }
  const list = readFileSync(wordsPath, 'utf8')
    .split('\n')
    .filter((w) => w.length > 0);
  const raw = readFileSync(vecPath);
  const halves = new Uint16Array(raw.buffer.slice(raw.byteOffset, raw.byteOffset + raw.byteLength));
  if (list.length === 0 || halves.length % list.length !== 0) {
    throw new TartanError(
      ErrorCodes.INPUT_FORMAT,
      `${vecPath} holds ${halves.length} values, not a whole number of rows for the ${list.length} words of ${wordsPath}`,
    );
  }
  const dim = halves.length / list.length;
  const vectors = fromFloat16(halves);
  for (let r = 0; r < list.length; r++) {
    let n = 0;
    for (let d = 0; d < dim; d++) n += vectors[r * dim + d] ** 2;
    const inv = n > 0 ? 1 / Math.sqrt(n) : 0;
    for (let d = 0; d < dim; d++) vectors[r * dim + d] *= inv;
  }
  const words = new Map<string, number>();
  list.forEach((w, i) => {
    if (!words.has(w)) words.set(w, i);
  });
  return { words, dim, vectors };
}

/** Lowercased words of a text, as the word list spells them. */
export function wordsOf(text: string): string[] {
  return text.toLowerCase().match(WORD) ?? [];
}

/** Builds token matrices from texts (see the file comment for the construction). */
export class WordVectorEncoder {
  readonly dim: number;
  private readonly projection: Float32Array;
  private readonly unknown = new Map<string, Float32Array>();

  constructor(
    private readonly wv: WordVectors,
    private readonly o: Required<Pick<FixtureOptions, 'dim' | 'window' | 'context' | 'seed'>>,
  ) {
    this.dim = o.dim;
    const rand = seededRandom(o.seed);
    // Box-Muller Gaussian entries: a random projection keeps angles on average (Johnson-Lindenstrauss).
    this.projection = new Float32Array(o.dim * wv.dim);
    for (let i = 0; i < this.projection.length; i++) {
      this.projection[i] = Math.sqrt(-2 * Math.log(1 - rand())) * Math.cos(2 * Math.PI * rand());
    }
  }

  private base(word: string): Float32Array {
    const i = this.wv.words.get(word);
    const d = this.wv.dim;
    if (i !== undefined) return this.wv.vectors.subarray(i * d, i * d + d);
    let v = this.unknown.get(word);
    if (!v) {
      const seed = createHash('sha256').update(`${this.o.seed}:${word}`).digest().readUInt32LE(0);
      const rand = seededRandom(seed);
      v = new Float32Array(d);
      let n = 0;
      for (let k = 0; k < d; k++) {
        v[k] = rand() - 0.5;
        n += v[k] * v[k];
      }
      for (let k = 0; k < d; k++) v[k] /= Math.sqrt(n);
      this.unknown.set(word, v);
    }
    return v;
  }

  /** One row per word (at most `maxTokens`); an empty text gives 0 rows. */
  encode(text: string, maxTokens: number): { data: Float32Array; rows: number } {
    const words = wordsOf(text).slice(0, maxTokens);
    const bases = words.map((w) => this.base(w));
    const wd = this.wv.dim,
      dim = this.dim,
      { window, context } = this.o;
    const data = new Float32Array(words.length * dim);
    const mixed = new Float32Array(wd);
    for (let i = 0; i < words.length; i++) {
      mixed.set(bases[i]);
      for (let j = Math.max(0, i - window); j <= Math.min(words.length - 1, i + window); j++) {
        if (j === i) continue;
        const w = context ** Math.abs(j - i),
          b = bases[j];
        for (let k = 0; k < wd; k++) mixed[k] += w * b[k];
      }
      let n = 0;
      const o = i * dim;
      for (let r = 0; r < dim; r++) {
        let s = 0;
        const p = r * wd;
        for (let k = 0; k < wd; k++) s += this.projection[p + k] * mixed[k];
        data[o + r] = s;
        n += s * s;
      }
      const inv = n > 0 ? 1 / Math.sqrt(n) : 0;
      for (let r = 0; r < dim; r++) data[o + r] *= inv;
    }
    return { data, rows: words.length };
  }
}

/** Records of a JSON-lines corpus or queries file as id and text (title and text joined), at most `max`. */
export async function readJsonl(path: string, max: number): Promise<Array<{ id: string; text: string }>> {
  const out: Array<{ id: string; text: string }> = [];
  for await (const line of createInterface({ input: createReadStream(path, 'utf8'), crlfDelay: Infinity })) {
    if (!line.trim()) continue;
    const r = JSON.parse(line) as { _id?: string; id?: string; title?: string; text?: string };
    out.push({ id: String(r._id ?? r.id), text: [r.title, r.text].filter(Boolean).join('\n') });
    if (out.length >= max) break;
  }
  return out;
}

function pack(rows: Array<{ data: Float32Array; rows: number }>, dim: number): { data: Float32Array; offsets: Uint32Array; dim: number } {
  const offsets = new Uint32Array(rows.length + 1);
  rows.forEach((m, i) => {
    offsets[i + 1] = offsets[i] + m.rows;
  });
  const data = new Float32Array(offsets[rows.length] * dim);
  rows.forEach((m, i) => data.set(m.data, offsets[i] * dim));
  return { data, offsets, dim };
}

/**
 * Token vectors for a BEIR folder (corpus.jsonl, queries.jsonl; only the queries of qrels/test.tsv when present).
 * Documents and queries with no word keep 0 rows only if they are queries; such documents are dropped.
 * @example const c = await buildWordVectorFixture('../shared/datasets/scifact', '../shared/fixtures/word-vectors/glove-100d-scifact');
 */
export async function buildWordVectorFixture(beirDir: string, wordVectorDir: string, options: FixtureOptions = {}): Promise<EncodedCollection> {
  const o = { dim: 128, window: 2, context: 0.5, seed: 1, maxDocTokens: 300, maxQueryTokens: 32, maxDocs: Infinity, ...options };
  const corpus = join(beirDir, 'corpus.jsonl');
  if (!existsSync(corpus))
    throw new TartanError(ErrorCodes.FILE_NOT_FOUND, `${corpus} does not exist; point at a BEIR folder (corpus.jsonl, queries.jsonl, qrels/test.tsv)`);
  const enc = new WordVectorEncoder(loadWordVectors(wordVectorDir), o);
  const docs = (await readJsonl(corpus, o.maxDocs)).map((d) => ({ id: d.id, m: enc.encode(d.text, o.maxDocTokens) })).filter((d) => d.m.rows > 0);
  const queries = await testQueries(beirDir);
  const qm = queries.map((q) => ({ id: q.id, m: enc.encode(q.text, o.maxQueryTokens) })).filter((q) => q.m.rows > 0);
  return {
    model: `glove-context(dim=${o.dim},window=${o.window},context=${o.context},seed=${o.seed})`,
    dim: o.dim,
    docIds: docs.map((d) => d.id),
    docs: pack(
      docs.map((d) => d.m),
      o.dim,
    ),
    queryIds: qm.map((q) => q.id),
    queries: pack(
      qm.map((q) => q.m),
      o.dim,
    ),
  };
}

/** The queries of a BEIR folder that the test split judges (all of them without qrels/test.tsv; none without queries.jsonl), in file order. */
export async function testQueries(beirDir: string): Promise<Array<{ id: string; text: string }>> {
  if (!existsSync(join(beirDir, 'queries.jsonl'))) return [];
  const queries = await readJsonl(join(beirDir, 'queries.jsonl'), Infinity);
  const qrels = join(beirDir, 'qrels', 'test.tsv');
  if (!existsSync(qrels)) return queries;
  const judged = new Set(
    readFileSync(qrels, 'utf8')
      .split('\n')
      .slice(1)
      .map((l) => l.split('\t')[0])
      .filter(Boolean),
  );
  return queries.filter((q) => judged.has(q.id));
}
