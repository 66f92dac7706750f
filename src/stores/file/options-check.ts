/**
 * Argument checks of the index API, shared by the Index facade and the stores:
 * creation settings, search options, document batches and id lists. Each bad
 * value becomes a coded TartanError that names the field, before any file is
 * written or any vector scored (a NaN chunk size, for instance, would
 * otherwise loop forever, and a string of ids would be split into characters).
 */
import { ErrorCodes, TartanError, describeValue } from '../../core/errors.js';
import { checkK } from '../../core/result-count.js';
import type { DocumentInput, StoreSearchOptions } from '../types.js';
import { validateFilter } from '../filter.js';
import type { IndexSettings } from './settings.js';
import { LARGE, MAX_DIM } from './settings.js';
import { checkNbits } from '../../plaid/residual-codec.js';

export { LARGE, MAX_DIM } from './settings.js';

function invalid(message: string): TartanError {
  return new TartanError(ErrorCodes.INVALID_ARGUMENT, message);
}

/** Describes a value for a message without throwing; see {@link describeValue}. */
export function describe(v: unknown): string {
  return describeValue(v, 200);
}

function integerIn(name: string, v: unknown, min: number, max: number): void {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) {
    throw invalid(`${name} must be an integer from ${min} to ${max}, got ${describe(v)}`);
  }
}

/** Checks the settings given at creation (absent ones take defaults). */
export function checkCreateSettings(s: Partial<IndexSettings>): void {
  if (s.mode !== undefined && s.mode !== 'plaid' && s.mode !== 'flat') throw invalid(`mode must be "plaid" or "flat", got ${describe(s.mode)}`);
  if (s.nbits !== undefined) checkNbits(s.nbits);
  if (s.flatDtype !== undefined && s.flatDtype !== 'f16' && s.flatDtype !== 'i8')
    throw invalid(`flatDtype must be "f16" or "i8", got ${describe(s.flatDtype)}`);
  if (s.rerankVectors !== undefined && s.rerankVectors !== 'f16' && s.rerankVectors !== 'none')
    throw invalid(`rerankVectors must be "f16" (rank the final candidates with the original vectors) or "none", got ${describe(s.rerankVectors)}`);
  if (s.centroids !== undefined) integerIn('centroids (0 = automatic)', s.centroids, 0, LARGE);
  if (s.poolFactor !== undefined && !(typeof s.poolFactor === 'number' && s.poolFactor >= 1 && s.poolFactor <= 4)) {
    throw invalid(`poolFactor must be a number from 1 to 4, got ${describe(s.poolFactor)}`);
  }
  if (s.chunkTokens !== undefined) integerIn('chunkTokens (0 = no chunking)', s.chunkTokens, 0, LARGE);
  if (s.chunkOverlap !== undefined) {
    integerIn('chunkOverlap', s.chunkOverlap, 0, LARGE);
    if (s.chunkOverlap > 0 && !(s.chunkOverlap < (s.chunkTokens ?? 0)))
      throw invalid(`chunkOverlap (${s.chunkOverlap}) must be smaller than chunkTokens (${s.chunkTokens ?? 0})`);
  }
  if (s.nprobe !== undefined) integerIn('nprobe', s.nprobe, 1, LARGE);
  if (s.ndocs !== undefined) integerIn('ndocs', s.ndocs, 1, LARGE);
  if (s.model !== undefined && typeof s.model !== 'string') throw invalid(`model must be a model id or path, got ${describe(s.model)}`);
  if (s.pcaDim !== undefined) checkPcaDim(s.pcaDim, s.dim);
}

/** pcaDim: 0 (off) or an integer below `dim` (when known: the Index facade checks before its model gives the dim). */
function checkPcaDim(pcaDim: unknown, dim: number | undefined): void {
  if (typeof pcaDim !== 'number' || !Number.isInteger(pcaDim) || pcaDim < 0) {
    throw invalid(`pcaDim must be 0 (off) or an integer from 1 to dim - 1 (the stored dimension after a PCA projection), got ${describe(pcaDim)}`);
  }
  const limit = typeof dim === 'number' ? dim : MAX_DIM;
  if (pcaDim >= limit)
    throw invalid(
      `pcaDim (${pcaDim}) must be smaller than the index dim (${typeof dim === 'number' ? dim : `at most ${MAX_DIM}`}); use 0 to keep the full dimension`,
    );
}

/** Checks search options: k, PLAID knobs, filter, weights and candidates. */
export function checkSearchOptions(o: StoreSearchOptions | undefined): void {
  if (o === undefined || o === null) return;
  if (typeof o !== 'object') throw invalid(`search options must be an object, got ${describe(o)}`);
  if (o.k !== undefined) checkK(o.k);
  if (o.nprobe !== undefined) integerIn('nprobe', o.nprobe, 1, LARGE);
  if (o.ndocs !== undefined) integerIn('ndocs', o.ndocs, 1, LARGE);
  if (o.filter !== undefined && o.filter !== null) validateFilter(o.filter);
  if (o.weights !== undefined && !(o.weights instanceof Float32Array)) throw invalid('weights must be a Float32Array with one weight per query row');
  if (o.candidates !== undefined) checkIds(o.candidates, 'candidates');
}

/** Checks a list of document ids (delete, candidates): an array of non-empty strings. */
export function checkIds(ids: unknown, what = 'ids'): asserts ids is readonly string[] {
  if (!Array.isArray(ids)) throw invalid(`${what} must be an array of document id strings, got ${describe(ids)}`);
  for (let i = 0; i < ids.length; i++) {
    if (typeof ids[i] !== 'string' || ids[i].length === 0) throw invalid(`${what}[${i}] must be a non-empty string, got ${describe(ids[i])}`);
  }
}

/** Checks one document given to add: an object with a non-empty string id and flat, finite metadata (the text is checked by the caller). */
export function checkDocument(d: unknown, position: number): asserts d is DocumentInput {
  if (d === null || typeof d !== 'object' || Array.isArray(d))
    throw invalid(`document #${position} must be an object like {"id": "d1", "text": "..."}, got ${describe(d)}`);
  const { id, metadata } = d as Record<string, unknown>;
  if (typeof id !== 'string' || id.length === 0) throw invalid(`document #${position} needs a non-empty string id, got ${describe(id)}`);
  if (metadata === undefined || metadata === null) return;
  if (typeof metadata !== 'object' || Array.isArray(metadata))
    throw invalid(`metadata of document "${id}" must be an object of field values, got ${describe(metadata)}`);
  for (const [field, v] of Object.entries(metadata)) {
    const flat = v === null || typeof v === 'string' || typeof v === 'boolean' || (typeof v === 'number' && Number.isFinite(v));
    // Nested or non-finite values would be stored as null or never match a filter: refuse them.
    if (!flat) throw invalid(`metadata field "${field}" of document "${id}" is ${describe(v)}; use strings, finite numbers, booleans or null`);
  }
}
