/**
 * `tartan index <dir> <input...>`: creates (or extends) an index from .jsonl/.txt/.md inputs, with a progress bar;
 * `tartan index <dir> --vectors <file>` imports token vectors encoded elsewhere instead (index-vectors.ts).
 * Every input is read and checked before anything is written. A run that creates an index is all-or-nothing: on
 * an error the half-made index is removed. A run that adds to an index says what was committed and how to resume.
 */
import type { Command } from 'commander';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { printJson } from '../output.js';
import { ErrorCodes, TartanError, isTartanError } from '../../core/errors.js';
import { Index } from '../../retrieval/index-facade.js';
import { isPostgresLocation } from '../../stores/open.js';
import { MANIFEST_NAME } from '../../stores/file/manifest.js';
import { expandInputs, readDocuments, scanInputs, type InputPosition, type InputScan } from '../input-files.js';
import { parsePrecision, PRECISION_FLAG, PRECISION_HELP } from '../precision-option.js';
import {
  attachSidesAndClose,
  checkFolder,
  checkModel,
  checkNewIds,
  createSettings,
  indexingProgress,
  int,
  removeNewIndex,
  untilInterrupted,
  type IndexOptions,
} from './index-shared.js';
import { indexVectors } from './index-vectors.js';

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

export function register(program: Command): void {
  program
    .command('index')
    .description(
      'index documents into a folder (created if missing) or a postgres:// URL; inputs: .jsonl (id, text, title, metadata), .txt/.md files or folders',
    )
    .argument('<dir>', 'index folder or postgres:// URL')
    .argument('[input...]', 'input files or folders (none with --vectors)')
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
      '--representation <r>',
      'what the index stores per document: colbert (a vector per token, the default) or poly:<M> (M poly-encoder codes, 1-64, learned from the first documents; flat mode unless --mode; new folder index only)',
    )
    .option(
      '--poly-model <onnx>',
      "a trained poly-encoder's code export (inputs token_embeddings, attention_mask; output codes [batch, M, dim]): a poly index whose codes it computes, M from the export; copied into the index",
    )
    .option(
      '--pca-dim <n>',
      "store n values per token instead of the model's dim: a PCA projection learned from the first documents, applied to queries too (e.g. 64 or 32 for dim 128; 0 = off; new index only)",
    )
    .option('--dense-model <id|path>', 'also keep dense vectors from this model, for the dense and hybrid pipelines (file indexes)')
    .option(PRECISION_FLAG, PRECISION_HELP, parsePrecision)
    .option('--no-progress', 'no progress on stderr (a bar on a terminal, else a line every 5 s)')
    .option('--json', 'print a JSON summary')
    .option(
      '--vectors <file>',
      'import token vectors encoded elsewhere instead of texts: a .npz (one array per document, or vectors + lengths), a flat .npy, or a tartan vectors file',
    )
    .option('--lengths <file.npy>', 'with a flat .npy --vectors: the token count of each document, in row order')
    .option('--docs <file.jsonl>', 'with --vectors: one {"id", "text"?, "metadata"?} line per document, in the order of the vectors')
    .action(async (dir: string, inputs: string[], opts: IndexOptions) => {
      const postgres = isPostgresLocation(dir);
      if (opts.denseModel && postgres) {
        throw new TartanError(
          ErrorCodes.INVALID_ARGUMENT,
          '--dense-model keeps dense vectors beside file indexes only; index into a folder to use the dense and hybrid pipelines',
        );
      }
      if (opts.vectors !== undefined) return indexVectors(dir, inputs, opts);
      if (opts.lengths !== undefined || opts.docs !== undefined)
        throw new TartanError(
          ErrorCodes.INVALID_ARGUMENT,
          '--lengths and --docs go with --vectors <file>; to index texts, give the .jsonl/.txt/.md files as inputs',
        );
      if (inputs.length === 0)
        throw new TartanError(
          ErrorCodes.INVALID_ARGUMENT,
          'give the input files or folders to index (or --vectors <file> to import token vectors encoded elsewhere)',
        );
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
        : await Index.create(dir, { ...(opts.precision ? { precision: opts.precision } : {}), model: opts.model, ...createSettings(opts) });
      if (!opts.replace && (exists || postgres))
        await checkNewIds(index, dir, scan.ids).catch(async (e: unknown) => {
          await index.close();
          throw e;
        });
      // A new folder index is removed on failure (all-or-nothing); PostgreSQL collections are kept and reported like existing ones.
      const isNew = !exists && !postgres;
      const progress = indexingProgress(opts.progress, scan.documents);
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
        try {
          await index.add(untilInterrupted(readDocuments(scan.files, (at) => positions.push(at))), {
            replace: opts.replace === true,
            segmentTokens: Math.max(1, int('segment-tokens', opts.segmentTokens)),
            onProgress: (n) => {
              done = n;
              progress.update(n);
            },
            onCommit: (n) => {
              committed = n;
              through = positions[n - 1 - dropped];
              positions.splice(0, n - dropped);
              dropped = n;
            },
          });
        } finally {
          progress.stop();
        }
        info = await index.info();
        closed = true;
        await attachSidesAndClose(index, postgres, opts.denseModel);
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
