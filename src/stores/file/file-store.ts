/**
 * The embedded on-disk store: a folder with a manifest and generation-named
 * files. This base class owns the life cycle (create, open, add, delete,
 * compact, info, close); {@link PlaidStore} and {@link FlatStore} add search.
 * Writes take the single-writer lock; searches use the snapshot current when
 * they start and are never blocked.
 */
import { existsSync, mkdirSync, readdirSync, renameSync, rmSync, statSync, unlinkSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { ErrorCodes, TartanError } from '../../core/errors.js';
import type { DocumentInput, SearchHit, StoreInfo, StoreSearchOptions, VectorStore } from '../types.js';
import type { TokenMatrix, TokenMatrixBatch } from '../../core/tensors.js';
import type { IndexSettings, Manifest } from './manifest.js';
import { FORMAT_NAME, FORMAT_VERSION, MANIFEST_NAME, isIndexWriterFile, manifestStamp, readManifest, referencedFiles, writeManifest } from './manifest.js';
import { LOCK_NAME, LOCK_TEMP_PREFIX, WriteLock } from './lock.js';
import { Snapshot, type LoadedSegment } from './snapshot.js';
import { prepareAdd } from './update.js';
import { prepareUpsert } from './upsert.js';
import { prepareDelete } from './delete.js';
import { prepareCompact } from './compact.js';
import { MAX_DIM, checkCreateSettings, checkSearchOptions, describe } from './options-check.js';
import { validateQuery } from '../../scoring/validate.js';
import type { CheckReport } from './check.js';
import { checkIndex } from './check.js';
import { forgetVerified } from './verify.js';
import { storedDim } from '../../plaid/projection.js';
import { allowedDocuments, describeDocument, firstPassage, storedQuery } from './snapshot-reads.js';
import { manifestInfo } from './manifest-info.js';
import { DEFAULT_SETTINGS } from './settings.js';
import type { ScoredVectors } from '../capabilities.js';

export { DEFAULT_SETTINGS };

/** Creation options; everything but `dim` has a default. */
export type CreateStoreOptions = Partial<IndexSettings> & { dim: number };

/**
 * Removes an index folder. It is first renamed aside (atomic), so other processes see the index either
 * whole or gone, never half-removed; where renaming is impossible (a mount point) it is removed in place.
 */
function removeIndexFolder(dir: string): void {
  const aside = `${resolve(dir)}.tartan-drop-${process.pid}-${Date.now()}`;
  let target = dir;
  try {
    renameSync(dir, aside);
    target = aside;
  } catch {
    /* remove in place */
  }
  rmSync(target, { recursive: true, force: true, maxRetries: 3 });
}

/** A scored passage before it becomes a hit. */
export interface ScoredDoc {
  doc: number;
  raw: number;
  normalized: number;
}

export abstract class FileStore implements VectorStore {
  protected snap: Snapshot;
  private lock?: WriteLock;
  /** Writes of this object run one at a time: each starts from the snapshot the previous one published. */
  private writes: Promise<unknown> = Promise.resolve();
  private closed = false;

  protected constructor(
    readonly dir: string,
    snap: Snapshot,
  ) {
    this.snap = snap;
  }

  /** The dimension of the vectors and queries the index takes (what the model gives; stored rows may be reduced to settings.pcaDim). */
  get dim(): number {
    return this.snap.manifest.settings.dim;
  }
  get settings(): IndexSettings {
    return this.snap.manifest.settings;
  }
  get manifest(): Manifest {
    return this.snap.manifest;
  }

  /** Writes a new empty index folder (fails with INDEX_EXISTS if one is there). */
  protected static initFolder(dir: string, options: CreateStoreOptions): void {
    if (options === null || typeof options !== 'object')
      throw new TartanError(
        ErrorCodes.INVALID_ARGUMENT,
        `store options must be an object like { dim: 128 }, got ${options === null ? 'null' : typeof options}`,
      );
    if (existsSync(dir) && !statSync(dir).isDirectory())
      throw new TartanError(
        ErrorCodes.INVALID_ARGUMENT,
        `${dir} is a file, not a folder; an index is a folder: give a new folder name (e.g. ${dir}-index), or a postgres:// URL`,
      );
    if (existsSync(join(dir, MANIFEST_NAME)))
      throw new TartanError(ErrorCodes.INDEX_EXISTS, `an index already exists at ${dir}; open it to add documents, or choose another folder`);
    // An explicit undefined (a forwarded optional flag) means "default", not "write no value to the manifest".
    const given = Object.fromEntries(Object.entries(options).filter(([, v]) => v !== undefined)) as Partial<IndexSettings>;
    const settings = { ...DEFAULT_SETTINGS, ...given } as IndexSettings;
    if (!Number.isInteger(settings.dim) || settings.dim <= 0 || settings.dim > MAX_DIM)
      throw new TartanError(ErrorCodes.INVALID_ARGUMENT, `dim must be an integer from 1 to ${MAX_DIM} (got ${describe(settings.dim)})`);
    // Every setting is checked before anything is written: the manifest loader refuses what this would let through.
    checkCreateSettings(settings);
    mkdirSync(dir, { recursive: true });
    const m: Manifest = {
      format: FORMAT_NAME,
      version: FORMAT_VERSION,
      generation: 0,
      updatedAt: '',
      settings,
      segments: [],
      nextSegmentId: 1,
      nextDocBase: 0,
      deleted: 0,
    };
    writeManifest(dir, m);
  }

  /**
   * Loads a snapshot. A writer in another process may publish a new manifest
   * and remove files of the one just read before they are opened: that shows
   * as a missing file while the manifest changed, and is retried. A damaged
   * file under an unchanged manifest is reported at once.
   */
  protected static loadSnapshot(dir: string, previous?: Snapshot): Snapshot {
    for (let attempt = 0; ; attempt++) {
      const stamp = manifestStamp(dir);
      const manifest = readManifest(dir);
      try {
        return new Snapshot(dir, manifest, previous, stamp);
      } catch (e) {
        if (attempt < 5 && e instanceof TartanError && e.code === ErrorCodes.INDEX_CORRUPT && manifestStamp(dir) !== stamp) continue;
        throw e;
      }
    }
  }

  /** Reloads when another process wrote a newer manifest. */
  protected current(): Snapshot {
    // A closed store's files are closed: reading them would fail with a misleading I/O error.
    if (this.closed) throw new TartanError(ErrorCodes.INVALID_ARGUMENT, `the index at ${this.dir} was closed; open it again to use it`);
    if (!this.lock && manifestStamp(this.dir) !== this.snap.stamp) {
      try {
        this.swap(FileStore.loadSnapshot(this.dir, this.snap));
      } catch {
        /* keep serving the verified snapshot we have; `check` reports what is wrong */
      }
    }
    return this.snap;
  }

  private swap(next: Snapshot): void {
    const old = this.snap;
    this.snap = next;
    old.retire();
  }

  private writer(): void {
    if (this.closed) throw new TartanError(ErrorCodes.INVALID_ARGUMENT, `the index at ${this.dir} was closed; open it again to write to it`);
    if (!this.lock) {
      this.lock = WriteLock.acquire(this.dir);
      this.swap(FileStore.loadSnapshot(this.dir, this.snap));
      this.removeUnreferenced();
    }
  }

  /**
   * Publishes a prepared manifest: written last, then the new snapshot replaces the old one and stale files go.
   * The lock and the manifest on disk are checked first, so a writer whose lock was broken never overwrites another's work.
   */
  private publish(m: Manifest): void {
    this.lock!.assertHeld();
    if (manifestStamp(this.dir) !== this.snap.stamp) {
      throw new TartanError(
        ErrorCodes.INDEX_LOCKED,
        `the index at ${this.dir} was changed by another writer while this one held the lock; the write was not applied, reopen the index and retry`,
      );
    }
    writeManifest(this.dir, m);
    this.swap(new Snapshot(this.dir, m, this.snap));
    this.removeUnreferenced();
  }

  /** Runs `fn` after the writes already queued on this object (failed ones included). */
  private serial<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.writes.then(fn, fn);
    this.writes = run.catch(() => undefined);
    return run;
  }

  /**
   * Deletes files no manifest references (older generations, temp files of a crashed write).
   * Open snapshots keep their descriptors, so searches in flight still read them.
   */
  private removeUnreferenced(): void {
    const keep = referencedFiles(this.snap.manifest);
    keep.add(LOCK_NAME);
    for (const name of readdirSync(this.dir)) {
      const isOurs = isIndexWriterFile(name) || this.isOldLockTemp(name);
      if (isOurs && !keep.has(name)) {
        try {
          unlinkSync(join(this.dir, name));
        } catch {
          /* removed by someone else */
        }
        forgetVerified(join(this.dir, name));
      }
    }
  }

  /** A private file of a lock attempt that crashed (they live microseconds; an old one is left over). */
  private isOldLockTemp(name: string): boolean {
    if (!name.startsWith(LOCK_TEMP_PREFIX)) return false;
    try {
      return Date.now() - statSync(join(this.dir, name)).mtimeMs > 60_000;
    } catch {
      return false;
    }
  }

  /**
   * Runs one write under the lock. A write that fails gives the lock back at once (the next write takes it
   * again and reloads), so an error never leaves the index locked while this object lingers unclosed.
   */
  private write<T>(fn: () => Promise<T> | T): Promise<T> {
    return this.serial(async () => {
      try {
        this.writer();
        return await fn();
      } catch (e) {
        this.lock?.release();
        this.lock = undefined;
        throw e;
      }
    });
  }

  async add(docs: readonly DocumentInput[], vectors: TokenMatrixBatch): Promise<void> {
    if (docs.length === 0) return;
    return this.write(async () => this.publish(await prepareAdd(this.dir, this.snap, docs, vectors)));
  }

  /** Adds documents, replacing those whose id is already in the index (upsert, one atomic write); returns how many were replaced. */
  async upsert(docs: readonly DocumentInput[], vectors: TokenMatrixBatch): Promise<number> {
    if (docs.length === 0) return 0;
    return this.write(async () => {
      const { manifest, replaced } = await prepareUpsert(this.dir, this.snap, docs, vectors);
      this.publish(manifest);
      return replaced;
    });
  }

  async delete(ids: readonly string[]): Promise<number> {
    return this.write(() => {
      const { manifest, removed } = prepareDelete(this.dir, this.snap, ids);
      if (manifest) this.publish(manifest);
      return removed;
    });
  }

  /** Rewrites the live documents into one segment and drops tombstones (no re-clustering). */
  async compact(): Promise<void> {
    return this.write(() => this.publish(prepareCompact(this.dir, this.snap)));
  }

  /**
   * Removes the index folder with everything in it (side indexes such as bm25/ and dense/ included) and
   * closes the store. Takes the write lock first, so a writer in another process is refused, not raced;
   * refuses (INDEX_NOT_FOUND) a folder without a manifest, which is not a tartan index.
   */
  async drop(): Promise<void> {
    return this.serial(async () => {
      this.writer();
      this.lock!.assertHeld();
      if (!existsSync(join(this.dir, MANIFEST_NAME)))
        throw new TartanError(ErrorCodes.INDEX_NOT_FOUND, `no index at ${this.dir} (missing ${MANIFEST_NAME}); nothing was removed`);
      const lock = this.lock!;
      this.closed = true;
      this.lock = undefined;
      this.snap.retire();
      try {
        removeIndexFolder(this.dir);
      } catch (e) {
        lock.release(); // what is left is no longer written by this store; do not leave it locked
        throw e;
      }
    });
  }

  /** Verifies the index on disk (checksums, counts, tables against each other); see {@link checkIndex}. */
  check(): Promise<CheckReport> {
    return checkIndex(this.dir);
  }

  async get(ids: readonly string[]): Promise<DocumentInput[]> {
    const snap = this.current().acquire();
    try {
      const out: DocumentInput[] = [];
      for (const id of ids) {
        const d = snap.idToDoc.get(id);
        if (d === undefined) continue;
        out.push(describeDocument(snap, d));
      }
      return out;
    } finally {
      snap.release();
    }
  }

  /** External ids of the live documents, in insertion order, and the manifest generation they belong to. */
  documentIds(): { ids: string[]; generation: number } {
    const snap = this.current().acquire();
    try {
      return { ids: [...snap.idToDoc.keys()], generation: snap.manifest.generation };
    } finally {
      snap.release();
    }
  }

  /** Store-specific scoring: best passage per document, any order. */
  protected abstract score(snap: Snapshot, query: TokenMatrix, options: StoreSearchOptions, allowed: Uint8Array): Promise<ScoredDoc[]> | ScoredDoc[];

  async search(query: TokenMatrix, options: StoreSearchOptions = {}): Promise<SearchHit[]> {
    // Checked here, not only in the Index facade: a non-number nprobe reaching the native kernels aborts the process.
    checkSearchOptions(options);
    const opts: StoreSearchOptions = options ?? {};
    if (query === null || typeof query !== 'object')
      throw new TartanError(
        ErrorCodes.INVALID_ARGUMENT,
        `the query must be a TokenMatrix ({ data, rows, dim }), got ${query === null ? 'null' : typeof query}`,
      );
    if (query.dim !== this.dim)
      throw new TartanError(
        ErrorCodes.DIMENSION_MISMATCH,
        `query has dim ${describe(query.dim)} but the index stores dim ${this.dim}; encode the query with the index's model`,
      );
    if (!Number.isInteger(query.rows) || query.rows < 0)
      throw new TartanError(ErrorCodes.INVALID_ARGUMENT, `the query must have a non-negative integer number of rows, got ${describe(query.rows)}`);
    if (query.rows !== 0) validateQuery(query);
    const k = opts.k ?? 10;
    const snap = this.current().acquire();
    try {
      if (k === 0 || query.rows === 0) return [];
      const allowed = allowedDocuments(snap, opts);
      // Probing more centroids than exist finds nothing more, and the probe table is rows x nprobe.
      const nprobe = Math.min(opts.nprobe ?? snap.manifest.settings.nprobe, Math.max(1, snap.codebook?.k ?? 1));
      const scored = await this.score(snap, storedQuery(snap, query), { ...opts, nprobe }, allowed);
      scored.sort((a, b) => b.raw - a.raw || a.doc - b.doc);
      return scored.slice(0, k).map((s, i) => ({ ...describeDocument(snap, s.doc), rank: i + 1, score: s.raw, normalizedScore: s.normalized }));
    } finally {
      snap.release();
    }
  }

  /**
   * The vectors behind this store's final scores ({@link Explainable}): the query in the stored
   * dimension as {@link scoringQuery} gives it, and each live document's passages as {@link passageVectors} reads them.
   */
  async scoredVectors(query: TokenMatrix, ids: readonly string[]): Promise<ScoredVectors> {
    const snap = this.current().acquire();
    try {
      const dim = storedDim(snap.manifest.settings);
      const documents = new Map<string, TokenMatrix[]>();
      for (const id of ids) {
        const d = snap.idToDoc.get(id);
        if (d === undefined) continue;
        const { seg, local } = snap.locate(d)!;
        const passages: TokenMatrix[] = [];
        // A document's passages are contiguous and in document order (check.ts verifies it).
        for (let p = firstPassage(seg.passageDoc, local); p < seg.passageDoc.length && seg.passageDoc[p] === local; p++) {
          passages.push({ data: this.passageVectors(snap, seg, p), rows: seg.tokenOffsets[p + 1] - seg.tokenOffsets[p], dim });
        }
        documents.set(id, passages);
      }
      return { query: this.scoringQuery(storedQuery(snap, query)), documents };
    } finally {
      snap.release();
    }
  }

  /** Passage `p`'s token vectors as the final scoring stage reads them, as float32 in the stored dimension. */
  protected abstract passageVectors(snap: Snapshot, seg: LoadedSegment, p: number): Float32Array;

  /** The query (already in the stored dimension) as the scoring kernel sees it; the query itself unless a store rounds it. */
  protected scoringQuery(query: TokenMatrix): TokenMatrix {
    return query;
  }

  async info(): Promise<StoreInfo> {
    return manifestInfo(this.closed ? this.snap.manifest : this.current().manifest);
  }

  async close(): Promise<void> {
    await this.writes;
    this.closed = true;
    this.lock?.release();
    this.lock = undefined;
    this.snap.retire();
  }
}
