/**
 * A collection: the ColBERT index plus the side indexes the pipelines draw on
 * ({@link SideIndex}), kept in step with it: BM25 over the same texts (always,
 * for folder-backed indexes), exact dense vectors when a dense model is given,
 * and any side index the caller passes. Each lives in the index folder under
 * its name (`bm25/`, `dense/`, ...); `side-indexes.json` records the store
 * generation they match and each one's signature. A stale or missing side
 * index (after a crash, or an index written by another tool) is rebuilt from
 * the texts the index stores.
 *
 * @example
 * const c = await Collection.open('./scifact-idx', { denseModel: 'BAAI/bge-small-en-v1.5' });
 * const { hits } = await c.search('what lowers fever', { pipeline: 'hybrid', k: 10 });
 * await c.close();
 */
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ErrorCodes, TartanError } from '../core/errors.js';
import { isFolderBacked } from '../stores/capabilities.js';
import { writeFileAtomic } from '../core/atomic-file.js';
import { Index, type IndexAddOptions } from './index-facade.js';
import { LexicalColbert } from '../lexical/lexical-colbert.js';
import { loadEncoder } from '../models/model-loader.js';
import type { CrossEncoder } from '../models/types.js';
import type { DocumentInput } from '../stores/types.js';
import { Bm25Side } from './bm25-side.js';
import { DenseSide } from './dense-side.js';
import { MuveraSide } from './muvera-side.js';
import { checkSideIndexes, type SideDocument, type SideIndex } from './side-index.js';
import { parsePipeline, requiredComponents } from './pipeline-spec.js';
import { Pipeline, type PipelineComponents, type PipelineResult, type PipelineSearchOptions } from './pipeline.js';

const SIDE_STATE = 'side-indexes.json';

/** The state file: the store generation the saved side indexes match, and each one's signature by name. */
interface SideState {
  generation: number;
  sides: Record<string, string>;
}

export interface CollectionOptions {
  /** Dense model (registry id or folder) for `dense` stages; recorded, so later opens reuse it. */
  denseModel?: string;
  /** Cross-encoder (registry id or folder) for `cross-encoder` stages. */
  crossEncoderModel?: string;
  /**
   * Keep a MUVERA side index for `muvera` stages: true for the parameters recorded earlier (else
   * fastembed's defaults), or parameters such as `k_sim=4,dim_proj=8,r_reps=10`. Recorded, so later
   * opens keep it.
   */
  muvera?: boolean | string;
  /**
   * More side indexes; a pipeline first stage of the same name uses each. One named `bm25` or
   * `dense` replaces the built-in one. The collection saves, rebuilds and disposes them.
   * Folder-backed indexes only.
   */
  sideIndexes?: readonly SideIndex[];
  /** Called while side indexes are rebuilt (documents done, total). */
  onRebuild?: (done: number, total: number) => void;
}

/** True when a pipeline spec has a `muvera` stage (which needs the MUVERA side index). */
export function usesMuvera(spec: string): boolean {
  try {
    return requiredComponents(parsePipeline(spec)).has('muvera');
  } catch {
    return false; // not a valid spec: building the pipeline reports why
  }
}

export interface CollectionSearchOptions extends PipelineSearchOptions {
  /** A preset or pipeline spec (default `colbert`). */
  pipeline?: string;
}

function sideDocument(d: DocumentInput): SideDocument {
  return { id: d.id, text: typeof d.text === 'string' ? d.text : '' };
}

export class Collection {
  private readonly pipelines = new Map<string, Pipeline>();

  private constructor(
    readonly index: Index,
    /** The side indexes, by pipeline stage name. */
    readonly sides: readonly SideIndex[],
    private readonly crossEncoder: CrossEncoder | undefined,
  ) {}

  /** Opens an index (folder or PostgreSQL URL) with its side indexes, rebuilding stale ones. */
  static async open(location: string, options: CollectionOptions = {}): Promise<Collection> {
    return Collection.attach(await Index.open(location), options);
  }

  /** Wraps an already opened index. */
  static async attach(index: Index, options: CollectionOptions = {}): Promise<Collection> {
    const store = isFolderBacked(index.store) ? index.store : undefined;
    const given = options.sideIndexes ?? [];
    checkSideIndexes(given);
    if (!store && (options.denseModel || given.length > 0)) {
      throw new TartanError(
        ErrorCodes.INVALID_ARGUMENT,
        'side indexes (dense, custom) are kept for folder indexes only; for PostgreSQL use the colbert pipeline',
      );
    }
    const created: SideIndex[] = [];
    try {
      let sides: SideIndex[] = [];
      if (store) {
        const state = readState(store.dir);
        const { ids, generation } = store.documentIds();
        const has = (name: string) => given.some((s) => s.name === name);
        if (!has('bm25')) created.push(new Bm25Side());
        const denseModel = options.denseModel ?? state?.sides.dense;
        if (!has('dense') && denseModel) created.push(await DenseSide.open(denseModel));
        // A string: those parameters; true or unset: the ones recorded earlier (true: else the defaults); false: none.
        const muvera =
          options.muvera === false
            ? undefined
            : typeof options.muvera === 'string'
              ? options.muvera
              : (state?.sides.muvera ?? (options.muvera ? '' : undefined));
        if (!has('muvera') && muvera !== undefined) created.push(await MuveraSide.open(index, muvera));
        sides = [...created, ...given];
        const stale: SideIndex[] = [];
        for (const side of sides) {
          const fresh = state?.generation === generation && state.sides[side.name] === (side.signature ?? '') && (await side.load(join(store.dir, side.name)));
          if (!fresh) stale.push(side);
        }
        if (stale.length > 0) {
          await rebuild(index, ids, stale, options.onRebuild);
          await saveSides(store.dir, generation, sides, stale);
        }
      }
      const crossEncoder = options.crossEncoderModel ? await loadCross(options.crossEncoderModel) : undefined;
      // The lexical model's query IDF weights come from the BM25 side index over the same texts (same analyser).
      const bm25 = sides.find((s): s is Bm25Side => s instanceof Bm25Side);
      if (bm25 && index.encoder instanceof LexicalColbert) index.encoder.useDocumentFrequencies(bm25);
      return new Collection(index, sides, crossEncoder);
    } catch (e) {
      for (const s of created) await s.dispose?.();
      throw e;
    }
  }

  /** The side index a pipeline stage of this name uses, if the collection has one. */
  side(name: string): SideIndex | undefined {
    return this.sides.find((s) => s.name === name);
  }

  /** The parts pipelines can use. */
  components(): PipelineComponents {
    return {
      colbert: this.index,
      sides: this.sides,
      ...(this.crossEncoder ? { crossEncoder: this.crossEncoder } : {}),
    };
  }

  /** Runs a pipeline (preset or spec); results carry per-stage latency. */
  async search(query: string, options: CollectionSearchOptions = {}): Promise<PipelineResult> {
    const name = options.pipeline ?? 'colbert';
    let p = this.pipelines.get(name);
    if (!p) {
      p = Pipeline.build(name, this.components());
      this.pipelines.set(name, p);
    }
    return p.search(query, options);
  }

  /** Adds documents to the index and the side indexes. */
  async add(docs: readonly DocumentInput[], options: IndexAddOptions = {}): Promise<void> {
    await this.index.add(docs, options);
    const batch = docs.map(sideDocument);
    // The index replaced those ids (upsert); the side indexes still hold the old versions.
    if (options.replace) for (const side of this.sides) await side.delete(batch.map((d) => d.id));
    for (const side of this.sides) await side.add(batch);
    await this.persist();
  }

  /** Deletes documents from the index and the side indexes. */
  async delete(ids: readonly string[]): Promise<number> {
    const n = await this.index.delete(ids);
    for (const side of this.sides) await side.delete(ids);
    await this.persist();
    return n;
  }

  /** Closes the index and disposes the side indexes and models. */
  async close(): Promise<void> {
    await this.index.close();
    for (const side of this.sides) await side.dispose?.();
    await this.crossEncoder?.dispose();
  }

  private async persist(): Promise<void> {
    const store = this.index.store;
    if (!isFolderBacked(store) || this.sides.length === 0) return;
    await saveSides(store.dir, store.documentIds().generation, this.sides, this.sides);
  }
}

/** The state file, or undefined when missing or damaged (everything is then stale). Reads the older `{ bm25, denseModel }` form too. */
function readState(dir: string): SideState | undefined {
  const path = join(dir, SIDE_STATE);
  if (!existsSync(path)) return undefined;
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, 'utf8'));
  } catch {
    return undefined;
  }
  if (raw === null || typeof raw !== 'object') return undefined;
  const r = raw as { generation?: unknown; sides?: unknown; bm25?: unknown; denseModel?: unknown };
  if (typeof r.generation !== 'number') return undefined;
  const sides: Record<string, string> = Object.create(null) as Record<string, string>;
  if (r.sides !== null && typeof r.sides === 'object') {
    for (const [name, sig] of Object.entries(r.sides)) if (typeof sig === 'string') sides[name] = sig;
  } else {
    if (r.bm25 === true) sides.bm25 = '';
    if (typeof r.denseModel === 'string') sides.dense = r.denseModel;
  }
  return { generation: r.generation, sides };
}

/**
 * Writes the `changed` side indexes, then the state file naming the generation all of `sides` match
 * (last, so a crash leaves them stale, not wrong).
 */
async function saveSides(dir: string, generation: number, sides: readonly SideIndex[], changed: readonly SideIndex[]): Promise<void> {
  for (const side of changed) {
    const at = join(dir, side.name);
    mkdirSync(at, { recursive: true });
    await side.save(at);
  }
  const state: SideState = { generation, sides: Object.fromEntries(sides.map((s) => [s.name, s.signature ?? ''])) };
  writeFileAtomic(join(dir, SIDE_STATE), [JSON.stringify(state)]);
}

/** Empties the `stale` side indexes and refills them from the texts the index stores. */
async function rebuild(index: Index, ids: string[], stale: readonly SideIndex[], onProgress?: (done: number, total: number) => void): Promise<void> {
  for (const side of stale) await side.clear();
  const step = 256;
  for (let i = 0; i < ids.length; i += step) {
    const docs = (await index.store.get(ids.slice(i, i + step))).map(sideDocument);
    for (const side of stale) await side.add(docs);
    onProgress?.(Math.min(i + step, ids.length), ids.length);
  }
}

async function loadCross(model: string): Promise<CrossEncoder> {
  const enc = await loadEncoder(model, 'cross-encoder');
  if (enc.kind !== 'cross-encoder')
    throw new TartanError(ErrorCodes.UNSUPPORTED_MODEL, `${model} is a ${enc.kind} model; --cross-encoder-model needs a cross-encoder`);
  return enc;
}
