/** Tuning knobs of the PostgreSQL store and their measured defaults. */

/** Search defaults of the token layout (per store; a search's `nprobe`/`ndocs` override them). */
export interface TokenSearchDefaults {
  /** Nearest tokens fetched from HNSW per query vector (`nprobe` per search). Default 256. */
  tokensPerQueryVector: number;
  /** Candidate documents kept for exact MaxSim (`ndocs` per search). Default 256. */
  candidateDocs: number;
  /** `hnsw.ef_search`; raised to at least tokensPerQueryVector. Default 256. */
  efSearch: number;
}

// Measured on SciFact-sized synthetic ColBERT vectors (bench/postgres-bench.ts): 32/64/64 gave recall@10 0.36,
// 256/256/256 gave 0.86 at ~0.85 s per query, 512/512/512 gave 0.97 at ~1.2 s (2 shared cores).
export const DEFAULT_TOKEN_SEARCH: TokenSearchDefaults = { tokensPerQueryVector: 256, candidateDocs: 256, efSearch: 256 };

/** Tuning of a {@link PostgresStore}. */
export interface PostgresStoreTuning {
  search: TokenSearchDefaults;
  /** Most token rows sent in one INSERT; bounds one bind message to ~tokens x 2 x dim bytes. Default 16384. */
  tokensPerStatement: number;
  /**
   * Token layout: a batch of at least this many tokens that is also at least as large as the collection
   * rebuilds the HNSW index once (inside the same transaction) instead of inserting row by row, which is
   * many times slower. Readers wait for that transaction. Default 50,000; Infinity disables.
   */
  bulkLoadMinTokens: number;
  /** `maintenance_work_mem` for such rebuilds (default '512MB'). */
  bulkMaintenanceWorkMem: string;
}

export const DEFAULT_TUNING: PostgresStoreTuning = {
  search: DEFAULT_TOKEN_SEARCH,
  tokensPerStatement: 16_384,
  bulkLoadMinTokens: 50_000,
  bulkMaintenanceWorkMem: '512MB',
};
