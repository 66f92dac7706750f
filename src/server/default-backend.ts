/**
 * The real {@link ServerBackend}: indexes through the model-bound `Index`
 * facade (files or PostgreSQL), encoders through the model loader (the
 * built-in `lexical` model needs no download). Encoders are loaded once per
 * model id and shared by all requests.
 */
import { rm } from 'node:fs/promises';
import { ErrorCodes, TartanError } from '../core/errors.js';
import { loadColbertEncoder } from '../retrieval/colbert-encoder.js';
import { Index } from '../retrieval/index-facade.js';
import { loadEncoder } from '../models/model-loader.js';
import type { CrossEncoder, DenseEncoder, Encoder, LateInteractionEncoder, ModelKind } from '../models/types.js';
import { Collection } from '../retrieval/collection.js';
import { Pipeline } from '../retrieval/pipeline.js';
import { parsePipeline } from '../retrieval/pipeline-spec.js';
import type { DocumentInput, SearchHit, StoreInfo, StoreSearchOptions } from '../stores/types.js';
import { isPostgresLocation } from '../stores/open.js';
import type { CreateIndexOptions, ServedIndex, ServedPipeline, ServerBackend } from './backend.js';

/** An index served with its side indexes (BM25, and dense when the server has a dense model), kept in step on writes. */
class ServedCollection implements ServedIndex {
  constructor(readonly collection: Collection) {}
  get encoder(): LateInteractionEncoder {
    return this.collection.index.encoder;
  }
  info(): Promise<StoreInfo> {
    return this.collection.index.info();
  }
  async add(docs: Iterable<DocumentInput> | AsyncIterable<DocumentInput>, options?: { onProgress?: (documents: number) => void }): Promise<void> {
    const all: DocumentInput[] = [];
    for await (const d of docs) all.push(d);
    await this.collection.add(all, options);
  }
  delete(ids: string[]): Promise<number> {
    return this.collection.delete(ids);
  }
  search(text: string, options: StoreSearchOptions): Promise<SearchHit[]> {
    return this.collection.index.search(text, options);
  }
  close(): Promise<void> {
    return this.collection.close();
  }
}

/** Models the backend attaches to every index: `dense` keeps a dense side index for dense and hybrid pipelines. */
export interface BackendModels {
  dense?: string;
}

export function createDefaultBackend(models: BackendModels = {}): ServerBackend {
  const encoders = new Map<string, Promise<Encoder>>();

  const load = async <K extends ModelKind>(id: string, kind: K): Promise<Extract<Encoder, { kind: K }>> => {
    const key = `${kind}\0${id}`;
    let p = encoders.get(key);
    if (!p) {
      // ColBERT encoders load as indexes load them (`lexical`, `lexical:<dim>`, ids, folders).
      p = kind === 'colbert' ? loadColbertEncoder(id) : loadEncoder(id, kind);
      encoders.set(key, p);
      p.catch(() => encoders.delete(key)); // a failed load (e.g. offline) may succeed later
    }
    const enc = await p;
    if (enc.kind !== kind) throw new TartanError(ErrorCodes.INVALID_ARGUMENT, `${id} is a ${enc.kind} model, not ${kind}; configure a ${kind} model`);
    return enc as Extract<Encoder, { kind: K }>;
  };

  const serve = async (index: Index): Promise<ServedIndex> => {
    try {
      return new ServedCollection(await Collection.attach(index, models.dense ? { denseModel: models.dense } : {}));
    } catch (e) {
      await index.close();
      throw e;
    }
  };

  return {
    async createIndex(dir: string, options: CreateIndexOptions): Promise<ServedIndex> {
      return serve(await Index.create(dir, options));
    },
    async openIndex(location: string): Promise<ServedIndex> {
      return serve(await Index.open(location));
    },
    async destroyIndex(location: string) {
      if (isPostgresLocation(location)) return;
      await rm(location, { recursive: true, force: true });
    },
    async pipeline(index: ServedIndex, spec: string, models: { crossEncoder?: string }): Promise<ServedPipeline> {
      const parsed = parsePipeline(spec);
      const components = index instanceof ServedCollection ? index.collection.components() : index instanceof Index ? { colbert: index } : undefined;
      if (!components) throw new TartanError(ErrorCodes.INVALID_ARGUMENT, `pipeline "${spec}" needs a tartan index; use pipeline "colbert"`);
      const wantsCross = parsed.rerank.some((s) => s.name === 'cross-encoder');
      const crossEncoder = wantsCross && models.crossEncoder ? await load(models.crossEncoder, 'cross-encoder') : undefined;
      return Pipeline.build(parsed, { ...components, ...(crossEncoder ? { crossEncoder } : {}) });
    },
    colbert: (id: string): Promise<LateInteractionEncoder> => load(id, 'colbert'),
    dense: (id: string): Promise<DenseEncoder> => load(id, 'dense'),
    crossEncoder: (id: string): Promise<CrossEncoder> => load(id, 'cross-encoder'),
    async dispose() {
      const all = [...encoders.values()];
      encoders.clear();
      for (const p of all) await (await p.catch(() => undefined))?.dispose();
    },
  };
}
