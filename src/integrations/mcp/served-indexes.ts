/**
 * The indexes one MCP server serves, by name. Tools address an index by name
 * (optional when only one is served); writes to one index run one at a time,
 * searches run freely beside them (the stores search a snapshot).
 */
import { basename, resolve } from 'node:path';
import { ErrorCodes, TartanError } from '../../core/errors.js';
import { Collection, type CollectionOptions } from '../../retrieval/collection.js';
import { isPostgresLocation } from '../../stores/location.js';

/** An index given to the server: a location (`./papers`, `name=./papers`, `postgres://...`) or an opened collection. */
export type IndexSource = string | { name: string; collection: Collection };

/** Options for opening the served locations. */
export interface OpenIndexesOptions {
  /** Dense model for `dense` pipeline stages of folder indexes (kept beside the index once given). */
  denseModel?: string;
  /** Cross-encoder for `cross-encoder` pipeline stages. */
  crossEncoderModel?: string;
}

/** One served index. */
export interface ServedIndex {
  name: string;
  /** Where it lives, with any PostgreSQL password masked (tool results are shown to models and people). */
  location: string;
  collection: Collection;
  /** Opened here, so closed here; collections passed in belong to the caller. */
  owned: boolean;
  writes: Promise<unknown>;
}

const NAME_RE = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;

/**
 * The name and location of an `--index` argument: `name=location`, or a bare location named after
 * its folder (or its PostgreSQL collection: `?collection=`, else `default`).
 * @example parseIndexSpec('./data/papers') // { name: 'papers', location: './data/papers' }
 * @example parseIndexSpec('pg=postgres://app@db/search?collection=notes') // { name: 'pg', location: 'postgres://...' }
 */
export function parseIndexSpec(spec: string): { name: string; location: string } {
  const eq = spec.indexOf('=');
  if (eq > 0 && NAME_RE.test(spec.slice(0, eq))) return { name: spec.slice(0, eq), location: spec.slice(eq + 1) };
  if (isPostgresLocation(spec)) {
    let collection: string | null = null;
    try {
      collection = new URL(spec).searchParams.get('collection');
    } catch {
      // An unparsable URL keeps the default name; opening it reports what is wrong.
    }
    return { name: derivedName(collection || 'default'), location: spec };
  }
  return { name: derivedName(basename(resolve(spec))), location: spec };
}

/** A valid name from a folder or collection name: other characters become `-`. */
function derivedName(raw: string): string {
  const n = raw
    .replace(/[^A-Za-z0-9_.-]+/g, '-')
    .replace(/^[^A-Za-z0-9]+/, '')
    .slice(0, 64);
  return n || 'index';
}

/**
 * The location with the password of a PostgreSQL URL masked.
 * @example displayLocation('postgres://app:secret@db/search') // 'postgres://app:***@db/search'
 */
export function displayLocation(location: string): string {
  if (!isPostgresLocation(location)) return location;
  try {
    const url = new URL(location);
    if (url.password) url.password = '***';
    return url.toString();
  } catch {
    return 'postgres://(unparsable URL)';
  }
}

/** The served indexes, by name. */
export class ServedIndexes {
  private constructor(private readonly entries: Map<string, ServedIndex>) {}

  /** Opens every location (closing those already opened when one fails). */
  static async open(sources: readonly IndexSource[], options: OpenIndexesOptions = {}): Promise<ServedIndexes> {
    if (!Array.isArray(sources) || sources.length === 0)
      throw new TartanError(ErrorCodes.INVALID_ARGUMENT, 'give at least one index to serve, e.g. --index ./papers (a folder or a postgres:// URL)');
    const served = new ServedIndexes(new Map());
    try {
      for (const source of sources) await served.add(source, options);
    } catch (e) {
      await served.close();
      throw e;
    }
    return served;
  }

  /** Names in the order given. */
  names(): string[] {
    return [...this.entries.keys()];
  }

  all(): ServedIndex[] {
    return [...this.entries.values()];
  }

  /** The index called `name`; `name` may be left out when one index is served. */
  get(name: string | undefined): ServedIndex {
    if (name === undefined || name === '') {
      if (this.entries.size === 1) return this.entries.values().next().value!;
      throw new TartanError(ErrorCodes.INVALID_ARGUMENT, `${this.entries.size} indexes are served; pass index, one of: ${this.names().join(', ')}`);
    }
    const entry = this.entries.get(name);
    if (!entry)
      throw new TartanError(ErrorCodes.INDEX_NOT_FOUND, `no index named "${name}"; served indexes: ${this.names().join(', ')} (list_indexes describes them)`);
    return entry;
  }

  /** Runs `fn` after every earlier write to the same index has finished. */
  async write<T>(entry: ServedIndex, fn: (collection: Collection) => Promise<T>): Promise<T> {
    const run = entry.writes.then(() => fn(entry.collection));
    entry.writes = run.catch(() => undefined);
    return run;
  }

  /** Waits for pending writes, then closes the indexes opened here. */
  async close(): Promise<void> {
    const all = this.all();
    this.entries.clear();
    for (const e of all) {
      await e.writes;
      if (e.owned) await e.collection.close();
    }
  }

  private async add(source: IndexSource, options: OpenIndexesOptions): Promise<void> {
    if (typeof source === 'string') {
      const { name, location } = parseIndexSpec(source);
      this.checkName(name);
      const collection = await Collection.open(location, collectionOptions(location, options));
      this.entries.set(name, { name, location: displayLocation(location), collection, owned: true, writes: Promise.resolve() });
      return;
    }
    if (source === null || typeof source !== 'object' || !(source.collection instanceof Collection))
      throw new TartanError(ErrorCodes.INVALID_ARGUMENT, 'an index to serve is a location string or { name, collection } with an opened Collection');
    this.checkName(source.name);
    this.entries.set(source.name, {
      name: source.name,
      location: displayLocation(source.collection.index.location),
      collection: source.collection,
      owned: false,
      writes: Promise.resolve(),
    });
  }

  private checkName(name: unknown): void {
    if (typeof name !== 'string' || !NAME_RE.test(name))
      throw new TartanError(
        ErrorCodes.INVALID_ARGUMENT,
        `invalid index name ${JSON.stringify(name)}: use 1-64 of letters, digits, "_", "." and "-", starting with a letter or digit`,
      );
    if (this.entries.has(name))
      throw new TartanError(ErrorCodes.INDEX_EXISTS, `two indexes are named "${name}"; name one of them with name=location, e.g. --index other=./${name}`);
  }
}

/** Dense stages are kept for folder indexes only, so a PostgreSQL index is opened without the dense model. */
function collectionOptions(location: string, o: OpenIndexesOptions): CollectionOptions {
  return {
    ...(o.denseModel && !isPostgresLocation(location) ? { denseModel: o.denseModel } : {}),
    ...(o.crossEncoderModel ? { crossEncoderModel: o.crossEncoderModel } : {}),
  };
}
