/**
 * The settings an index is created with, and the limits the manifest check and
 * the argument checks both apply to them (kept here so neither imports the other).
 */

/** Most centroids, passages-per-search and probes any setting may ask for (far above useful values). */
export const LARGE = 1 << 24;
/** Widest token vectors an index stores (models use 96 to 1024). */
export const MAX_DIM = 1 << 16;

/** Settings fixed at creation. */
export interface IndexSettings {
  mode: 'plaid' | 'flat';
  dim: number;
  /** plaid: residual bits per dimension (1, 2, 4 or 8). */
  nbits: number;
  /** flat: storage type of the vectors. */
  flatDtype: 'f16' | 'i8';
  /** plaid: number of centroids; 0 = chosen from the first add (power of two near 16*sqrt(tokens), capped). */
  centroids: number;
  /** Token pooling factor (1 = none). */
  poolFactor: number;
  /** Long documents are split into windows of this many tokens (0 = never). */
  chunkTokens: number;
  chunkOverlap: number;
  /**
   * plaid: what the final rerank scores. 'f16': the original vectors, kept on disk as float16 (read only for
   * the final candidates), so the top k is ranked at full fidelity; 'none': the vectors decompressed from
   * the codes (smaller on disk, loses quality). Indexes written before this setting existed have 'none'.
   */
  rerankVectors?: 'f16' | 'none';
  /** Default search knobs. */
  nprobe: number;
  ndocs: number;
  /** Model id or path the vectors came from (for the Index facade). */
  model?: string;
  /**
   * Stored dimension when it is reduced by a PCA projection learned at the first add (applied to
   * every added vector and every query); 0 or absent (every index written before it existed): off.
   */
  pcaDim?: number;
}

/**
 * Defaults from `tartan bench search` on realistic SciFact token vectors (trained word vectors mixed with
 * their context, dim 128, 1.08M tokens, nbits 2, rerank over the float16 originals): nprobe 64 (centroids
 * probed per query token) and ndocs 96 (passages ranked with the originals) give recall@10 0.993 against
 * exact MaxSim over the original float vectors; nprobe 32 / ndocs 64 give 0.982 in about 80% of the time.
 */
export const DEFAULT_SETTINGS: Omit<IndexSettings, 'dim'> = {
  mode: 'plaid',
  nbits: 2,
  flatDtype: 'f16',
  rerankVectors: 'f16',
  centroids: 0,
  poolFactor: 1,
  chunkTokens: 0,
  chunkOverlap: 0,
  nprobe: 64,
  ndocs: 96,
};
