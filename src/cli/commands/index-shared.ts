/**
 * What `tartan index` does the same way for texts and for imported vectors: its options, the checks made
 * before anything is written (folder, model, ids), the settings of a new index, progress on stderr, and
 * removing what a failed run created. No `register` here: the command itself is in index.ts.
 */
import cliProgress from 'cli-progress';
import { existsSync, readdirSync, rmSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { ProgressLines } from '../../core/progress-lines.js';
import { ErrorCodes, TartanError } from '../../core/errors.js';
import type { Index, IndexCreateOptions } from '../../retrieval/index-facade.js';
import { readManifest } from '../../stores/file/manifest.js';
import { isFolderBacked } from '../../stores/capabilities.js';
import { findModelSpec } from '../../models/registry.js';
import { isLocalModelPath } from '../../models/resolve-model.js';
import type { Precision } from '../../models/runtime/onnx-session.js';
import { Collection } from '../../retrieval/collection.js';
import type { IndexRepresentation } from '../../retrieval/poly-index.js';
import { polyCodesOf } from '../../representations/poly.js';

/** The options of `tartan index`, as commander parses them. */
export interface IndexOptions {
  model?: string;
  nbits: string;
  mode?: string;
  rerankVectors?: string;
  poolFactor: string;
  chunkTokens: string;
  chunkOverlap: string;
  centroids?: string;
  flatDtype: string;
  pcaDim?: string;
  representation?: string;
  polyModel?: string;
  denseModel?: string;
  json?: boolean;
  progress: boolean;
  precision?: Precision;
  replace?: boolean;
  segmentTokens: string;
  vectors?: string;
  lengths?: string;
  docs?: string;
}

export function int(name: string, v: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0) throw new TartanError(ErrorCodes.INVALID_ARGUMENT, `--${name} must be a non-negative integer (got ${v})`);
  return n;
}

/** The settings of a new index from the command's options (the model and encoder are the caller's). */
export function createSettings(opts: IndexOptions): IndexCreateOptions {
  return {
    nbits: int('nbits', opts.nbits),
    ...(opts.mode ? { mode: opts.mode as 'plaid' | 'flat' } : {}),
    rerankVectors: opts.rerankVectors as 'f16' | 'none',
    poolFactor: int('pool-factor', opts.poolFactor),
    chunkTokens: int('chunk-tokens', opts.chunkTokens),
    chunkOverlap: int('chunk-overlap', opts.chunkOverlap),
    centroids: opts.centroids ? int('centroids', opts.centroids) : 0,
    flatDtype: opts.flatDtype as 'f16' | 'i8',
    ...(opts.pcaDim !== undefined ? { pcaDim: int('pca-dim', opts.pcaDim) } : {}),
    ...representationOption(opts),
  };
}

/** `--representation` and `--poly-model` as the index option: a code export makes a poly index whose M it gives. */
function representationOption(opts: IndexOptions): { representation?: IndexRepresentation } {
  if (opts.polyModel === undefined) return opts.representation !== undefined ? { representation: opts.representation as IndexRepresentation } : {};
  const codes = opts.representation === undefined ? undefined : polyCodesOf(opts.representation);
  if (opts.representation !== undefined && codes === undefined)
    throw new TartanError(
      ErrorCodes.INVALID_ARGUMENT,
      `--poly-model makes a poly index; --representation must then be poly:<M> or left out, got ${opts.representation}`,
    );
  return { representation: { kind: 'poly', model: opts.polyModel, ...(codes !== undefined ? { codes } : {}) } };
}

/** Refuses a location that is an existing file: an index is a folder. */
export function checkFolder(dir: string): void {
  if (existsSync(dir) && !statSync(dir).isDirectory())
    throw new TartanError(
      ErrorCodes.INVALID_ARGUMENT,
      `${dir} is a file, not a folder; an index is a folder: give a new folder name (e.g. ${dir}-index), or a postgres:// URL`,
    );
}

/** The same model named two ways: ids compare case-insensitively (as the registry does), local folders by absolute path. */
export function sameModel(a: string, b: string): boolean {
  const key = (m: string) => findModelSpec(m)?.id.toLowerCase() ?? (isLocalModelPath(m) ? resolve(m) : m.toLowerCase());
  return a === b || key(a) === key(b);
}

/** Refuses `--model` naming another model than the one the index at `dir` was built with. */
export function checkModel(dir: string, given: string | undefined): void {
  const built = readManifest(dir).settings.model;
  if (given === undefined || built === undefined || sameModel(given, built)) return;
  throw new TartanError(
    ErrorCodes.MODEL_MISMATCH,
    `the index at ${dir} was built with model ${built}, not ${given}; an index holds one model's vectors. ` +
      `Leave out --model to add to it with ${built}, or build a new index with ${given}: tartan index <new-folder> <input...> --model ${given} ` +
      `(or remove this one first: tartan drop ${dir})`,
    { details: { indexModel: built, requestedModel: given } },
  );
}

/** Refuses (E_DUPLICATE_ID) input ids already in the index, before anything is written. */
export async function checkNewIds(index: Index, dir: string, ids: Set<string>): Promise<void> {
  const taken: string[] = [];
  if (isFolderBacked(index.store)) {
    for (const id of index.store.documentIds().ids) if (ids.has(id)) taken.push(id);
  } else {
    const all = [...ids];
    for (let i = 0; i < all.length; i += 500) for (const d of await index.store.get(all.slice(i, i + 500))) taken.push(d.id);
  }
  if (taken.length === 0) return;
  const shown = taken.slice(0, 3).map((id) => JSON.stringify(id));
  throw new TartanError(
    ErrorCodes.DUPLICATE_ID,
    `${taken.length} of the input's ids are already in the index at ${dir} (${shown.join(', ')}${taken.length > 3 ? ', ...' : ''}); nothing was added. ` +
      `Rerun with --replace to replace them (upsert), or delete them first: tartan delete ${dir} ${shown.join(' ')}`,
    { details: { id: taken[0], existing: taken.length } },
  );
}

/**
 * Passes documents through until Ctrl-C or SIGTERM, then fails with E_INTERRUPTED, so an interrupted run
 * goes through the same clean-up as a failed one (lock released, a new index removed, commits reported).
 * A second signal stops the process at once.
 */
export async function* untilInterrupted<T>(docs: AsyncIterable<T> | Iterable<T>): AsyncGenerator<T> {
  let signal: string | undefined;
  const stop = (name: string) => {
    signal = name;
    process.exitCode = 130;
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  try {
    for await (const d of docs) {
      if (signal) throw new TartanError(ErrorCodes.INTERRUPTED, `interrupted (${signal})`);
      yield d;
    }
  } finally {
    process.removeListener('SIGINT', stop);
    process.removeListener('SIGTERM', stop);
  }
}

/** Removes what a failed run created: the whole folder if it did not exist before, else the entries it added. */
export function removeNewIndex(dir: string, before: Set<string> | undefined): void {
  if (!before) {
    rmSync(dir, { recursive: true, force: true, maxRetries: 3 });
    return;
  }
  for (const name of readdirSync(dir)) if (!before.has(name)) rmSync(join(dir, name), { recursive: true, force: true, maxRetries: 3 });
}

/** Progress of an indexing run on stderr. */
export interface IndexingProgress {
  update(documents: number): void;
  stop(): void;
}

/**
 * A redrawn bar on a terminal; elsewhere (CI logs, pipes) a plain line every 5 s and at the end
 * (`indexing: 3,136/5,183 documents (60%), 41 s, 76.5 docs/s`); nothing with --no-progress.
 */
export function indexingProgress(show: boolean, total: number): IndexingProgress {
  const started = performance.now();
  const bar =
    show && process.stderr.isTTY
      ? new cliProgress.SingleBar(
          {
            stream: process.stderr,
            format: 'indexing {bar} {value}/{total} docs | {speed} docs/s | ETA {eta_formatted}',
            hideCursor: true,
            noTTYOutput: true,
            notTTYSchedule: 5000,
          },
          cliProgress.Presets.shades_classic,
        )
      : undefined;
  const lines =
    show && !bar
      ? new ProgressLines(process.stderr, 'indexing', total, {
          unit: 'documents',
          extra: (n, secs) => (secs > 0 ? `${(n / secs).toFixed(1)} docs/s` : undefined),
        })
      : undefined;
  bar?.start(total, 0, { speed: '0' });
  return {
    update(n) {
      const secs = (performance.now() - started) / 1000;
      bar?.update(n, { speed: secs > 0 ? (n / secs).toFixed(1) : '0' });
      lines?.update(n);
    },
    stop() {
      bar?.stop();
      lines?.finish();
    },
  };
}

/**
 * Builds the side indexes of a folder index (BM25 always, dense when asked) so the first pipeline search does not
 * pay for them, then closes the index (also when building fails: the write lock is never left behind).
 */
export async function attachSidesAndClose(index: Index, postgres: boolean, denseModel: string | undefined): Promise<void> {
  if (postgres) return index.close();
  let collection: Collection;
  try {
    collection = await Collection.attach(index, denseModel ? { denseModel } : {});
  } catch (e) {
    await index.close().catch(() => undefined);
    throw e;
  }
  await collection.close();
}
