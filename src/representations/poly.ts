/**
 * Poly-encoder document codes: M vectors per document instead of one per token
 * ("M codes instead of N tokens"; M = 1 is a bi-encoder, M = N nearly ColBERT).
 *
 * Code j of a document is attention of code query c_j over its token rows X:
 * code_j = softmax_t(c_j . x_t / temperature) . X, a weighted mean of the tokens.
 * Without a trained poly-encoder the code queries are learned from the collection
 * (spherical k-means over its token vectors), so each code summarises the part of
 * a document that falls near one region of the embedding space.
 *
 * Scoring is either the poly-encoder's own ('attention': one query vector attends
 * over the codes) or late interaction over the codes ('maxsim': every query row
 * takes its best code).
 */
import { ErrorCodes, TartanError, describeValue } from '../core/errors.js';
import type { TokenMatrix, TokenMatrixBatch } from '../core/tensors.js';
import { dot, kmeans } from '../plaid/kmeans.js';

/** Most codes per document: past this a document stores about as many vectors as ColBERT would. */
export const MAX_CODES = 64;

/**
 * Default softmax temperature, for the codes and for 'attention' scoring. Chosen by measurement,
 * recall@10 against exact MaxSim with MaxSim over the codes:
 *   T                                           1     0.1   0.03  0.01  0.003
 *   clustered unit vectors, dim 64, M 16         0.64  0.75  -     0.77  -     (test generator, seeds 1-5)
 *   SciFact word-vector fixture, dim 128, M 16   0.04  0.11  0.14  0.16  0.17  (100 queries)
 *   the same, M 64                              0.04  0.14  0.27  0.34  0.37
 * At 1 a unit-vector dot product in [-1, 1] moves a weight by at most e^2, so every code collapses
 * towards the document mean. On vectors with real structure, colder keeps gaining: a code tends to
 * the one token most aligned with its code query, and query tokens match single words. 0.01 takes
 * most of that gain while a code still blends near-ties (logits within 0.01 of each other).
 */
export const DEFAULT_TEMPERATURE = 0.01;

/**
 * M of a representation named `poly:<M>` (M from 1 to {@link MAX_CODES}); undefined for any other text.
 * @example polyCodesOf('poly:16') // 16
 */
export function polyCodesOf(text: string): number | undefined {
  const m = /^poly:(\d+)$/.exec(text);
  const codes = m ? Number(m[1]) : NaN;
  return Number.isInteger(codes) && codes >= 1 && codes <= MAX_CODES ? codes : undefined;
}

/**
 * How a collection is turned into poly-encoder codes.
 * @example const opts: PolyOptions = { codes: 16, temperature: 0.05, seed: 7 };
 */
export interface PolyOptions {
  /** M, codes per document, 1..{@link MAX_CODES}. */
  codes: number;
  /** Softmax temperature (> 0); default {@link DEFAULT_TEMPERATURE}. */
  temperature?: number;
  /** Seed of the k-means that learns the code queries. */
  seed?: number;
}

/** 'attention': the poly-encoder's query-over-codes attention; 'maxsim': MaxSim of the query rows over the codes. */
export type PolyScoring = 'attention' | 'maxsim';

function invalid(message: string): TartanError {
  return new TartanError(ErrorCodes.INVALID_ARGUMENT, message);
}

function checkTemperature(t: number): number {
  if (typeof t !== 'number' || !Number.isFinite(t) || t <= 0) throw invalid(`temperature must be a finite number above 0, got ${describeValue(t)}`);
  return t;
}

function checkCodeCount(codes: number): void {
  if (!Number.isInteger(codes) || codes < 1 || codes > MAX_CODES)
    throw invalid(`codes (M) must be an integer from 1 to ${MAX_CODES}, got ${describeValue(codes)}`);
}

/** Number of code queries in `codeQueries`, checked against the token dimension. */
function codeQueryCount(codeQueries: Float32Array, dim: number): number {
  if (!(codeQueries instanceof Float32Array) || dim < 1 || codeQueries.length === 0 || codeQueries.length % dim !== 0) {
    throw new TartanError(
      ErrorCodes.DIMENSION_MISMATCH,
      `code queries hold ${codeQueries?.length ?? 0} values, not a whole number (at least 1) of rows of dim ${dim}; learn them with learnCodeQueries on the same model's vectors`,
    );
  }
  return codeQueries.length / dim;
}

/**
 * Learns M code queries from a collection's token vectors (rows x dim): spherical k-means centroids,
 * unit rows, reproducible by seed.
 * @example const cq = learnCodeQueries(batch.data, batch.dim, 16, { seed: 1 }); // Float32Array(16 * dim)
 */
export function learnCodeQueries(tokens: Float32Array, dim: number, codes: number, options: { seed?: number; maxSample?: number } = {}): Float32Array {
  checkCodeCount(codes);
  if (!Number.isInteger(dim) || dim < 1) throw invalid(`dim must be a positive integer, got ${describeValue(dim)}`);
  if (!(tokens instanceof Float32Array) || tokens.length === 0 || tokens.length % dim !== 0) {
    throw new TartanError(ErrorCodes.DIMENSION_MISMATCH, `tokens hold ${tokens?.length ?? 0} values, not a whole number (at least 1) of rows of dim ${dim}`);
  }
  for (let i = 0; i < tokens.length; i++) {
    if (!Number.isFinite(tokens[i])) throw new TartanError(ErrorCodes.NON_FINITE_VALUE, `token value ${i} is ${tokens[i]}; embeddings must be finite`);
  }
  // k is small here, so a few more Lloyd rounds than the index default cost little and settle the centroids.
  return kmeans(tokens, dim, codes, { seed: options.seed ?? 42, maxSample: options.maxSample, iterations: 10, exact: true });
}

/**
 * Writes the M codes of the token rows `rows` starting at row `first` of `data` into `out` at `outRow`.
 * `logits` is scratch of at least `rows` entries (float64, so a tiny temperature does not overflow).
 */
function codesInto(
  data: Float32Array,
  first: number,
  rows: number,
  dim: number,
  cq: Float32Array,
  m: number,
  inv: number,
  out: Float32Array,
  outRow: number,
  logits: Float64Array,
): void {
  const base = first * dim;
  for (let j = 0; j < m; j++) {
    let max = -Infinity;
    for (let t = 0; t < rows; t++) {
      const l = dot(cq, j * dim, data, base + t * dim, dim) * inv;
      if (!Number.isFinite(l))
        throw new TartanError(
          ErrorCodes.NON_FINITE_VALUE,
          `the logit of token ${t} for code query ${j} is ${l}: embeddings must be finite, and the temperature not so small that it overflows`,
        );
      logits[t] = l;
      if (l > max) max = l;
    }
    // Subtracting the max keeps exp() in (0, 1]: no overflow at small temperatures, and the best token weighs 1.
    let sum = 0;
    for (let t = 0; t < rows; t++) sum += logits[t] = Math.exp(logits[t] - max);
    const o = (outRow + j) * dim;
    for (let t = 0; t < rows; t++) {
      const w = logits[t] / sum;
      if (w === 0) continue;
      const x = base + t * dim;
      for (let d = 0; d < dim; d++) out[o + d] += w * data[x + d];
    }
  }
}

/**
 * The M codes (M x dim) of one document: code_j = softmax_t(c_j . x_t / temperature) . X.
 * Codes are weighted means, so they are not unit vectors (the mean of spread tokens is shorter).
 * Any number of code queries is taken here (the 1..64 bound is on learned ones), so code queries set
 * to a document's own tokens reproduce ColBERT.
 * @example const codes = polyCodes(doc, codeQueries); // Float32Array(M * doc.dim)
 */
export function polyCodes(doc: TokenMatrix, codeQueries: Float32Array, temperature = DEFAULT_TEMPERATURE): Float32Array {
  const inv = 1 / checkTemperature(temperature);
  const m = codeQueryCount(codeQueries, doc.dim);
  if (!Number.isInteger(doc.rows) || doc.rows < 1 || doc.data.length < doc.rows * doc.dim) {
    throw invalid(
      `a document needs at least one token row of dim ${doc.dim} to have codes (got ${describeValue(doc.rows)} rows); drop empty documents before encoding`,
    );
  }
  const out = new Float32Array(m * doc.dim);
  codesInto(doc.data, 0, doc.rows, doc.dim, codeQueries, m, inv, out, 0, new Float64Array(doc.rows));
  return out;
}

/**
 * {@link polyCodes} for every document of a batch: document i gets rows i*M to (i+1)*M of the result.
 * @example const coded = polyCodesBatch(docs, codeQueries); // coded.offsets = [0, M, 2M, ...]
 */
export function polyCodesBatch(docs: TokenMatrixBatch, codeQueries: Float32Array, temperature = DEFAULT_TEMPERATURE): TokenMatrixBatch {
  const inv = 1 / checkTemperature(temperature);
  const dim = docs.dim;
  const m = codeQueryCount(codeQueries, dim);
  const count = docs.offsets.length - 1;
  let longest = 0;
  for (let i = 0; i < count; i++) {
    const rows = docs.offsets[i + 1] - docs.offsets[i];
    if (rows < 1) throw invalid(`document ${i} has no token rows, so it has no codes; drop empty documents before encoding`);
    longest = Math.max(longest, rows);
  }
  if (count > 0 && docs.data.length < docs.offsets[count] * dim) {
    throw new TartanError(ErrorCodes.DIMENSION_MISMATCH, `the batch claims ${docs.offsets[count]} rows of dim ${dim} but holds ${docs.data.length} values`);
  }
  const data = new Float32Array(count * m * dim);
  const offsets = new Uint32Array(count + 1);
  const logits = new Float64Array(longest);
  for (let i = 0; i < count; i++) {
    codesInto(docs.data, docs.offsets[i], docs.offsets[i + 1] - docs.offsets[i], dim, codeQueries, m, inv, data, i * m, logits);
    offsets[i + 1] = (i + 1) * m;
  }
  return { data, offsets, dim };
}

/**
 * Scores one query against every document's codes (a document with no codes scores 0).
 * 'attention': q = normalised mean of the query rows, w = softmax_j(q . code_j / temperature),
 * score = q . sum_j w_j code_j. 'maxsim': sum over query rows of the best dot product over the codes
 * (temperature unused).
 * @example const scores = polyScores(query, polyCodesBatch(docs, cq), 'maxsim'); // one per document
 */
export function polyScores(query: TokenMatrix, codes: TokenMatrixBatch, scoring: PolyScoring, temperature = DEFAULT_TEMPERATURE): Float32Array {
  if (scoring !== 'attention' && scoring !== 'maxsim') throw invalid(`unknown poly scoring ${describeValue(scoring)}; use 'attention' or 'maxsim'`);
  const inv = 1 / checkTemperature(temperature);
  const dim = query.dim;
  if (codes.dim !== dim)
    throw new TartanError(ErrorCodes.DIMENSION_MISMATCH, `query dim ${dim} differs from the codes' dim ${codes.dim}; score with the model that made the codes`);
  if (!Number.isInteger(query.rows) || query.rows < 1 || query.data.length < query.rows * dim) {
    throw invalid(`a query needs at least one token row of dim ${dim} (got ${describeValue(query.rows)} rows)`);
  }
  const count = codes.offsets.length - 1;
  const scores = new Float32Array(count);
  if (scoring === 'maxsim') {
    for (let i = 0; i < count; i++) {
      const a = codes.offsets[i],
        b = codes.offsets[i + 1];
      if (b === a) continue;
      let s = 0;
      for (let r = 0; r < query.rows; r++) {
        let best = -Infinity;
        for (let c = a; c < b; c++) best = Math.max(best, dot(query.data, r * dim, codes.data, c * dim, dim));
        s += best;
      }
      scores[i] = s;
    }
    return scores;
  }
  // The poly-encoder has one query vector; the normalised mean keeps it on the unit sphere like the codes' queries.
  const q = new Float32Array(dim);
  for (let r = 0; r < query.rows; r++) for (let d = 0; d < dim; d++) q[d] += query.data[r * dim + d];
  let n = 0;
  for (let d = 0; d < dim; d++) n += q[d] * q[d];
  if (n > 0) {
    const invNorm = 1 / Math.sqrt(n);
    for (let d = 0; d < dim; d++) q[d] *= invNorm;
  }
  let sims = new Float64Array(16);
  for (let i = 0; i < count; i++) {
    const a = codes.offsets[i],
      m = codes.offsets[i + 1] - a;
    if (m === 0) continue;
    if (sims.length < m) sims = new Float64Array(m);
    let max = -Infinity;
    for (let j = 0; j < m; j++) {
      sims[j] = dot(q, 0, codes.data, (a + j) * dim, dim);
      max = Math.max(max, sims[j] * inv);
    }
    // q . sum_j w_j code_j = sum_j w_j (q . code_j): the context vector is never built.
    let z = 0,
      s = 0;
    for (let j = 0; j < m; j++) {
      const w = Math.exp(sims[j] * inv - max);
      z += w;
      s += w * sims[j];
    }
    scores[i] = s / z;
  }
  return scores;
}
