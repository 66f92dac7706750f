/**
 * The store interface: where token vectors, documents and metadata live.
 * The embedded file index (src/index) and PostgreSQL (src/stores/postgres)
 * both implement {@link VectorStore}; the model-bound `Index` facade encodes
 * text and delegates to a store, so every command works with either.
 */
import type { TokenMatrix, TokenMatrixBatch } from '../core/tensors.js';

/** A document as given by the user. `id` is the external id (unique per store). */
export interface DocumentInput {
  id: string;
  text?: string;
  metadata?: Record<string, MetadataValue>;
}

export type MetadataValue = string | number | boolean | null;

/**
 * Metadata filter, applied before scoring. Each key is a metadata field; all
 * keys must match (AND).
 * - `{ lang: 'en' }` equality
 * - `{ lang: { $in: ['en', 'de'] } }` membership
 * - `{ year: { $gte: 2000, $lt: 2010 } }` range ($gt, $gte, $lt, $lte)
 */
export type MetadataFilter = Record<string, MetadataValue | { $in: MetadataValue[] } | RangeCondition>;
export interface RangeCondition {
  $gt?: number | string;
  $gte?: number | string;
  $lt?: number | string;
  $lte?: number | string;
}

/** Knobs of a store search; each store documents which it honours. */
export interface StoreSearchOptions {
  k?: number;
  filter?: MetadataFilter;
  /** PLAID: centroids probed per query token. */
  nprobe?: number;
  /** PLAID: candidates kept for exact scoring. */
  ndocs?: number;
  /** Optional per-query-row weights (weighted MaxSim). */
  weights?: Float32Array;
  /** Restrict scoring to these external ids (for reranking a first stage's candidates). */
  candidates?: readonly string[];
}

/** One result. `score` is the raw MaxSim, `normalizedScore` divided by the query's rows (or weights). */
export interface SearchHit {
  id: string;
  rank: number;
  score: number;
  normalizedScore: number;
  text?: string;
  metadata?: Record<string, MetadataValue>;
}

/** What `info` reports about a store. */
export interface StoreInfo {
  kind: string;
  documents: number;
  tokens: number;
  dim: number;
  bytesPerToken: number;
  model?: string;
  [extra: string]: unknown;
}

export interface VectorStore {
  readonly dim: number;
  /** Adds documents with their token matrices (matrix i belongs to docs[i]). Atomic: all or nothing. */
  add(docs: readonly DocumentInput[], vectors: TokenMatrixBatch): Promise<void>;
  /** Deletes by external id; returns how many existed. */
  delete(ids: readonly string[]): Promise<number>;
  search(query: TokenMatrix, options?: StoreSearchOptions): Promise<SearchHit[]>;
  /** Fetches documents by external id (missing ids are skipped). */
  get(ids: readonly string[]): Promise<DocumentInput[]>;
  info(): Promise<StoreInfo>;
  close(): Promise<void>;
}
