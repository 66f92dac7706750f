/**
 * `tartan index <dir> --vectors <file> [--lengths <npy>] [--docs <jsonl>] [--model <id>]`: imports token vectors
 * encoded elsewhere (numpy .npz/.npy from PyLate or fastembed, or tartan's own vectors file). Everything is read
 * and checked first (format, counts, ids, dim against the model, NaN/Infinity); then the documents go in with one
 * atomic write, so a failed run leaves the index as it was (a new one is removed). The model is recorded so
 * queries are encoded with it later.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { printJson } from '../output.js';
import { parseRecord, notUtf8Text } from '../input-files.js';
import { ErrorCodes, TartanError, isTartanError } from '../../core/errors.js';
import { Index } from '../../retrieval/index-facade.js';
import { loadColbertEncoder } from '../../retrieval/colbert-encoder.js';
import {
  checkImportedDocuments,
  pairVectorDocuments,
  readVectorsFile,
  type ImportedDocument,
  type VectorDocumentsSource,
} from '../../retrieval/vectors-import.js';
import type { DocumentInput } from '../../stores/types.js';
import type { LateInteractionEncoder } from '../../models/types.js';
import { isPostgresLocation, openStore } from '../../stores/open.js';
import { MANIFEST_NAME, readManifest } from '../../stores/file/manifest.js';
import {
  attachSidesAndClose,
  checkFolder,
  checkNewIds,
  createSettings,
  indexingProgress,
  removeNewIndex,
  sameModel,
  untilInterrupted,
  type IndexOptions,
} from './index-shared.js';

const NOTHING_WRITTEN = 'nothing was indexed (every input is checked before anything is written); fix it and run the same command again';

/** Runs `check`; a coded error it throws is restated with the promise that nothing was written. */
async function beforeWriting<T>(check: () => Promise<T>): Promise<T> {
  try {
    return await check();
  } catch (e) {
    if (!isTartanError(e)) throw e;
    throw new TartanError(e.code, `${e.message}\n${NOTHING_WRITTEN}`, { cause: e, ...(e.details ? { details: e.details } : {}) });
  }
}

/** Reads the `--docs` JSONL: one record per non-blank line, ids unique, text and metadata optional. */
export function readDocsJsonl(path: string): VectorDocumentsSource {
  let buf: Buffer;
  try {
    buf = readFileSync(path);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new TartanError(
      code === 'ENOENT' ? ErrorCodes.FILE_NOT_FOUND : ErrorCodes.INPUT_FORMAT,
      code === 'ENOENT' ? `${path} does not exist; check the --docs path` : `cannot read ${path}: ${code ?? (e as Error).message}`,
      { details: { file: path } },
    );
  }
  const problem = notUtf8Text(buf, path);
  if (problem) throw new TartanError(ErrorCodes.INPUT_FORMAT, problem, { details: { file: path } });
  const records: DocumentInput[] = [];
  const lines: number[] = [];
  const seen = new Map<string, number>();
  buf
    .toString('utf8')
    .replace(/^\uFEFF/, '')
    .split('\n')
    .forEach((raw, i) => {
      const line = raw.replace(/\r$/, '');
      if (line.trim().length === 0) return;
      const where = `${path}:${i + 1}`;
      const rec = parseRecord(line, where);
      const earlier = seen.get(rec.id);
      if (earlier !== undefined)
        throw new TartanError(ErrorCodes.DUPLICATE_ID, `${where}: id "${rec.id}" appears earlier, on line ${earlier}; ids must be unique`, {
          details: { id: rec.id },
        });
      seen.set(rec.id, i + 1);
      records.push(rec);
      lines.push(i + 1);
    });
  return { name: path, records, lines };
}

/** Refuses vectors whose file records another model than the one they are going into. */
function checkRecordedModel(file: string, recorded: string | undefined, model: string, where: string): void {
  if (recorded === undefined || sameModel(recorded, model)) return;
  throw new TartanError(
    ErrorCodes.MODEL_MISMATCH,
    `${file} holds vectors encoded with model ${recorded}, but ${where} uses ${model}; an index holds one model's vectors: ` +
      `index them into a new index (its model is then ${recorded}), or encode the documents again with ${model}`,
    { details: { vectorsModel: recorded, indexModel: model } },
  );
}

/** What the documents go into: an existing index (its model and dim), or a new one (an encoder loaded now). */
type Target = { kind: 'existing'; model: string; dim: number } | { kind: 'new'; model: string; encoder: LateInteractionEncoder };

/** The model and dim of the index at `dir` (a folder or a PostgreSQL collection), or undefined when there is none yet. */
async function existingIndex(dir: string, postgres: boolean): Promise<{ model?: string; dim: number } | undefined> {
  if (!postgres) return existsSync(join(dir, MANIFEST_NAME)) ? readManifest(dir).settings : undefined;
  let store;
  try {
    store = await openStore(dir);
  } catch (e) {
    if (isTartanError(e, ErrorCodes.INDEX_NOT_FOUND)) return undefined;
    throw e;
  }
  try {
    return { model: (await store.info()).model, dim: store.dim };
  } finally {
    await store.close();
  }
}

async function resolveTarget(dir: string, postgres: boolean, opts: IndexOptions, recorded: string | undefined, file: string): Promise<Target> {
  const found = await existingIndex(dir, postgres);
  if (found) {
    const built = found.model;
    if (opts.model !== undefined && built !== undefined && !sameModel(opts.model, built))
      throw new TartanError(
        ErrorCodes.MODEL_MISMATCH,
        `the index at ${dir} was built with model ${built}, not ${opts.model}; an index holds one model's vectors. ` +
          `Leave out --model to add to it, or import into a new index with ${opts.model}`,
        { details: { indexModel: built, requestedModel: opts.model } },
      );
    if (built !== undefined) checkRecordedModel(file, recorded, built, `the index at ${dir}`);
    return { kind: 'existing', model: built ?? 'unknown', dim: found.dim };
  }
  const model = opts.model ?? recorded;
  if (model === undefined)
    throw new TartanError(
      ErrorCodes.INVALID_ARGUMENT,
      `give --model <id|path>: the model that encoded the vectors in ${file}. The index records it and encodes queries with it ` +
        '(e.g. --model colbert-ir/colbertv2.0, or --model lexical:<dim> to try the files without a download)',
    );
  checkRecordedModel(file, recorded, model, `--model`);
  const encoder = await loadColbertEncoder(model, opts.precision ? { precision: opts.precision } : {});
  return { kind: 'new', model, encoder };
}

/** The documents, reported to `progress` as the index takes them (each is packed and checked again on the way). */
function* counted(docs: readonly ImportedDocument[], update: (n: number) => void): Generator<ImportedDocument> {
  for (let i = 0; i < docs.length; i++) {
    yield docs[i];
    update(i + 1);
  }
}

/** Runs `tartan index <dir> --vectors <file>` (the options are those of `tartan index`). */
export async function indexVectors(dir: string, inputs: readonly string[], opts: IndexOptions): Promise<void> {
  const file = opts.vectors as string;
  if (inputs.length > 0)
    throw new TartanError(
      ErrorCodes.INVALID_ARGUMENT,
      `--vectors imports the documents of one file; leave out the inputs (${inputs.join(' ')}) and give their ids and texts with --docs <file.jsonl>`,
    );
  if (opts.replace)
    throw new TartanError(
      ErrorCodes.INVALID_ARGUMENT,
      `--replace does not apply to --vectors; delete the documents first (tartan delete ${dir} <id...>), or import into a new index`,
    );
  const postgres = isPostgresLocation(dir);
  if (!postgres) checkFolder(dir);
  const started = performance.now();
  // Everything that can fail without an index is checked first: the files, their counts and ids, the model, each document's dim and values.
  const { imported, docs, target } = await beforeWriting(async () => {
    const imported = readVectorsFile(file, opts.lengths !== undefined ? { lengths: opts.lengths } : {});
    const docs = pairVectorDocuments(imported, opts.docs !== undefined ? readDocsJsonl(opts.docs) : undefined);
    const target = await resolveTarget(dir, postgres, opts, imported.model, file);
    try {
      const dim = target.kind === 'existing' ? target.dim : target.encoder.dim;
      checkImportedDocuments(docs, dim, target.kind === 'existing' ? `the index at ${dir} (model ${target.model})` : `model ${target.model}`);
    } catch (e) {
      if (target.kind === 'new') await target.encoder.dispose();
      throw e;
    }
    return { imported, docs, target };
  });
  const before = !postgres && existsSync(dir) ? new Set(readdirSync(dir)) : undefined;
  const index =
    target.kind === 'existing'
      ? await Index.open(dir, opts.precision ? { precision: opts.precision } : {})
      : await Index.create(dir, { model: target.model, encoder: target.encoder, ...createSettings(opts) });
  const isNew = target.kind === 'new' && !postgres;
  let added = false;
  let closed = false;
  let info;
  try {
    if (target.kind === 'existing') await checkNewIds(index, dir, new Set(docs.map((d) => d.id)));
    const progress = indexingProgress(opts.progress, docs.length);
    try {
      await index.addVectors(untilInterrupted(counted(docs, (n) => progress.update(n))));
    } finally {
      progress.stop();
    }
    added = true;
    info = await index.info();
    closed = true;
    await attachSidesAndClose(index, postgres, opts.denseModel);
  } catch (e) {
    if (!closed) await index.close().catch(() => undefined);
    if (isNew) removeNewIndex(dir, before);
    const after = isNew
      ? `nothing was indexed: the new index at ${dir} was removed; run the same command again once the cause is fixed`
      : added
        ? `the ${docs.length} documents were added to ${dir}, but building its side indexes failed; they are rebuilt on the next search`
        : `nothing was added to ${dir} (the documents go in with one write); run the same command again once the cause is fixed`;
    throw new TartanError(isTartanError(e) ? e.code : ErrorCodes.INTERNAL, `${e instanceof Error ? e.message : String(e)}\n${after}`, {
      cause: e,
      ...(isTartanError(e) && e.details ? { details: e.details } : {}),
    });
  }
  const seconds = (performance.now() - started) / 1000;
  const summary = {
    index: dir,
    added: docs.length,
    vectors: file,
    layout: imported.layout,
    model: target.model,
    seconds: Number(seconds.toFixed(2)),
    docsPerSecond: Number((docs.length / Math.max(seconds, 1e-9)).toFixed(1)),
    info,
  };
  if (opts.json) printJson(summary);
  else
    console.log(
      `imported the vectors of ${docs.length} documents from ${file} into ${dir} in ${summary.seconds}s (model ${target.model}); ` +
        `${info.documents} documents, ${info.tokens} tokens, ${info.bytesPerToken.toFixed(1)} bytes/token`,
    );
}
