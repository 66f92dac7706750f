/**
 * The `bm25` pipeline: Lucene-compatible BM25 (k1 0.9, b 0.4 unless `--set
 * k1=... --set b=...`) over "title\ntext", built in memory, or loaded from /
 * saved to `<work-dir>/<dataset>-bm25` when a work dir is given.
 */
import { join } from 'node:path';
import { Bm25Index } from '../../lexical/bm25.js';
import { hasBm25, loadBm25, saveBm25 } from '../../lexical/bm25-file.js';
import type { PipelineContext, PipelineDefinition } from '../pipeline-registry.js';
import type { Retriever, RetrieverIndex } from '../retriever.js';

/** Builds a BM25 index over a dataset's corpus, reporting progress. */
export function buildBm25(context: PipelineContext): Bm25Index {
  const { dataset, progress, settings } = context;
  const index = new Bm25Index({
    k1: settings.k1 !== undefined ? Number(settings.k1) : undefined,
    b: settings.b !== undefined ? Number(settings.b) : undefined,
  });
  progress.start('indexing bm25', dataset.corpus.length);
  for (const doc of dataset.corpus) {
    index.add(doc.id, doc.title ? `${doc.title}\n${doc.text}` : doc.text);
    progress.tick();
  }
  progress.stop();
  return index;
}

/** The index, with the folder it was loaded from or saved to (none in memory). */
function openBm25(context: PipelineContext): { index: Bm25Index; saved?: RetrieverIndex } {
  if (!context.workDir) return { index: buildBm25(context) };
  const dir = join(context.workDir, `${context.dataset.name}-bm25`);
  if (hasBm25(dir)) {
    const loaded = loadBm25(dir);
    const wanted = new Bm25Index({
      k1: context.settings.k1 !== undefined ? Number(context.settings.k1) : undefined,
      b: context.settings.b !== undefined ? Number(context.settings.b) : undefined,
    });
    // reuse only an index of this corpus with these parameters
    if (loaded.size === context.dataset.corpus.length && loaded.k1 === wanted.k1 && loaded.b === wanted.b) {
      return { index: loaded, saved: { dir, origin: 'reopened' } };
    }
  }
  const index = buildBm25(context);
  saveBm25(index, dir);
  return { index, saved: { dir, origin: 'built' } };
}

/** Wraps an index as a {@link Retriever}. */
export function bm25Retriever(index: Bm25Index, name = 'bm25'): Retriever {
  return {
    name,
    search: async (query, k) => index.search(query, k),
  };
}

export const pipelines: PipelineDefinition[] = [
  {
    name: 'bm25',
    description: 'BM25 (Lucene/Anserini scoring, English analyser, k1=0.9 b=0.4) over title+text',
    create: async (context) => {
      const { index, saved } = openBm25(context);
      return { ...bm25Retriever(index), ...(saved ? { index: saved } : {}) };
    },
  },
];
