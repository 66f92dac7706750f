/**
 * The real {@link ServerBackend}: indexes through the model-bound `Index`
 * facade (files or PostgreSQL), encoders through the model loader (the
 * built-in `lexical` model needs no download). Encoders are loaded once per
 * model id and shared by all requests.
 */
import { rm } from 'node:fs/promises';
import { ErrorCodes, TartanError } from '../errors.js';
import { loadEncoder } from '../models/model-loader.js';
import type { CrossEncoder, DenseEncoder, Encoder, LateInteractionEncoder, ModelKind } from '../models/types.js';
import type { CreateIndexOptions, ServedIndex, ServerBackend } from './backend.js';

/** The static side of the Index facade (src/index/index.ts) as the server uses it. */
interface IndexClass {
  create(dir: string, options: { model: string; nbits?: number }): Promise<ServedIndex>;
  open(location: string): Promise<ServedIndex>;
}

/** The facade module, imported on first use (an API-only server never loads the index code). */
const INDEX_MODULE = '../index/index.js';
const ENCODER_MODULE = '../index/encoder.js';

async function indexClass(): Promise<IndexClass> {
  const mod = (await import(INDEX_MODULE)) as { Index?: IndexClass };
  if (!mod.Index) throw new TartanError(ErrorCodes.INTERNAL, 'the Index facade is missing from this build; reinstall tartan');
  return mod.Index;
}

/** ColBERT encoders load like the index loads them (`lexical`, `lexical:<dim>`, ids, folders). */
async function loadColbert(id: string): Promise<LateInteractionEncoder> {
  const mod = (await import(ENCODER_MODULE)) as { loadColbertEncoder: (model: string) => Promise<LateInteractionEncoder> };
  return mod.loadColbertEncoder(id);
}

export function createDefaultBackend(): ServerBackend {
  const encoders = new Map<string, Promise<Encoder>>();

  const load = async <K extends ModelKind>(id: string, kind: K): Promise<Extract<Encoder, { kind: K }>> => {
    const key = `${kind}\0${id}`;
    let p = encoders.get(key);
    if (!p) {
      p = kind === 'colbert' ? loadColbert(id) : loadEncoder(id, kind);
      encoders.set(key, p);
      p.catch(() => encoders.delete(key)); // a failed load (e.g. offline) may succeed later
    }
    const enc = await p;
    if (enc.kind !== kind) throw new TartanError(ErrorCodes.INVALID_ARGUMENT, `${id} is a ${enc.kind} model, not ${kind}; configure a ${kind} model`);
    return enc as Extract<Encoder, { kind: K }>;
  };

  return {
    async createIndex(dir: string, options: CreateIndexOptions) {
      return (await indexClass()).create(dir, options);
    },
    async openIndex(location: string) {
      return (await indexClass()).open(location);
    },
    async destroyIndex(location: string) {
      if (/^postgres(ql)?:\/\//i.test(location)) return;
      await rm(location, { recursive: true, force: true });
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
