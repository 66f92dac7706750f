/**
 * The stages a pipeline is made of. A first stage turns query text into
 * candidates; a rerank stage rescores given candidates. Each stage reports its
 * own latency through the pipeline that runs it.
 */
import type { Index } from './index-facade.js';
import type { CrossEncoder } from '../models/types.js';
import type { MetadataFilter, SearchHit } from '../stores/types.js';
import type { ScoredId } from './fusion.js';
import type { SideIndex } from './side-index.js';

/** A candidate carried through a pipeline; `hit` keeps the ColBERT details when a ColBERT stage scored it. */
export interface Candidate extends ScoredId {
  hit?: SearchHit;
}

export interface StageQuery {
  text: string;
  filter?: MetadataFilter;
}

/** Produces candidates from the whole collection. */
export interface FirstStage {
  readonly name: string;
  retrieve(query: StageQuery, k: number): Promise<Candidate[]>;
}

/** Rescores candidates from an earlier stage; returns at most k, best first. */
export interface RerankStage {
  readonly name: string;
  rerank(query: StageQuery, candidates: readonly Candidate[], k: number): Promise<Candidate[]>;
}

function fromHits(hits: readonly SearchHit[]): Candidate[] {
  return hits.map((hit) => ({ id: hit.id, score: hit.score, hit }));
}

/** A side index (BM25, dense, ...) as a first stage named after it; it may ignore metadata filters (a later ColBERT stage applies them). */
export function sideStage(side: SideIndex): FirstStage {
  return {
    name: side.name,
    async retrieve(q, k) {
      const found = await side.search({ text: q.text, ...(q.filter ? { filter: q.filter } : {}) }, k);
      return found.map((h) => ({ id: h.id, score: h.score }));
    },
  };
}

/** ColBERT search over the index (PLAID stages or flat), with metadata filters. */
export function colbertStage(index: Index): FirstStage {
  return { name: 'colbert', retrieve: async (q, k) => fromHits(await index.search(q.text, { k, ...(q.filter ? { filter: q.filter } : {}) })) };
}

/** Exact ColBERT MaxSim over the given candidates only. */
export function colbertRerank(index: Index): RerankStage {
  return {
    name: 'colbert',
    async rerank(q, candidates, k) {
      if (candidates.length === 0) return [];
      return fromHits(await index.search(q.text, { k, candidates: candidates.map((c) => c.id), ...(q.filter ? { filter: q.filter } : {}) }));
    },
  };
}

/** Cross-encoder reranking; document texts come from `texts` (e.g. the index's stored text). */
export function crossEncoderRerank(encoder: CrossEncoder, texts: (ids: readonly string[]) => Promise<Map<string, string>>): RerankStage {
  return {
    name: 'cross-encoder',
    async rerank(q, candidates, k) {
      const byId = await texts(candidates.map((c) => c.id));
      const kept = candidates.filter((c) => byId.has(c.id));
      const scored: Candidate[] = [];
      let i = 0;
      for await (const s of encoder.rerank(
        q.text,
        kept.map((c) => byId.get(c.id)!),
      )) {
        const c = kept[i++];
        scored.push({ id: c.id, score: s, ...(c.hit ? { hit: c.hit } : {}) });
      }
      // stable sort: equal logits keep the earlier stage's order
      return scored.sort((a, b) => b.score - a.score).slice(0, k);
    },
  };
}
