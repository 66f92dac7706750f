/**
 * Side indexes: retrieval structures kept beside the ColBERT index over the
 * same documents (BM25, dense vectors, a future SPLADE). Each is used by the
 * pipeline first stage of its name. A {@link Collection} keeps them in step
 * with adds and deletes, saves each in `<index folder>/<name>/`, records the
 * store generation they match, and rebuilds them from the stored texts when
 * the store has moved on without them.
 *
 * @example
 * // An exact-title matcher: a first stage named "title".
 * const titles = new Map<string, string>();
 * const side: SideIndex = {
 *   name: 'title',
 *   add: (docs) => { for (const d of docs) titles.set(d.id, d.text.split('\n')[0]); },
 *   delete: (ids) => { for (const id of ids) titles.delete(id); },
 *   search: (q) => [...titles].filter(([, t]) => t === q.text).map(([id]) => ({ id, score: 1 })),
 *   clear: () => titles.clear(),
 *   save: (dir) => writeFileSync(join(dir, 'titles.json'), JSON.stringify([...titles])),
 *   load: (dir) => { try { titles.clear(); for (const [id, t] of JSON.parse(readFileSync(join(dir, 'titles.json'), 'utf8'))) titles.set(id, t); return true; } catch { return false; } },
 * };
 * const c = await Collection.open('./idx', { sideIndexes: [side] });
 * await c.search('Aspirin', { pipeline: 'title>colbert' });
 */
import { ErrorCodes, TartanError } from '../core/errors.js';
import type { MetadataFilter } from '../stores/types.js';
import type { ScoredId } from './fusion.js';

/** A document as side indexes see it: its id and its text ('' when it has none). */
export interface SideDocument {
  id: string;
  text: string;
}

/** What a side index is asked. */
export interface SideQuery {
  text: string;
  /** The request's metadata filter; a side index may ignore it (a later ColBERT stage applies it). */
  filter?: MetadataFilter;
  /** When given, only these documents may be returned. */
  candidates?: readonly string[];
}

type MaybePromise<T> = T | Promise<T>;

/**
 * A side index. The collection owns it once passed in: it calls `add`/`delete`
 * after the store changed, `save` after every change, `load` on open, `clear`
 * then `add` to rebuild, and `dispose` on close.
 */
export interface SideIndex {
  /** The pipeline stage that uses it, and its folder in the index: lowercase letters, digits, `-`. */
  readonly name: string;
  /**
   * What the saved data depends on besides the documents (the dense model, BM25 parameters).
   * Saved data recorded with another signature is rebuilt. Default ''.
   */
  readonly signature?: string;
  /** Adds documents new to the collection. */
  add(docs: readonly SideDocument[]): MaybePromise<void>;
  /** Removes documents; unknown ids are ignored. */
  delete(ids: readonly string[]): MaybePromise<void>;
  /** The k best documents for the query, best first. */
  search(query: SideQuery, k: number): MaybePromise<ScoredId[]>;
  /** Empties the index before a rebuild. */
  clear(): MaybePromise<void>;
  /** Writes the index into `dir` (created by the caller). Files should be replaced atomically. */
  save(dir: string): MaybePromise<void>;
  /** Reads what {@link save} wrote in `dir`; false when there is nothing usable (it is then rebuilt). */
  load(dir: string): MaybePromise<boolean>;
  /** Frees what it holds (models, sessions). */
  dispose?(): Promise<void>;
}

const NAME = /^[a-z][a-z0-9-]{0,63}$/;
/** Stage names the pipelines give to the ColBERT index and the cross-encoder. */
const TAKEN = new Set(['colbert', 'cross-encoder']);

/** Checks names (usable as a stage name and a folder name, not taken, unique); throws INVALID_ARGUMENT. */
export function checkSideIndexes(sides: readonly SideIndex[]): void {
  const seen = new Set<string>();
  for (const side of sides) {
    const name: unknown = side?.name;
    if (typeof name !== 'string' || !NAME.test(name)) {
      throw new TartanError(
        ErrorCodes.INVALID_ARGUMENT,
        `side index name ${JSON.stringify(name)} must be lowercase letters, digits and "-", starting with a letter (it names a pipeline stage and a folder)`,
      );
    }
    if (TAKEN.has(name)) throw new TartanError(ErrorCodes.INVALID_ARGUMENT, `side index name "${name}" is taken by a built-in pipeline stage; choose another`);
    if (seen.has(name)) throw new TartanError(ErrorCodes.INVALID_ARGUMENT, `two side indexes are named "${name}"; names must be unique`);
    for (const m of ['add', 'delete', 'search', 'clear', 'save', 'load'] as const) {
      if (typeof side[m] !== 'function') throw new TartanError(ErrorCodes.INVALID_ARGUMENT, `side index "${name}" has no ${m}() method`);
    }
    seen.add(name);
  }
}
