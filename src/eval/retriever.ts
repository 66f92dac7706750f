/**
 * The interface every evaluated pipeline implements (BM25, the lexical
 * late-interaction model, and later the ColBERT, dense and hybrid pipelines).
 */

/** One hit returned by a retriever. */
export interface RetrievedDocument {
  id: string;
  score: number;
}

/** Where a retriever's index came from; the report's notes say so, since the index time only counts a build. */
export interface RetrieverIndex {
  /** The index folder. */
  dir: string;
  /** An index store's kind: `flat` (exact MaxSim over every document) or `plaid` (centroid candidates, then exact MaxSim). */
  kind?: string;
  /**
   * `built` by this pipeline; `reopened` from an earlier run's folder (build time not measured); `shared` with a
   * pipeline created before it in the same run (whose row carries the build time).
   */
  origin: 'built' | 'reopened' | 'shared';
}

/**
 * A named search pipeline over a fixed corpus.
 *
 * @example
 * ```ts
 * const r: Retriever = { name: 'bm25', search: async (q, k) => index.search(q, k) };
 * ```
 */
export interface Retriever {
  readonly name: string;
  /**
   * The k best documents for a query, best first. `queryId` is the dataset's id of the query (given by
   * `evaluateRetrievers`), for retrievers that look up precomputed query vectors instead of the text.
   */
  search(queryText: string, k: number, queryId?: string): Promise<RetrievedDocument[]>;
  /** Milliseconds spent in each stage by the most recent `search` call (e.g. `{ encode: 1.2, maxsim: 8.4 }`). */
  stageLatencies?(): Record<string, number>;
  /** The index it searches, when it has one (for the report's notes). */
  readonly index?: RetrieverIndex;
  /** Frees resources (models, sessions). */
  dispose?(): Promise<void>;
}
