/** Opening a store without a model: the file index in a folder, or PostgreSQL for a URL. */
import type { VectorStore } from './types.js';
import type { FileStore } from './file/file-store.js';
import { readManifest } from './file/manifest.js';
import { PlaidStore } from './file/plaid-store.js';
import { FlatStore } from './file/flat-store.js';

/** True for `postgres://` and `postgresql://` URLs. */
export function isPostgresLocation(location: string): boolean {
  return /^postgres(ql)?:\/\//i.test(location);
}

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
