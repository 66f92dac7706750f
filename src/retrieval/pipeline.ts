/**
 * Runs a {@link PipelineSpec} over the components of a collection: first
 * stages (fused when several), then rerank stages, with k per stage and the
 * latency of each stage.
 *
 * @example
 * const p = Pipeline.build('bm25>colbert', { colbert: index, sides: [bm25Side] });
 * const { hits, latencyMs } = await p.search('what lowers fever', { k: 10 });
 */
import { performance } from 'node:perf_hooks';
import { ErrorCodes, TartanError } from '../core/errors.js';
import { checkK } from '../core/result-count.js';
import type { Index } from './index-facade.js';
import type { CrossEncoder } from '../models/types.js';
import type { MetadataFilter, MetadataValue } from '../stores/types.js';
import type { SideIndex } from './side-index.js';
import { normalizedScoreFusion, reciprocalRankFusion } from './fusion.js';
import { parsePipeline, type PipelineSpec } from './pipeline-spec.js';
import { explainCount, type ExplainOption } from './explain-hits.js';
import type { Explanation } from '../scoring/explain.js';
import { colbertRerank, colbertStage, crossEncoderRerank, sideStage, type Candidate, type FirstStage, type RerankStage } from './stages.js';

/** What a pipeline can draw on; only the parts its stages name are needed. */
export interface PipelineComponents {
  colbert?: Index;
  /** Side indexes (BM25, dense, ...); a first stage uses the one of its name. */
  sides?: readonly SideIndex[];
  crossEncoder?: CrossEncoder;
  /** Document texts for the cross-encoder; defaults to the ColBERT index's stored text. */
  texts?: (ids: readonly string[]) => Promise<Map<string, string>>;
}

export interface PipelineSearchOptions {
  /** Hits to return: an integer from 1 to 10,000 (`checkK`, src/core/result-count.ts); default 10. */
  k?: number;
  filter?: MetadataFilter;
  /** Explain the hits a ColBERT stage scored (true: all; n: among the best n hits); see {@link PipelineHit.explanation}. */
  explain?: ExplainOption;
}

/** A final result. `score` is the last stage's score; `normalizedScore` is set when ColBERT scored last. */
export interface PipelineHit {
  id: string;
  rank: number;
  score: number;
  normalizedScore?: number;
  /** The stage whose score `score` is. */
  stage: string;
  text?: string;
  metadata?: Record<string, MetadataValue>;
  /**
   * With `explain`, for a hit a ColBERT stage scored: how its ColBERT score (`explanation.raw`) adds up
   * token by token, from the vectors the index scored. That is `score` when `stage` is colbert.
   */
  explanation?: Explanation;
}

/** An index hit or a pipeline hit (`stage` only on the second): what code that shows either kind reads. */
export type RankedHit = Omit<PipelineHit, 'stage'> & { stage?: string };

export interface PipelineResult {
  hits: PipelineHit[];
  /** Milliseconds per stage, in run order (`fusion` when first stages were fused). */
  latencyMs: Record<string, number>;
}

/** First-stage depth when later stages rerank and the spec gives none. */
const DEFAULT_CANDIDATES = 100;

function missing(what: string, spec: PipelineSpec, hint: string): TartanError {
  return new TartanError(ErrorCodes.INVALID_ARGUMENT, `pipeline "${spec.name}" needs ${what}, which this collection does not have; ${hint}`);
}

export class Pipeline {
  private constructor(
    readonly spec: PipelineSpec,
    private readonly first: FirstStage[],
    private readonly reranks: RerankStage[],
    private readonly colbert?: Index,
  ) {}

  /** Binds a spec (or preset name) to components; throws when a stage's component is missing. */
  static build(spec: PipelineSpec | string, c: PipelineComponents): Pipeline {
    const sides = c.sides ?? [];
    const s =
      typeof spec === 'string'
        ? parsePipeline(
            spec,
            'rrf',
            sides.map((x) => x.name),
          )
        : spec;
    const texts = c.texts ?? (c.colbert ? indexTexts(c.colbert) : undefined);
    const first = s.first.map((st): FirstStage => {
      if (st.name === 'colbert') {
        if (!c.colbert) throw missing('a ColBERT index', s, 'open a tartan index');
        return colbertStage(c.colbert);
      }
      const side = sides.find((x) => x.name === st.name);
      if (side) return sideStage(side);
      if (st.name === 'bm25') throw missing('a BM25 index', s, 'index with BM25 enabled (the default for file indexes)');
      if (st.name === 'dense') throw missing('a dense model and index', s, 'index with --dense-model <id|path>');
      if (st.name === 'muvera')
        throw missing('the MUVERA side index', s, 'open the collection with { muvera: true } (the CLI and tartan eval do when a pipeline names muvera)');
      throw missing(`a side index named "${st.name}"`, s, 'pass it in Collection.open(location, { sideIndexes })');
    });
    const reranks = s.rerank.map((st): RerankStage => {
      if (st.name === 'colbert') {
        if (!c.colbert) throw missing('a ColBERT index', s, 'open a tartan index');
        return colbertRerank(c.colbert);
      }
      if (!c.crossEncoder) throw missing('a cross-encoder', s, 'pass --cross-encoder-model <id|path>');
      if (!texts) throw missing('document texts', s, 'store texts in the index');
      return crossEncoderRerank(c.crossEncoder, texts);
    });
    return new Pipeline(s, first, reranks, c.colbert);
  }

  async search(query: string, options: PipelineSearchOptions = {}): Promise<PipelineResult> {
    const k = checkK(options.k ?? 10);
    const explain = explainCount(options.explain, k);
    if (typeof query !== 'string' || query.trim() === '') throw new TartanError(ErrorCodes.EMPTY_TEXT, 'the query is empty; pass some text to search for');
    const q = { text: query, ...(options.filter ? { filter: options.filter } : {}) };
    const latencyMs: Record<string, number> = {};
    const timed = async <T>(name: string, fn: () => Promise<T>): Promise<T> => {
      const t0 = performance.now();
      try {
        return await fn();
      } finally {
        latencyMs[name] = (latencyMs[name] ?? 0) + performance.now() - t0;
      }
    };

    const lastIsFirst = this.reranks.length === 0;
    const lists = await Promise.all(
      this.first.map((stage, i) => {
        const depth = this.spec.first[i].k ?? (lastIsFirst && this.first.length === 1 ? k : Math.max(DEFAULT_CANDIDATES, k));
        return timed(stage.name, () => stage.retrieve(q, depth));
      }),
    );
    let candidates: Candidate[];
    if (lists.length === 1) candidates = lists[0];
    else {
      candidates = await timed('fusion', async () => {
        const fused = this.spec.fusion === 'score' ? normalizedScoreFusion(lists) : reciprocalRankFusion(lists);
        const hitOf = new Map<string, Candidate>();
        for (const list of lists) for (const c of list) if (c.hit && !hitOf.has(c.id)) hitOf.set(c.id, c);
        return fused.map((f) => ({ ...f, ...(hitOf.get(f.id)?.hit ? { hit: hitOf.get(f.id)!.hit } : {}) }));
      });
    }
    let stage = lists.length === 1 ? this.first[0].name : `fusion(${this.spec.fusion})`;
    for (let i = 0; i < this.reranks.length; i++) {
      const last = i === this.reranks.length - 1;
      const depth = last ? k : (this.spec.rerank[i].k ?? Math.max(DEFAULT_CANDIDATES, k));
      const r = this.reranks[i];
      candidates = await timed(`${r.name}-rerank`, () => r.rerank(q, candidates, depth));
      stage = r.name;
    }
    const hits = candidates.slice(0, k).map((c, rank): PipelineHit => ({
      id: c.id,
      rank: rank + 1,
      score: c.score,
      stage,
      ...(c.hit && c.hit.score === c.score ? { normalizedScore: c.hit.normalizedScore } : {}),
      ...(c.hit?.text !== undefined ? { text: c.hit.text } : {}),
      ...(c.hit?.metadata ? { metadata: c.hit.metadata } : {}),
    }));
    if (explain > 0 && this.colbert) await this.attachExplanations(query, candidates.slice(0, Math.min(explain, hits.length)), hits);
    return { hits, latencyMs };
  }

  /** Explains the ColBERT scores of the candidates a ColBERT stage scored (in `hits`, same order). */
  private async attachExplanations(query: string, candidates: readonly Candidate[], hits: PipelineHit[]): Promise<void> {
    const scored = candidates.flatMap((c, i) => (c.hit ? [{ hit: c.hit, i }] : []));
    const explained = await this.colbert!.explain(
      query,
      scored.map((s) => s.hit),
    );
    explained.forEach((e, j) => {
      if (e.explanation) hits[scored[j].i].explanation = e.explanation;
    });
  }
}

/** Reads document texts from a ColBERT index's store. */
function indexTexts(index: Index): (ids: readonly string[]) => Promise<Map<string, string>> {
  return async (ids) => {
    const docs = await index.store.get(ids);
    return new Map(docs.filter((d) => typeof d.text === 'string').map((d) => [d.id, d.text as string]));
  };
}
