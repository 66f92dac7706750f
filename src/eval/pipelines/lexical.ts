/**
 * The `lexical` pipeline: the built-in lexical late-interaction model (hashed
 * character n-gram token vectors, NOT semantic) scored by exact IDF-weighted
 * MaxSim against every document. No download, no index: for air-gapped smoke
 * runs of the late-interaction machinery. Document frequencies for the query
 * weights are counted over the corpus itself.
 */
import { LexicalColbert } from '../../lexical/lexical-colbert.js';
import { TopK } from '../../lexical/top-k.js';
import { maxsim } from '../../scoring/maxsim.js';
import type { F32Documents } from '../../scoring/types.js';
import type { BeirDocument } from '../beir.js';
import type { PipelineContext, PipelineDefinition } from '../pipeline-registry.js';
import type { Retriever } from '../retriever.js';

function documentText(doc: BeirDocument): string {
  return doc.title ? `${doc.title}\n${doc.text}` : doc.text;
}

/**
 * Encodes the corpus into one packed float32 batch, one row per distinct token
 * of each document (identical rows cannot change a maximum). Terms are listed
 * first so the batch is allocated once, at its exact size, and document
 * frequencies for the query weights are counted on the way.
 */
function encodeCorpus(model: LexicalColbert, context: PipelineContext): F32Documents {
  const { corpus } = context.dataset;
  const offsets = new Uint32Array(corpus.length + 1);
  const termLists: string[][] = new Array(corpus.length);
  const df = new Map<string, number>();
  context.progress.start('analysing lexical', corpus.length);
  for (let i = 0; i < corpus.length; i++) {
    const terms = model.termsOf(documentText(corpus[i]), true);
    termLists[i] = terms;
    for (const term of terms) df.set(term, (df.get(term) ?? 0) + 1);
    offsets[i + 1] = offsets[i] + terms.length;
    context.progress.tick();
  }
  context.progress.stop();
  if (corpus.length > 0) model.setDocumentFrequencies(df, corpus.length);
  const data = new Float32Array(offsets[corpus.length] * model.dim);
  context.progress.start('encoding lexical', corpus.length);
  for (let i = 0; i < corpus.length; i++) {
    model.writeTermVectors(termLists[i], data, offsets[i]);
    context.progress.tick();
  }
  context.progress.stop();
  return { dtype: 'f32', data, offsets, dim: model.dim };
}

/**
 * Builds the lexical late-interaction retriever over a dataset. Settings:
 * `dim` (default 128).
 */
export function lexicalRetriever(context: PipelineContext): Retriever {
  const dim = context.settings.dim !== undefined ? Number(context.settings.dim) : undefined;
  const model = new LexicalColbert({ dim });
  const { corpus } = context.dataset;
  const docs = encodeCorpus(model, context);
  const idOf = (o: number) => corpus[o].id;
  let stages: Record<string, number> = {};
  return {
    name: 'lexical',
    async search(query, k) {
      const t0 = performance.now();
      const q = model.embedQuery(query);
      const weights = model.queryWeights(query);
      const t1 = performance.now();
      if (q.rows === 0) {
        stages = { encode: t1 - t0, maxsim: 0, topk: 0 };
        return [];
      }
      const { raw } = maxsim(q, docs, { variant: 'weighted', weights });
      const t2 = performance.now();
      const top = new TopK(Math.min(k, raw.length), idOf);
      for (let o = 0; o < raw.length; o++) top.push(o, raw[o]);
      const { ordinals, scores } = top.drain();
      const hits = Array.from(ordinals, (o, i) => ({ id: corpus[o].id, score: scores[i] }));
      stages = { encode: t1 - t0, maxsim: t2 - t1, topk: performance.now() - t2 };
      return hits;
    },
    stageLatencies: () => stages,
    dispose: () => model.dispose(),
  };
}

export const pipelines: PipelineDefinition[] = [
  {
    name: 'lexical',
    description: 'built-in LEXICAL late-interaction model (hashed char n-grams, not semantic), exact IDF-weighted MaxSim over all docs',
    create: async (context) => lexicalRetriever(context),
  },
];
