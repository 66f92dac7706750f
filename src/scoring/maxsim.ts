/**
 * MaxSim: the late-interaction score of one query matrix against many documents.
 *
 * For each document, every query row takes its best (maximum) dot product over the
 * document rows; the variant combines these maxima (see variants.ts). Rows are
 * expected to be L2-normalised, so a dot product is a cosine similarity.
 *
 * Conventions: a document with no rows scores 0 (raw and normalised); no documents
 * give empty arrays; a query must have at least one row. NaN or Infinity anywhere
 * in the input is refused with E_NON_FINITE_VALUE. For int8 documents the query is
 * quantised to int8 per row as well, so int8 scores approximate the float32 ones
 * (they equal, up to float rounding, the float32 score of the dequantised query and
 * documents).
 */
import { availableParallelism } from 'node:os';
import { ErrorCodes, TartanError, describeValue } from '../core/errors.js';
import type { TokenMatrix } from '../core/tensors.js';
import { nativeKernels, nativeStatus } from './maxsim-native.js';
import { referenceKernel, type KernelResult } from './maxsim-reference.js';
import { quantizeRowsInt8, type Int8Rows } from './quantize.js';
import type { MaxSimOptions, MaxSimScores, PackedDocuments } from './types.js';
import { validateDocuments, validateQuery } from './validate.js';
import { finishScores, planVariant } from './variants.js';

const DTYPE_CODE = { f32: 0, f16: 1, i8: 2 } as const;
/** Most worker threads one MaxSim call may ask for. */
const MAX_THREADS = 1024;

/** The implementation `impl` resolves to here: 'native' where the addon loaded, else 'ts'. */
export function resolveImpl(impl: MaxSimOptions['impl']): 'native' | 'ts' {
  const wanted = impl ?? 'auto';
  if (wanted !== 'auto' && wanted !== 'native' && wanted !== 'ts') {
    throw new TartanError(ErrorCodes.INVALID_ARGUMENT, `unknown MaxSim impl ${describeValue(wanted)}; use 'auto', 'native' or 'ts'`);
  }
  if (wanted === 'ts') return 'ts';
  if (nativeKernels()) return 'native';
  if (wanted === 'native') {
    throw new TartanError(
      ErrorCodes.NATIVE_UNAVAILABLE,
      `the native MaxSim kernels are ${nativeStatus().reason}; use impl 'auto' or 'ts' to score with the TypeScript kernels`,
    );
  }
  return 'ts';
}

function threadCount(threads: number | undefined): number {
  if (threads === undefined) return availableParallelism();
  // The native pool starts one OS thread per requested thread (up to one per document): bound it.
  if (!Number.isInteger(threads) || threads < 1 || threads > MAX_THREADS) {
    throw new TartanError(ErrorCodes.INVALID_ARGUMENT, `threads must be an integer from 1 to ${MAX_THREADS}, got ${describeValue(threads)}`);
  }
  return threads;
}

function runNative(query: TokenMatrix, docs: PackedDocuments, weights: Float32Array, query8: Int8Rows | undefined, threads: number): KernelResult {
  const addon = nativeKernels();
  if (!addon) throw new TartanError(ErrorCodes.NATIVE_UNAVAILABLE, `the native MaxSim kernels are ${nativeStatus().reason}`);
  const ndocs = docs.offsets.length - 1;
  const sums = new Float32Array(ndocs);
  if (ndocs === 0) return { sums, badDocument: -1 };
  const q = query.data.subarray(0, query.rows * query.dim);
  const bad = addon.score(
    DTYPE_CODE[docs.dtype],
    docs.dtype === 'i8' ? null : q,
    query8?.data ?? null,
    query8?.scales ?? null,
    query.rows,
    query.dim,
    docs.data,
    docs.dtype === 'i8' ? docs.scales : null,
    docs.offsets,
    weights,
    sums,
    threads,
  );
  return { sums, badDocument: bad };
}

/**
 * Scores one query against packed documents.
 *
 * @example
 * ```ts
 * const docs = toF32Documents(packMatrices([docA, docB]));
 * const { raw, normalized } = maxsim(query, docs);               // ColBERT sum of max
 * const idf = maxsim(query, docs, { variant: 'weighted', weights }); // one weight per query row
 * ```
 */
export function maxsim(query: TokenMatrix, docs: PackedDocuments, opts: MaxSimOptions = {}): MaxSimScores {
  validateQuery(query);
  validateDocuments(docs, query.dim);
  return maxsimValidated(query, docs, opts);
}

/**
 * {@link maxsim} for callers that validated the query at their own boundary (a store's search) and
 * packed the documents themselves, so a query is checked once on its way, not at every stage.
 */
export function maxsimValidated(query: TokenMatrix, docs: PackedDocuments, opts: MaxSimOptions = {}): MaxSimScores {
  const plan = planVariant(opts.variant, opts.weights, query.rows);
  const threads = threadCount(opts.threads);
  const impl = resolveImpl(opts.impl);
  const query8 = docs.dtype === 'i8' ? quantizeRowsInt8(query.data.subarray(0, query.rows * query.dim), query.dim) : undefined;
  const result = impl === 'native' ? runNative(query, docs, plan.weights, query8, threads) : referenceKernel(query, docs, plan.weights, query8);
  if (result.badDocument >= 0) {
    throw new TartanError(
      ErrorCodes.NON_FINITE_VALUE,
      `document ${result.badDocument} holds NaN or Infinity; embeddings must be finite (re-encode the document or check the stored vectors)`,
      { details: { document: result.badDocument } },
    );
  }
  return finishScores(result.sums, plan);
}

/**
 * Scores one query against one document matrix: a convenience over {@link maxsim}.
 * @example maxsimPair(query, doc).normalized // in [-1, 1] for L2-normalised rows
 */
export function maxsimPair(query: TokenMatrix, doc: TokenMatrix, opts: MaxSimOptions = {}): { raw: number; normalized: number } {
  const docs = { dtype: 'f32' as const, data: doc.data, offsets: Uint32Array.of(0, doc.rows), dim: doc.dim };
  const s = maxsim(query, docs, opts);
  return { raw: s.raw[0], normalized: s.normalized[0] };
}
