/**
 * Optional store capabilities. Every store implements {@link VectorStore}; some
 * can do more (check their files, compact, keep side data in a folder). Callers
 * ask for a capability with these guards instead of testing for a concrete class,
 * so a new store gains a feature by implementing the method, nothing else.
 */
import type { VectorStore } from './types.js';
import type { CheckReport } from './file/check.js';
import type { TokenMatrix } from '../core/tensors.js';

/** A store that verifies its own files and tables. */
export interface Checkable {
  check(): Promise<CheckReport>;
}

/** A store that rewrites its data to reclaim deleted space and merge segments. */
export interface Compactable {
  compact(): Promise<void>;
}

/**
 * A store that can remove itself: everything it holds goes (a folder with its
 * side indexes, a collection's tables) and the store is closed. Irreversible.
 */
export interface Droppable {
  drop(): Promise<void>;
}

/**
 * A store that lives in a local folder and numbers its states: side indexes
 * (BM25, dense) are kept beside it and rebuilt when the generation moves on.
 */
export interface FolderBacked {
  readonly dir: string;
  /** Live external ids, and the generation they belong to. */
  documentIds(): { ids: string[]; generation: number };
}

/** True when the store can verify itself ({@link Checkable}). */
export function canCheck(store: VectorStore): store is VectorStore & Checkable {
  return typeof (store as Partial<Checkable>).check === 'function';
}

/** True when the store can compact itself ({@link Compactable}). */
export function canCompact(store: VectorStore): store is VectorStore & Compactable {
  return typeof (store as Partial<Compactable>).compact === 'function';
}

/** True when the store lives in a local folder ({@link FolderBacked}). */
export function isFolderBacked(store: VectorStore): store is VectorStore & FolderBacked {
  const s = store as Partial<FolderBacked>;
  return typeof s.dir === 'string' && typeof s.documentIds === 'function';
}

/** True when the store can remove itself ({@link Droppable}). */
export function canDrop(store: VectorStore): store is VectorStore & Droppable {
  return typeof (store as Partial<Droppable>).drop === 'function';
}

/** The vectors a store scored documents with: what an explanation needs to add up to the score. */
export interface ScoredVectors {
  /** The query as the store scores it (reduced to the stored dimension, rounded to the stored precision). */
  readonly query: TokenMatrix;
  /** Per found id, the token vectors of its passages (one unless chunked) that the final score used, as float32. */
  readonly documents: ReadonlyMap<string, readonly TokenMatrix[]>;
}

/**
 * A store that can hand out the vectors its final score used (float16 rerank vectors,
 * decompressed codes, stored rows), so explanations add up to the hits' scores.
 */
export interface Explainable {
  /** The vectors behind scoring `query` against the documents `ids` (missing ids are left out). */
  scoredVectors(query: TokenMatrix, ids: readonly string[]): Promise<ScoredVectors>;
}

/** True when the store can give the vectors behind its scores ({@link Explainable}). */
export function canExplain(store: VectorStore): store is VectorStore & Explainable {
  return typeof (store as Partial<Explainable>).scoredVectors === 'function';
}
