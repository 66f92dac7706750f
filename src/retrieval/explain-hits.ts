/**
 * Explanations of search hits from the vectors that produced their scores: the
 * store hands out what its final stage scored (its `scoredVectors`) and the one
 * explanation function adds it up, so each explanation's total is its hit's score.
 */
import { ErrorCodes, TartanError, describeValue } from '../core/errors.js';
import type { TokenMatrix } from '../core/tensors.js';
import type { LateInteractionEncoder } from '../models/types.js';
import { explainPassages, type Explanation } from '../scoring/explain.js';
import { tokenLabels } from './explain-text.js';
import { canExplain } from '../stores/capabilities.js';
import type { SearchHit, VectorStore } from '../stores/types.js';

/** A hit with, when asked for, the token-level explanation of its score. */
export type ExplainedHit = SearchHit & { explanation?: Explanation };

/** `explain` of a search: true explains every hit, a positive integer n the best n. */
export type ExplainOption = boolean | number;

/** How many hits `explain` asks to explain (0 for none); throws for anything but a boolean or a positive integer. */
export function explainCount(explain: unknown, hits: number): number {
  if (explain === undefined || explain === false) return 0;
  if (explain === true) return hits;
  if (typeof explain === 'number' && Number.isInteger(explain) && explain >= 1) return Math.min(explain, hits);
  throw new TartanError(
    ErrorCodes.INVALID_ARGUMENT,
    `explain must be true, false or a positive integer (how many hits to explain), got ${describeValue(explain)}`,
  );
}

/** The query a search scored with: its matrix as encoded, its text (for labels) and weights when the search used them. */
export interface SearchedQuery {
  matrix: TokenMatrix;
  text?: string;
  weights?: Float32Array;
}

/**
 * Attaches explanations to the first `count` hits of a search of `store` with `query`.
 * Hits whose document is gone by now (deleted since the search) stay unexplained.
 */
export async function explainHits<H extends SearchHit>(
  store: VectorStore,
  encoder: LateInteractionEncoder,
  query: SearchedQuery,
  hits: readonly H[],
  count: number,
  /** Labels of a document's stored rows when they are not its tokens (a poly index: its codes). */
  rowLabels?: (rows: number) => string[],
): Promise<Array<H & { explanation?: Explanation }>> {
  if (count <= 0) return [...hits];
  if (!canExplain(store))
    throw new TartanError(ErrorCodes.INVALID_ARGUMENT, 'this store cannot hand out the vectors behind its scores, so its hits cannot be explained');
  const { query: scored, documents } = await store.scoredVectors(
    query.matrix,
    hits.slice(0, count).map((h) => h.id),
  );
  const queryTokens = tokenLabels(encoder, query.text, true, scored.rows);
  return hits.map((h, i) => {
    const passages = i < count ? documents.get(h.id) : undefined;
    if (!passages) return h;
    const explanation = explainPassages(scored, passages, {
      ...(query.weights ? { weights: query.weights } : {}),
      matrix: true,
      queryTokens,
      passageTokens: (p) => (rowLabels ? rowLabels(passages[p].rows) : tokenLabels(encoder, h.text, false, passages[p].rows)),
    });
    return explanation ? { ...h, explanation } : h;
  });
}
