/**
 * The interface every evaluated pipeline implements (BM25, the lexical
 * late-interaction model, and later the ColBERT, dense and hybrid pipelines).
 */

/** One hit returned by a retriever. */
export interface RetrievedDocument {
  id: string;
  score: number;
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
  /** Frees resources (models, sessions). */
  dispose?(): Promise<void>;
}
