/**
 * Named indexes served by one process. Names are the only thing clients use
 * to address an index: they are validated against a strict pattern (no
 * slashes, dots or traversal), and created indexes always live directly under
 * the data dir. Writes to one index are serialised; searches run freely.
 */
import { existsSync, lstatSync, readdirSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { ErrorCodes, TartanError } from '../core/errors.js';
import type { CreateIndexOptions, ServedIndex, ServerBackend } from './backend.js';
import { isPostgresLocation } from '../stores/open.js';

/** Valid index names: lowercase letters, digits, `_` and `-`, 1-64 chars, starting with a letter or digit. */
export const INDEX_NAME_PATTERN = '^[a-z0-9][a-z0-9_-]{0,63}$';
const NAME_RE = new RegExp(INDEX_NAME_PATTERN);

/** Throws unless `name` is a valid index name. */
export function validateIndexName(name: string): string {
  if (!NAME_RE.test(name)) {
    throw new TartanError(
      ErrorCodes.INVALID_ARGUMENT,
      `invalid index name ${JSON.stringify(name.slice(0, 80))}: use 1-64 of a-z, 0-9, "_" and "-", starting with a letter or digit`,
    );
  }
  return name;
}

/** Entry of the registry. `owned` indexes were created under the data dir and may be deleted. */
interface Entry {
  name: string;
  location: string;
  index: ServedIndex;
  owned: boolean;
  writes: Promise<unknown>;
}

/**
 * Splits an `--index` argument: `name=location` or a bare location (the name
 * is derived from its last path segment, or `pg` for a PostgreSQL URL).
 */
export function parseIndexArg(arg: string): { name: string; location: string } {
  const eq = arg.indexOf('=');
  if (eq > 0 && !/^[a-z]+:\/\//i.test(arg.slice(0, eq))) {
    return { name: validateIndexName(arg.slice(0, eq)), location: arg.slice(eq + 1) };
  }
  if (isPostgresLocation(arg)) {
    const table = new URL(arg).searchParams.get('table') ?? 'pg';
    return { name: validateIndexName(derivedName(table)), location: arg };
  }
  return { name: validateIndexName(derivedName(basename(resolve(arg)))), location: arg };
}

function derivedName(raw: string): string {
  const n = raw
    .toLowerCase()
    .replace(/[^a-z0-9_-]+/g, '-')
    .replace(/^[^a-z0-9]+/, '')
    .slice(0, 64);
  return n || 'index';
}

export class IndexRegistry {
  private readonly entries = new Map<string, Entry>();

  constructor(
    private readonly backend: ServerBackend,
    private readonly dataDir: string | undefined,
  ) {}

  /** Opens an existing index under `name` (from `--index`). */
  async open(name: string, location: string): Promise<void> {
    validateIndexName(name);
    if (this.entries.has(name)) throw new TartanError(ErrorCodes.INDEX_EXISTS, `two indexes are named "${name}"; give one another name with name=location`);
    const index = await this.backend.openIndex(location);
    this.entries.set(name, { name, location, index, owned: false, writes: Promise.resolve() });
  }

  /** Opens every index directory found under the data dir (indexes created by an earlier run). */
  async openDataDir(onError: (name: string, err: unknown) => void): Promise<void> {
    if (!this.dataDir || !existsSync(this.dataDir)) return;
    for (const name of readdirSync(this.dataDir).sort()) {
      const location = join(this.dataDir, name);
      // lstat: a symbolic link in the data dir is not an index created here (deleting it over HTTP would reach elsewhere).
      if (!NAME_RE.test(name) || this.entries.has(name) || !lstatSync(location).isDirectory()) continue;
      try {
        const index = await this.backend.openIndex(location);
        this.entries.set(name, { name, location, index, owned: true, writes: Promise.resolve() });
      } catch (err) {
        onError(name, err);
      }
    }
  }

  /** Creates a new index under the data dir. */
  async create(name: string, options: CreateIndexOptions): Promise<ServedIndex> {
    validateIndexName(name);
    if (!this.dataDir) throw new TartanError(ErrorCodes.INVALID_ARGUMENT, 'this server cannot create indexes: start it with --data-dir <dir>');
    if (this.entries.has(name)) throw new TartanError(ErrorCodes.INDEX_EXISTS, `an index named "${name}" exists; pick another name or delete it first`);
    const location = join(this.dataDir, name);
    if (existsSync(location)) throw new TartanError(ErrorCodes.INDEX_EXISTS, `${location} already exists; pick another name or remove the directory`);
    const index = await this.backend.createIndex(location, options);
    this.entries.set(name, { name, location, index, owned: true, writes: Promise.resolve() });
    return index;
  }

  /** The index called `name`, or E_INDEX_NOT_FOUND. */
  get(name: string): ServedIndex {
    return this.entry(name).index;
  }

  /** Names in sorted order. */
  names(): string[] {
    return [...this.entries.keys()].sort();
  }

  /** Whether the index was created here (and may be deleted over HTTP). */
  isOwned(name: string): boolean {
    return this.entry(name).owned;
  }

  /** Runs `fn` after every earlier write to the same index has finished. */
  async write<T>(name: string, fn: (index: ServedIndex) => Promise<T>): Promise<T> {
    const entry = this.entry(name);
    const run = entry.writes.then(() => fn(entry.index));
    entry.writes = run.catch(() => undefined);
    return run;
  }

  /** Closes and removes an index created under the data dir. */
  async remove(name: string): Promise<void> {
    const entry = this.entry(name);
    if (!entry.owned) {
      throw new TartanError(ErrorCodes.INVALID_ARGUMENT, `index "${name}" was opened with --index and is not deleted over HTTP; remove it with the CLI`);
    }
    await entry.writes;
    this.entries.delete(name);
    await entry.index.close();
    await this.backend.destroyIndex(entry.location);
  }

  async closeAll(): Promise<void> {
    const all = [...this.entries.values()];
    this.entries.clear();
    for (const e of all) {
      await e.writes;
      await e.index.close();
    }
  }

  private entry(name: string): Entry {
    validateIndexName(name);
    const e = this.entries.get(name);
    if (!e) throw new TartanError(ErrorCodes.INDEX_NOT_FOUND, `no index named "${name}"; GET /api/indexes lists them, POST /api/indexes creates one`);
    return e;
  }
}
