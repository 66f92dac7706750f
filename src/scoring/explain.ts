/**
 * The one token-level explanation of a MaxSim score: for each query token, the
 * document token it matched best, their similarity and its contribution to the
 * score, plus the whole query x document similarity matrix on request (for a
 * heatmap). Fed with the vectors that produced a score (a store's
 * `scoredVectors`, or freshly encoded texts), its total is that score.
 */
import type { TokenMatrix } from '../core/tensors.js';
import type { MaxSimVariant } from './types.js';
import { assertFinite, validateQuery } from './validate.js';
import { planVariant } from './variants.js';
import { ErrorCodes, TartanError, describeValue } from '../core/errors.js';

/** How one query token contributed to the score. */
export interface TokenMatch {
  readonly queryIndex: number;
  readonly queryToken?: string;
  /** Row of the best document token (lowest row on ties); -1 for a document without rows. */
  readonly docIndex: number;
  readonly docToken?: string;
  /** Dot product of the two rows (cosine for L2-normalised rows); 0 for an empty document. */
  readonly similarity: number;
  /** The query row's weight in the variant (1 for sum, 1 / rows for mean). */
  readonly weight: number;
  /** weight x similarity: the rows' contributions add up to the raw score. */
  readonly contribution: number;
  /** contribution / raw score: the shares add up to 1 (all 0 when the raw score is 0). */
  readonly share: number;
}

/** A score with its token-level explanation. */
export interface Explanation {
  readonly variant: MaxSimVariant;
  readonly raw: number;
  readonly normalized: number;
  readonly matches: TokenMatch[];
  /** queryRows x docRows similarities, row-major; present when asked for. */
  readonly matrix?: { readonly rows: number; readonly cols: number; readonly data: Float32Array };
  /** Labels of the query rows, when given. */
  readonly queryTokens?: readonly string[];
  /** Labels of the document rows, when given. */
  readonly docTokens?: readonly string[];
  /** The passage of a chunked document that scored ({@link explainPassages}); 0 when there is one. */
  readonly passage?: number;
}

/** Options of {@link explainMaxSim}. */
export interface ExplainOptions {
  variant?: MaxSimVariant;
  weights?: Float32Array;
  /** Token texts in query row order (e.g. from `vectorTokens(query, true)`). */
  queryTokens?: readonly string[];
  /** Token texts in document row order (e.g. from `vectorTokens(doc, false)`). */
  docTokens?: readonly string[];
  /** Include the full similarity matrix. */
  matrix?: boolean;
}

function checkTokens(tokens: readonly string[] | undefined, rows: number, what: string): void {
  if (tokens && tokens.length !== rows) {
    throw new TartanError(
      ErrorCodes.DIMENSION_MISMATCH,
      `${tokens.length} ${what} token texts for ${rows} ${what} rows; pass the tokens that received vectors, in row order`,
    );
  }
}

/**
 * Explains the MaxSim score of one query against one document.
 *
 * @example
 * ```ts
 * const e = explainMaxSim(q, d, { queryTokens: enc.vectorTokens(query, true).map((t) => t.text) });
 * for (const m of e.matches) console.log(m.queryToken, '->', m.docToken, m.similarity.toFixed(3), m.share);
 * ```
 */
export function explainMaxSim(query: TokenMatrix, doc: TokenMatrix, opts: ExplainOptions = {}): Explanation {
  validateQuery(query);
  if (!doc || !(doc.data instanceof Float32Array))
    throw new TartanError(ErrorCodes.INVALID_ARGUMENT, 'the document must be a TokenMatrix with a Float32Array `data`');
  if (doc.dim !== query.dim)
    throw new TartanError(
      ErrorCodes.DIMENSION_MISMATCH,
      `the document has dim ${describeValue(doc.dim)} but the query has dim ${query.dim}; encode both with the same model`,
    );
  if (!Number.isInteger(doc.rows) || doc.rows < 0)
    throw new TartanError(ErrorCodes.INVALID_ARGUMENT, `the document has ${describeValue(doc.rows)} rows; rows must be a non-negative integer`);
  if (doc.data.length < doc.rows * doc.dim) {
    throw new TartanError(ErrorCodes.DIMENSION_MISMATCH, `the document data holds ${doc.data.length} values, fewer than rows x dim = ${doc.rows * doc.dim}`);
  }
  assertFinite(doc.data.subarray(0, doc.rows * doc.dim), 'the document');
  checkTokens(opts.queryTokens, query.rows, 'query');
  checkTokens(opts.docTokens, doc.rows, 'document');
  return explainRows(query, doc, opts);
}

/** The explanation itself, over inputs already checked. */
function explainRows(query: TokenMatrix, doc: TokenMatrix, opts: ExplainOptions): Explanation {
  const plan = planVariant(opts.variant, opts.weights, query.rows);
  const { rows: qrows, dim } = query;
  const drows = doc.rows;
  const sims = new Float32Array(qrows * drows);
  for (let a = 0; a < qrows; a++) {
    for (let r = 0; r < drows; r++) {
      let s = 0;
      for (let k = 0; k < dim; k++) s += query.data[a * dim + k] * doc.data[r * dim + k];
      sims[a * drows + r] = s;
    }
  }
  const scale = plan.variant === 'mean' ? 1 / qrows : 1;
  const best: { index: number; sim: number; weight: number; contribution: number }[] = [];
  let raw = 0;
  for (let a = 0; a < qrows; a++) {
    let index = -1,
      sim = 0;
    for (let r = 0; r < drows; r++) {
      if (index < 0 || sims[a * drows + r] > sim) {
        index = r;
        sim = sims[a * drows + r];
      }
    }
    const weight = plan.weights[a] * scale;
    const contribution = weight * sim;
    raw += contribution;
    best.push({ index, sim, weight, contribution });
  }
  const matches: TokenMatch[] = best.map((b, a) => ({
    queryIndex: a,
    ...(opts.queryTokens ? { queryToken: opts.queryTokens[a] } : {}),
    docIndex: b.index,
    ...(opts.docTokens && b.index >= 0 ? { docToken: opts.docTokens[b.index] } : {}),
    similarity: b.sim,
    weight: b.weight,
    contribution: b.contribution,
    share: raw !== 0 ? b.contribution / raw : 0,
  }));
  const normalized = plan.variant === 'mean' ? raw : raw / plan.divisor;
  return {
    variant: plan.variant,
    raw,
    normalized,
    matches,
    ...(opts.matrix ? { matrix: { rows: qrows, cols: drows, data: sims } } : {}),
    ...(opts.queryTokens ? { queryTokens: opts.queryTokens } : {}),
    ...(opts.docTokens ? { docTokens: opts.docTokens } : {}),
  };
}

/** Options of {@link explainPassages}: document labels are per passage. */
export interface PassageExplainOptions extends Omit<ExplainOptions, 'docTokens'> {
  /** Labels of passage `p`'s rows, or undefined where unknown. */
  passageTokens?: (passage: number) => readonly string[] | undefined;
}

/**
 * Explains the score a search gave a document, from the vectors that search scored: the query as the
 * store scored it (with its weights, if any) and the document's passages (one unless it was chunked).
 * A document scores as its best passage, so the passage with the highest total is explained (the first
 * on ties). Inputs are not checked again: the search that produced the score checked them.
 */
export function explainPassages(query: TokenMatrix, passages: readonly TokenMatrix[], opts: PassageExplainOptions = {}): Explanation | undefined {
  checkTokens(opts.queryTokens, query.rows, 'query');
  let best: Explanation | undefined;
  passages.forEach((doc, p) => {
    const tokens = opts.passageTokens?.(p);
    const e = explainRows(query, doc, { ...opts, ...(tokens && tokens.length === doc.rows ? { docTokens: tokens } : {}) });
    if (!best || e.raw > best.raw) best = { ...e, passage: p };
  });
  return best;
}
