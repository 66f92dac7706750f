/**
 * `tartan index <dir> <input...>`: creates (or extends) an index from .jsonl/.txt/.md inputs, with a progress bar.
 * Every input is read and checked before anything is written. A run that creates an index is all-or-nothing: on
 * an error the half-made index is removed. A run that adds to an index says what was committed and how to resume.
 */
import type { Command } from 'commander';
import cliProgress from 'cli-progress';
import { existsSync, readdirSync, rmSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { printJson } from '../output.js';
import { ProgressLines } from '../../core/progress-lines.js';
import { ErrorCodes, TartanError, isTartanError } from '../../core/errors.js';
import { Index } from '../../retrieval/index-facade.js';
import { isPostgresLocation } from '../../stores/open.js';
import { MANIFEST_NAME, readManifest } from '../../stores/file/manifest.js';
import { isFolderBacked } from '../../stores/capabilities.js';
import { findModelSpec } from '../../models/registry.js';
import { isLocalModelPath } from '../../models/resolve-model.js';
import { expandInputs, readDocuments, scanInputs, type InputPosition, type InputScan } from '../input-files.js';
import { Collection } from '../../retrieval/collection.js';
import type { Precision } from '../../models/runtime/onnx-session.js';
import { parsePrecision, PRECISION_FLAG, PRECISION_HELP } from '../precision-option.js';

interface IndexOptions {
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
  denseModel?: string;
  json?: boolean;
  progress: boolean;
  precision?: Precision;
  replace?: boolean;
  segmentTokens: string;
}

function int(name: string, v: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0) throw new TartanError(ErrorCodes.INVALID_ARGUMENT, `--${name} must be a non-negative integer (got ${v})`);
  return n;
}

/** Reads and checks every input; a problem fails the run before anything is written, and the message says so. */
function checkInputs(inputs: string[]): InputScan {
  try {
    return scanInputs(expandInputs(inputs));
  } catch (e) {
    if (!isTartanError(e)) throw e;
    throw new TartanError(
      e.code,
      `${e.message}\nnothing was indexed (every input is checked before anything is written); fix it and run the same command again`,
      {
        cause: e,
        ...(e.details ? { details: e.details } : {}),
      },
    );
  }
}

/** Refuses a location that is an existing file: an index is a folder. */
function checkFolder(dir: string): void {
  if (existsSync(dir) && !statSync(dir).isDirectory())
    throw new TartanError(
      ErrorCodes.INVALID_ARGUMENT,
      `${dir} is a file, not a folder; an index is a folder: give a new folder name (e.g. ${dir}-index), or a postgres:// URL`,
    );
}

/** The same model named two ways: ids compare case-insensitively (as the registry does), local folders by absolute path. */
function sameModel(a: string, b: string): boolean {
  const key = (m: string) => findModelSpec(m)?.id.toLowerCase() ?? (isLocalModelPath(m) ? resolve(m) : m.toLowerCase());
  return a === b || key(a) === key(b);
}

/** Refuses `--model` naming another model than the one the index at `dir` was built with. */
function checkModel(dir: string, given: string | undefined): void {
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
async function checkNewIds(index: Index, dir: string, ids: Set<string>): Promise<void> {
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
async function* untilInterrupted<T>(docs: AsyncIterable<T>): AsyncGenerator<T> {
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

function describePosition(at: InputPosition): string {
  return at.line === undefined ? at.path : `${at.path}:${at.line}`;
}

/**
 * The error of a failed add, restated with what it left behind: for a new index (removed) nothing; for an
 * existing one, how many documents were committed, up to which input, and how to resume.
 */
function failure(e: unknown, dir: string, removed: boolean, committed: number, through: InputPosition | undefined, inputs: string[]): TartanError {
  const code = isTartanError(e) ? e.code : ErrorCodes.INTERNAL;
  const message = e instanceof Error ? e.message : String(e);
  const details = { ...(isTartanError(e) ? e.details : {}), committed, ...(through ? { committedThrough: describePosition(through) } : {}) };
  const fix = code === ErrorCodes.INTERRUPTED ? '' : 'fix the cause and ';
  let after: string;
  if (removed) after = `nothing was indexed: the new index at ${dir} was removed; ${fix}run the same command again`;
  else if (committed === 0 || !through) after = `nothing was added to ${dir}; ${fix}run the same command again`;
  else {
    const more = inputs.indexOf(through.path) < inputs.length - 1 ? ' (then the inputs after it)' : '';
    const rest = through.line !== undefined ? `, or index only what follows: tail -n +${through.line + 1} ${through.path} > rest.jsonl${more}` : '';
    after =
      `${committed} documents of this run were committed to ${dir}, up to ${describePosition(through)}; nothing after it was added. ` +
      `To resume, ${fix}run the same command with --replace (the committed documents are replaced, the rest added)${rest}`;
  }
  return new TartanError(code, `${message}\n${after}`, { cause: e, details });
}

/** Removes what a failed run created: the whole folder if it did not exist before, else the entries it added. */
function removeNewIndex(dir: string, before: Set<string> | undefined): void {
  if (!before) {
    rmSync(dir, { recursive: true, force: true, maxRetries: 3 });
    return;
  }
  for (const name of readdirSync(dir)) if (!before.has(name)) rmSync(join(dir, name), { recursive: true, force: true, maxRetries: 3 });
}

/** Progress lines for a stderr that is not a terminal: `indexing: 3,136/5,183 documents (60%), 41 s, 76.5 docs/s`. */
function indexingLines(total: number): ProgressLines {
  return new ProgressLines(process.stderr, 'indexing', total, {
    unit: 'documents',
    extra: (n, secs) => (secs > 0 ? `${(n / secs).toFixed(1)} docs/s` : undefined),
  });
}

export function register(program: Command): void {
  program
    .command('index')
    .description(
      'index documents into a folder (created if missing) or a postgres:// URL; inputs: .jsonl (id, text, title, metadata), .txt/.md files or folders',
    )
    .argument('<dir>', 'index folder or postgres:// URL')
    .argument('<input...>', 'input files or folders')
    .option('--model <id|path>', 'ColBERT model id, local folder, or "lexical" (new index only; an existing index keeps its model)')
    .option('--replace', 'replace documents whose id is already in the index (upsert) instead of refusing them')
    .option('--nbits <n>', 'residual bits per dimension: 1, 2, 4 or 8 (plaid)', '2')
    .option('--mode <mode>', "plaid (compressed) or flat (exact); default: the model's own (flat for lexical, plaid otherwise)")
    .option(
      '--rerank-vectors <kind>',
      'plaid: f16 keeps the original vectors on disk and ranks the final candidates with them (full fidelity), none ranks with the decompressed codes (smaller)',
      'f16',
    )
    .option('--segment-tokens <n>', 'tokens encoded before they are written (committed) as one segment; smaller uses less memory', '500000')
    .option('--pool-factor <n>', 'token pooling factor 1-4 (1 = none)', '1')
    .option('--chunk-tokens <n>', 'split documents longer than this many tokens (0 = never)', '0')
    .option('--chunk-overlap <n>', 'tokens shared by consecutive chunks', '0')
    .option('--centroids <n>', 'number of centroids (default: from the token count)')
    .option('--flat-dtype <t>', 'flat mode storage: f16 or i8', 'f16')
    .option(
      '--pca-dim <n>',
      "store n values per token instead of the model's dim: a PCA projection learned from the first documents, applied to queries too (e.g. 64 or 32 for dim 128; 0 = off; new index only)",
    )
    .option('--dense-model <id|path>', 'also keep dense vectors from this model, for the dense and hybrid pipelines (file indexes)')
    .option(PRECISION_FLAG, PRECISION_HELP, parsePrecision)
    .option('--no-progress', 'no progress on stderr (a bar on a terminal, else a line every 5 s)')
    .option('--json', 'print a JSON summary')
    .action(async (dir: string, inputs: string[], opts: IndexOptions) => {
      const postgres = isPostgresLocation(dir);
      if (opts.denseModel && postgres) {
        throw new TartanError(
          ErrorCodes.INVALID_ARGUMENT,
          '--dense-model keeps dense vectors beside file indexes only; index into a folder to use the dense and hybrid pipelines',
        );
      }
      if (!postgres) checkFolder(dir);
      // Every input is read and checked first: a bad record fails the run before anything is written.
      const scan = checkInputs(inputs);
      for (const s of scan.skipped) process.stderr.write(`tartan: warning: skipped ${s.reason}\n`);
      if (scan.documents === 0 && scan.skipped.length > 0)
        throw new TartanError(ErrorCodes.INPUT_FORMAT, `nothing to index: all ${scan.skipped.length} inputs were skipped (see the warnings above)`);
      const exists = !postgres && existsSync(join(dir, MANIFEST_NAME));
      if (exists) checkModel(dir, opts.model);
      const before = !postgres && existsSync(dir) ? new Set(readdirSync(dir)) : undefined;
      const index = exists
        ? await Index.open(dir, opts.precision ? { precision: opts.precision } : {})
        : await Index.create(dir, {
            ...(opts.precision ? { precision: opts.precision } : {}),
            model: opts.model,
            nbits: int('nbits', opts.nbits),
            ...(opts.mode ? { mode: opts.mode as 'plaid' | 'flat' } : {}),
            rerankVectors: opts.rerankVectors as 'f16' | 'none',
            poolFactor: int('pool-factor', opts.poolFactor),
            chunkTokens: int('chunk-tokens', opts.chunkTokens),
            chunkOverlap: int('chunk-overlap', opts.chunkOverlap),
            centroids: opts.centroids ? int('centroids', opts.centroids) : 0,
            flatDtype: opts.flatDtype as 'f16' | 'i8',
            ...(opts.pcaDim !== undefined ? { pcaDim: int('pca-dim', opts.pcaDim) } : {}),
          });
      if (!opts.replace && (exists || postgres))
        await checkNewIds(index, dir, scan.ids).catch(async (e: unknown) => {
          await index.close();
          throw e;
        });
      // A new folder index is removed on failure (all-or-nothing); PostgreSQL collections are kept and reported like existing ones.
      const isNew = !exists && !postgres;
      // A redrawn bar on a terminal; elsewhere (CI logs, pipes) a plain line every 5 s and at the end.
      const bar =
        opts.progress && process.stderr.isTTY
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
      const lines = opts.progress && !bar ? indexingLines(scan.documents) : undefined;
      const started = performance.now();
      let done = 0;
      // Where each read document came from, until it is committed: a failure says how far the commits got.
      const positions: InputPosition[] = [];
      let dropped = 0;
      let committed = 0;
      let through: InputPosition | undefined;
      let closed = false;
      let info;
      try {
        bar?.start(scan.documents, 0, { speed: '0' });
        try {
          await index.add(untilInterrupted(readDocuments(scan.files, (at) => positions.push(at))), {
            replace: opts.replace === true,
            segmentTokens: Math.max(1, int('segment-tokens', opts.segmentTokens)),
            onProgress: (n) => {
              done = n;
              const secs = (performance.now() - started) / 1000;
              bar?.update(n, { speed: secs > 0 ? (n / secs).toFixed(1) : '0' });
              lines?.update(n);
            },
            onCommit: (n) => {
              committed = n;
              through = positions[n - 1 - dropped];
              positions.splice(0, n - dropped);
              dropped = n;
            },
          });
        } finally {
          bar?.stop();
          lines?.finish();
        }
        info = await index.info();
        // Side indexes (BM25 always, dense when asked) are built now so the first pipeline search does not pay for them.
        if (!postgres) {
          const collection = await Collection.attach(index, opts.denseModel ? { denseModel: opts.denseModel } : {});
          closed = true;
          await collection.close();
        } else {
          closed = true;
          await index.close();
        }
      } catch (e) {
        // Closing releases the write lock: an ordinary error never leaves write.lock behind.
        if (!closed) await index.close().catch(() => undefined);
        if (isNew) removeNewIndex(dir, before);
        throw failure(
          e,
          dir,
          isNew,
          committed,
          through,
          scan.files.map((f) => f.path),
        );
      }
      const seconds = (performance.now() - started) / 1000;
      const summary = {
        index: dir,
        added: done,
        ...(scan.skipped.length ? { skipped: scan.skipped } : {}),
        seconds: Number(seconds.toFixed(2)),
        docsPerSecond: Number((done / Math.max(seconds, 1e-9)).toFixed(1)),
        info,
      };
      if (opts.json) printJson(summary);
      else
        console.log(
          `indexed ${done} documents into ${dir} in ${summary.seconds}s (${summary.docsPerSecond} docs/s); ${info.documents} documents, ${info.tokens} tokens, ${info.bytesPerToken.toFixed(1)} bytes/token`,
        );
    });
}
