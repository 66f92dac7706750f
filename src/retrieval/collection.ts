/**
 * A collection: the ColBERT index plus the side indexes the pipelines draw on,
 * kept in step with it: BM25 over the same texts (always, for file indexes)
 * and, when a dense model is given, exact dense vectors. Side indexes live in
 * the index folder (`bm25/`, `dense/`) and record the index generation they
 * match; a stale or missing side index (after a crash, or an index written by
 * another tool) is rebuilt from the texts the index stores.
 *
 * @example
 * const c = await Collection.open('./scifact-idx', { denseModel: 'BAAI/bge-small-en-v1.5' });
 * const { hits } = await c.search('what lowers fever', { pipeline: 'hybrid', k: 10 });
 * await c.close();
 */
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ErrorCodes, TartanError } from '../core/errors.js';
import { FileStore } from '../stores/file/file-store.js';
import { writeFileAtomic } from '../stores/file/atomic-file.js';
import { Index, type IndexAddOptions } from './index-facade.js';
import { Bm25Index } from '../lexical/bm25.js';
import { hasBm25, loadBm25, saveBm25 } from '../lexical/bm25-file.js';
import { LexicalColbert } from '../lexical/lexical-colbert.js';
import { loadEncoder } from '../models/model-loader.js';
import type { CrossEncoder, DenseEncoder } from '../models/types.js';
import type { DocumentInput } from '../stores/types.js';
import { DenseIndex } from './dense-index.js';
import { Pipeline, type PipelineComponents, type PipelineResult, type PipelineSearchOptions } from './pipeline.js';

const SIDE_STATE = 'side-indexes.json';

interface SideState { generation: number; bm25?: boolean; denseModel?: string }

export interface CollectionOptions {
  /** Dense model (registry id or folder) for `dense` stages; recorded, so later opens reuse it. */
  denseModel?: string;
  /** Cross-encoder (registry id or folder) for `cross-encoder` stages. */
  crossEncoderModel?: string;
  /** Called while side indexes are rebuilt (documents done, total). */
  onRebuild?: (done: number, total: number) => void;
}

export interface CollectionSearchOptions extends PipelineSearchOptions {
  /** A preset or pipeline spec (default `colbert`). */
  pipeline?: string;
}

function textOf(d: DocumentInput): string {
  return typeof d.text === 'string' ? d.text : '';
}

export class Collection {
  private readonly pipelines = new Map<string, Pipeline>();

  private constructor(
    readonly index: Index,
    private readonly bm25: Bm25Index | undefined,
    private readonly dense: { index: DenseIndex; encoder: DenseEncoder; model: string } | undefined,
    private readonly crossEncoder: CrossEncoder | undefined,
  ) {}

  /** Opens an index (folder or PostgreSQL URL) with its side indexes, rebuilding stale ones. */
  static async open(location: string, options: CollectionOptions = {}): Promise<Collection> {
    return Collection.attach(await Index.open(location), options);
  }

  /** Wraps an already opened index. */
  static async attach(index: Index, options: CollectionOptions = {}): Promise<Collection> {
    const store = index.store instanceof FileStore ? index.store : undefined;
    let bm25: Bm25Index | undefined;
    let dense: { index: DenseIndex; encoder: DenseEncoder; model: string } | undefined;
    if (store) {
      const state = readState(store.dir);
      const { ids, generation } = store.documentIds();
      const fresh = state?.generation === generation;
      bm25 = fresh && state?.bm25 && hasBm25(join(store.dir, 'bm25')) ? loadBm25(join(store.dir, 'bm25')) : undefined;
      const denseModel = options.denseModel ?? state?.denseModel;
      let denseIndex = denseModel && fresh && state?.denseModel === denseModel && DenseIndex.exists(join(store.dir, 'dense')) ? DenseIndex.load(join(store.dir, 'dense')) : undefined;
      const denseEncoder = denseModel ? await loadDense(denseModel) : undefined;
      if (!bm25 || (denseEncoder && !denseIndex)) {
        const rebuilt = await rebuild(index, ids, !bm25, denseEncoder && !denseIndex ? denseEncoder : undefined, options.onRebuild);
        bm25 ??= rebuilt.bm25;
        denseIndex ??= rebuilt.dense;
        saveSides(store.dir, generation, bm25, denseIndex, denseModel);
      }
      if (denseEncoder && denseIndex && denseModel) dense = { index: denseIndex, encoder: denseEncoder, model: denseModel };
    } else if (options.denseModel) {
      throw new TartanError(ErrorCodes.INVALID_ARGUMENT, 'dense side indexes are kept for file indexes only; for PostgreSQL use the colbert pipeline');
    }
    const crossEncoder = options.crossEncoderModel ? await loadCross(options.crossEncoderModel) : undefined;
    // The lexical model's query IDF weights come from the BM25 index over the same texts (same analyser).
    if (bm25 && index.encoder instanceof LexicalColbert) index.encoder.useDocumentFrequencies(bm25);
    return new Collection(index, bm25, dense, crossEncoder);
  }

  /** The parts pipelines can use. */
  components(): PipelineComponents {
    return {
      colbert: this.index,
      ...(this.bm25 ? { bm25: this.bm25 } : {}),
      ...(this.dense ? { dense: { index: this.dense.index, encoder: this.dense.encoder } } : {}),
      ...(this.crossEncoder ? { crossEncoder: this.crossEncoder } : {}),
    };
  }

  /** Runs a pipeline (preset or spec); results carry per-stage latency. */
  async search(query: string, options: CollectionSearchOptions = {}): Promise<PipelineResult> {
    const name = options.pipeline ?? 'colbert';
    let p = this.pipelines.get(name);
    if (!p) { p = Pipeline.build(name, this.components()); this.pipelines.set(name, p); }
    return p.search(query, options);
  }

  /** Adds documents to the index and the side indexes. */
  async add(docs: readonly DocumentInput[], options: IndexAddOptions = {}): Promise<void> {
    await this.index.add(docs, options);
    for (const d of docs) this.bm25?.add(d.id, textOf(d));
    if (this.dense) {
      let i = 0;
      for await (const v of this.dense.encoder.passageEmbed(docs.map(textOf))) this.dense.index.add(docs[i++].id, v);
    }
    this.persist();
  }

  /** Deletes documents from the index and the side indexes. */
  async delete(ids: readonly string[]): Promise<number> {
    const n = await this.index.delete(ids);
    for (const id of ids) { this.bm25?.delete(id); this.dense?.index.delete(id); }
    this.persist();
    return n;
  }

  async close(): Promise<void> {
    await this.index.close();
    await this.dense?.encoder.dispose();
    await this.crossEncoder?.dispose();
  }

  private persist(): void {
    const store = this.index.store;
    if (!(store instanceof FileStore)) return;
    saveSides(store.dir, store.documentIds().generation, this.bm25, this.dense?.index, this.dense?.model);
  }
}

function readState(dir: string): SideState | undefined {
  const path = join(dir, SIDE_STATE);
  if (!existsSync(path)) return undefined;
  try { return JSON.parse(readFileSync(path, 'utf8')) as SideState; } catch { return undefined; }
}

/** Writes the side indexes, then the state file naming the generation they match (last, so a crash leaves them stale, not wrong). */
function saveSides(dir: string, generation: number, bm25: Bm25Index | undefined, dense: DenseIndex | undefined, denseModel: string | undefined): void {
  if (bm25) saveBm25(bm25, join(dir, 'bm25'));
  if (dense) { mkdirSync(join(dir, 'dense'), { recursive: true }); dense.save(join(dir, 'dense')); }
  const state: SideState = { generation, bm25: !!bm25, ...(dense && denseModel ? { denseModel } : {}) };
  writeFileAtomic(join(dir, SIDE_STATE), [JSON.stringify(state)]);
}

async function rebuild(index: Index, ids: string[], wantBm25: boolean, denseEncoder: DenseEncoder | undefined, onProgress?: (done: number, total: number) => void) {
  const bm25 = wantBm25 ? new Bm25Index() : undefined;
  const dense = denseEncoder ? new DenseIndex(denseEncoder.dim, ids.length) : undefined;
  const step = 256;
  for (let i = 0; i < ids.length; i += step) {
    const docs = await index.store.get(ids.slice(i, i + step));
    for (const d of docs) bm25?.add(d.id, textOf(d));
    if (dense && denseEncoder) {
      const withText = docs.filter((d) => textOf(d).trim() !== '');
      let j = 0;
      for await (const v of denseEncoder.passageEmbed(withText.map(textOf))) dense.add(withText[j++].id, v);
    }
    onProgress?.(Math.min(i + step, ids.length), ids.length);
  }
  return { bm25, dense };
}

async function loadDense(model: string): Promise<DenseEncoder> {
  const enc = await loadEncoder(model, 'dense');
  if (enc.kind !== 'dense') throw new TartanError(ErrorCodes.UNSUPPORTED_MODEL, `${model} is a ${enc.kind} model; --dense-model needs a single-vector (dense) model`);
  return enc;
}

async function loadCross(model: string): Promise<CrossEncoder> {
  const enc = await loadEncoder(model, 'cross-encoder');
  if (enc.kind !== 'cross-encoder') throw new TartanError(ErrorCodes.UNSUPPORTED_MODEL, `${model} is a ${enc.kind} model; --cross-encoder-model needs a cross-encoder`);
  return enc;
}
