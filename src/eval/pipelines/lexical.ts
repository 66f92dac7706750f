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

/** Encodes the corpus into one packed float32 batch (rows of every document, plus offsets). */
function encodeCorpus(model: LexicalColbert, context: PipelineContext): F32Documents {
  const { corpus } = context.dataset;
  const offsets = new Uint32Array(corpus.length + 1);
  const parts: Float32Array[] = [];
  let rows = 0;
  context.progress.start('encoding lexical', corpus.length);
  for (let i = 0; i < corpus.length; i++) {
    // one row per distinct token: identical rows cannot change a maximum
    const m = model.embedText(documentText(corpus[i]), true);
    parts.push(m.data);
    rows += m.rows;
    offsets[i + 1] = rows;
    context.progress.tick();
  }
  context.progress.stop();
  const data = new Float32Array(rows * model.dim);
  for (let i = 0; i < parts.length; i++) data.set(parts[i], offsets[i] * model.dim);
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
  model.fitDocumentFrequencies(corpus.map(documentText));
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
