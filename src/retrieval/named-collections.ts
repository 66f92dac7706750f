/**
 * The RAGatouille-style one-liners: index a collection by name, then search it
 * by name. Collections live under $TARTAN_HOME/indexes (default ~/.tartan/indexes).
 * @example
 * await indexCollection('notes', ['Aspirin lowers fever.', 'Tea contains caffeine.'], { model: 'lexical' });
 * const hits = await searchCollection('notes', 'what reduces a fever', { k: 1 });
 */
import { existsSync, rmSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { ErrorCodes, TartanError } from '../core/errors.js';
import type { DocumentInput, SearchHit, StoreSearchOptions } from '../stores/types.js';
import { Index } from './index-facade.js';
import type { IndexCreateOptions } from './index-facade.js';

/** The folder of collection `name`. */
export function collectionDir(name: string): string {
  if (!/^[A-Za-z0-9._-]+$/.test(name) || name.startsWith('.')) {
    throw new TartanError(ErrorCodes.INVALID_ARGUMENT, `collection name "${name}" may only use letters, digits, '.', '_' and '-'`);
  }
  return join(process.env.TARTAN_HOME ?? join(homedir(), '.tartan'), 'indexes', name);
}

/** Indexes texts (ids "0", "1", ...) or documents as collection `name`, replacing it when `overwrite` is set. */
export async function indexCollection(
  name: string,
  docs: ReadonlyArray<string | DocumentInput>,
  options: IndexCreateOptions & { overwrite?: boolean } = {},
): Promise<void> {
  const dir = collectionDir(name);
  const { overwrite, ...create } = options;
  if (existsSync(dir)) {
    if (!overwrite)
      throw new TartanError(ErrorCodes.INDEX_EXISTS, `collection "${name}" exists at ${dir}; pass { overwrite: true } to rebuild it, or search it`);
    rmSync(dir, { recursive: true, force: true });
  }
  const index = await Index.create(dir, create);
  try {
    await index.add(docs.map((d, i) => (typeof d === 'string' ? { id: String(i), text: d } : d)));
  } finally {
    await index.close();
  }
}

/** Searches collection `name` with its own model. */
export async function searchCollection(name: string, query: string, options: StoreSearchOptions = {}): Promise<SearchHit[]> {
  const index = await Index.open(collectionDir(name));
  try {
    return await index.search(query, options);
  } finally {
    await index.close();
  }
}
