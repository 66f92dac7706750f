/**
 * The retrieval presets (`colbert`, `dense`, `bm25>colbert`, `dense>colbert`,
 * `hybrid`, `colbert>cross-encoder`) and any pipeline spec (`bm25:200>colbert`)
 * as evaluation pipelines. They share one {@link Collection} per dataset and
 * model set: the ColBERT index (settings `model`, `mode`, `nbits`), BM25, and
 * the dense index when `dense-model` is set; `cross-encoder-model` for reranking.
 * With `--work-dir` the collection is kept and reused; otherwise it lives in a
 * temporary folder for the run.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { Index } from '../../retrieval/index-facade.js';
import { Collection, usesMuvera } from '../../retrieval/collection.js';
import { parsePipeline, PIPELINE_PRESETS, requiredComponents } from '../../retrieval/pipeline-spec.js';
import type { PipelineContext, PipelineDefinition } from '../pipeline-registry.js';
import type { Retriever } from '../retriever.js';

interface Shared {
  collection: Collection;
  users: number;
  /** Folder, store kind and whether it was reopened from an earlier run rather than built. */
  dir: string;
  kind: string;
  reopened: boolean;
  cleanup?: () => void;
}
const open = new Map<string, Promise<Shared>>();

function slug(s: string): string {
  return basename(s)
    .replace(/[^A-Za-z0-9._-]+/g, '_')
    .slice(0, 60);
}

/** Builds (or reopens) the collection for a dataset and the models in the settings; says whether a pipeline created earlier in this run opened it. */
async function acquire(context: PipelineContext, muvera: boolean): Promise<{ shared: Shared; earlier: boolean }> {
  const { settings, dataset } = context;
  const model = settings.model ?? 'lexical';
  // No mode given: the model's own default (flat for the lexical model, plaid otherwise).
  const mode = settings.mode === 'flat' || settings.mode === 'plaid' ? settings.mode : undefined;
  const key = [
    dataset.dir,
    model,
    mode,
    settings.nbits ?? '',
    settings['dense-model'] ?? '',
    settings['cross-encoder-model'] ?? '',
    context.workDir ?? '',
    muvera ? `muvera:${settings.muvera ?? ''}` : '',
  ].join('|');
  let shared = open.get(key);
  const opened = shared !== undefined;
  if (!shared) {
    shared = (async () => {
      const tmp = context.workDir ? undefined : mkdtempSync(join(tmpdir(), 'tartan-eval-'));
      const loc = join(context.workDir ?? tmp!, `${dataset.name}-${slug(model)}-${mode ?? 'default'}${settings.nbits ? `-nbits${settings.nbits}` : ''}`);
      const options = {
        ...(settings['dense-model'] ? { denseModel: settings['dense-model'] } : {}),
        ...(settings['cross-encoder-model'] ? { crossEncoderModel: settings['cross-encoder-model'] } : {}),
        ...(muvera ? { muvera: settings.muvera ?? true } : {}),
      };
      let collection: Collection;
      const reopened = existsSync(join(loc, 'manifest.json'));
      if (reopened) {
        collection = await Collection.open(loc, { ...options, onRebuild: rebuildProgress(context) });
      } else {
        const index = await Index.create(loc, { model, ...(mode ? { mode } : {}), ...(settings.nbits ? { nbits: Number(settings.nbits) } : {}) });
        collection = await Collection.attach(index, options);
        const docs = dataset.corpus.map((d) => ({ id: d.id, text: d.title ? `${d.title}\n${d.text}` : d.text }));
        context.progress.start(`indexing ${slug(model)}`, docs.length);
        const step = 512;
        for (let i = 0; i < docs.length; i += step) {
          await collection.add(docs.slice(i, i + step));
          context.progress.tick(Math.min(step, docs.length - i));
        }
        context.progress.stop();
      }
      const { kind } = await collection.index.info();
      return { collection, users: 0, dir: loc, kind, reopened, ...(tmp ? { cleanup: () => rmSync(tmp, { recursive: true, force: true }) } : {}) };
    })();
    open.set(key, shared);
  }
  const s = await shared;
  s.users++;
  return { shared: s, earlier: opened };
}

function rebuildProgress(context: PipelineContext): (done: number, total: number) => void {
  let started = false;
  let reported = 0;
  return (done, total) => {
    if (!started) {
      context.progress.start('rebuilding side indexes', total);
      started = true;
    }
    context.progress.tick(done - reported);
    reported = done;
    if (done >= total) context.progress.stop();
  };
}

/** A pipeline over the shared collection; `name` is a preset or a spec. */
export function collectionPipeline(name: string): PipelineDefinition {
  const spec = parsePipeline(name);
  return {
    name,
    description: `${PIPELINE_PRESETS[name] ? 'preset' : 'spec'} ${PIPELINE_PRESETS[name] ?? name} over a tartan index (--model, --dense-model, --cross-encoder-model)`,
    async create(context): Promise<Retriever> {
      const { shared, earlier } = await acquire(context, usesMuvera(spec.name));
      const origin = earlier ? 'shared' : shared.reopened ? 'reopened' : 'built';
      const uses = requiredComponents(spec);
      const label = [
        uses.has('colbert') ? (context.settings.model ?? 'lexical') : undefined,
        uses.has('dense') ? context.settings['dense-model'] : undefined,
        uses.has('cross-encoder') ? context.settings['cross-encoder-model'] : undefined,
      ]
        .filter((m): m is string => !!m)
        .map(slug)
        .join(', ');
      let last: Record<string, number> = {};
      return {
        name: label ? `${name} (${label})` : name,
        async search(query, k) {
          const { hits, latencyMs } = await shared.collection.search(query, { pipeline: spec.name, k });
          last = latencyMs;
          return hits.map((h) => ({ id: h.id, score: h.score }));
        },
        stageLatencies: () => last,
        index: { dir: shared.dir, kind: shared.kind, origin },
        async dispose() {
          if (--shared.users > 0) return;
          for (const [key, value] of open) if ((await value) === shared) open.delete(key);
          await shared.collection.close();
          shared.cleanup?.();
        },
      };
    },
  };
}

export const pipelines: PipelineDefinition[] = Object.keys(PIPELINE_PRESETS)
  .filter((n) => n !== 'bm25')
  .map(collectionPipeline);
