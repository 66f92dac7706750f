/**
 * The one place a location string becomes a store: the file index in a folder,
 * or PostgreSQL for a `postgres://` URL (see {@link isPostgresLocation}).
 */
import { ErrorCodes, TartanError } from '../core/errors.js';
import type { StoreInfo, VectorStore } from './types.js';
import type { FileStore } from './file/file-store.js';
import { readManifest } from './file/manifest.js';
import { PlaidStore } from './file/plaid-store.js';
import { FlatStore } from './file/flat-store.js';
import { canDrop } from './capabilities.js';
import { isPostgresLocation } from './location.js';

export { isPostgresLocation } from './location.js';

/**
 * Opens `dir` as a {@link PlaidStore} or {@link FlatStore} according to its manifest.
 * @example const store = await openFileStore('./my-index');
 */
export async function openFileStore(dir: string): Promise<FileStore> {
  const m = readManifest(dir);
  return m.settings.mode === 'flat' ? FlatStore.open(dir) : PlaidStore.open(dir);
}

/** Opens a folder or a PostgreSQL URL as a {@link VectorStore} (the PostgreSQL code is loaded only when needed). */
export async function openStore(location: string, options: { model?: string } = {}): Promise<VectorStore> {
  if (isPostgresLocation(location)) {
    const { openPostgresStore } = await import('./postgres/index.js');
    return openPostgresStore(location, options.model ? { model: options.model } : {});
  }
  return openFileStore(location);
}

/** Options of {@link dropStore}. */
export interface DropStoreOptions {
  /**
   * Asked with the store's info after it was opened and before anything is removed;
   * resolving false keeps the store. It may throw to refuse with its own error.
   */
  confirm?: (info: StoreInfo) => boolean | Promise<boolean>;
}

/** What {@link dropStore} did. */
export interface DropStoreResult {
  /** False only when `confirm` declined. */
  dropped: boolean;
  /** The store as it was before the drop. */
  info: StoreInfo;
}

/**
 * Removes the index at `location` with everything it holds: an index folder with its side
 * indexes (bm25/, dense/), or a PostgreSQL collection's tables. Irreversible.
 * Errors: INDEX_NOT_FOUND when there is no index there (a folder without a tartan manifest
 * is left untouched), INDEX_LOCKED when a writer holds the folder.
 * @example await dropStore('./old-index');
 */
export async function dropStore(location: string, options: DropStoreOptions = {}): Promise<DropStoreResult> {
  const store = await openStore(location);
  let dropped = false;
  try {
    const info = await store.info();
    if (!canDrop(store))
      throw new TartanError(ErrorCodes.INVALID_ARGUMENT, `the store at ${location} (${info.kind}) cannot be dropped by tartan; remove it with its own tools`);
    if (options.confirm && !(await options.confirm(info))) return { dropped: false, info };
    await store.drop();
    dropped = true;
    return { dropped: true, info };
  } finally {
    // drop() closes the store itself; every other way out closes it here.
    if (!dropped) await store.close();
  }
}
