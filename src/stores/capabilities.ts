/**
 * Optional store capabilities. Every store implements {@link VectorStore}; some
 * can do more (check their files, compact, keep side data in a folder). Callers
 * ask for a capability with these guards instead of testing for a concrete class,
 * so a new store gains a feature by implementing the method, nothing else.
 */
import type { VectorStore } from './types.js';
import type { CheckReport } from './file/check.js';

/** A store that verifies its own files and tables. */
export interface Checkable { check(): Promise<CheckReport> }

/** A store that rewrites its data to reclaim deleted space and merge segments. */
export interface Compactable { compact(): Promise<void> }

/**
 * A store that lives in a local folder and numbers its states: side indexes
 * (BM25, dense) are kept beside it and rebuilt when the generation moves on.
 */
export interface FolderBacked {
  readonly dir: string;
  /** Live external ids, and the generation they belong to. */
  documentIds(): { ids: string[]; generation: number };
}

export function canCheck(store: VectorStore): store is VectorStore & Checkable {
  return typeof (store as Partial<Checkable>).check === 'function';
}

export function canCompact(store: VectorStore): store is VectorStore & Compactable {
  return typeof (store as Partial<Compactable>).compact === 'function';
}

export function isFolderBacked(store: VectorStore): store is VectorStore & FolderBacked {
  const s = store as Partial<FolderBacked>;
  return typeof s.dir === 'string' && typeof s.documentIds === 'function';
}
