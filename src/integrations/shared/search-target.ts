/**
 * What the framework retrievers search: an {@link Index} (ColBERT search) or a {@link Collection}
 * (any pipeline), behind one call that always returns hits with their texts. Framework-free, so the
 * LangChain and LlamaIndex integrations share it without either importing the other's framework.
 *
 * @example
 * const hits = await searchTarget(collection, 'what lowers fever', { k: 3, pipeline: 'bm25>colbert' });
 */
import { ErrorCodes, TartanError, describeValue } from '../../core/errors.js';
import { checkK } from '../../core/result-count.js';
import { Collection } from '../../retrieval/collection.js';
import { Index } from '../../retrieval/index-facade.js';
import { explainCount, type ExplainOption } from '../../retrieval/explain-hits.js';
import type { Explanation } from '../../scoring/explain.js';
import type { MetadataFilter, MetadataValue } from '../../stores/types.js';

/** An index or a collection; only a collection runs pipelines. */
export type SearchTarget = Index | Collection;

/** Search options shared by the framework retrievers. */
export interface TargetSearchOptions {
  /** Hits to return, 1 to 10,000; default 4 (LangChain's usual retriever depth). */
  k?: number;
  /** Metadata filter, as for {@link Index.search}. */
  filter?: MetadataFilter;
  /** A pipeline preset or spec (`bm25>colbert`, `hybrid`, ...); needs a {@link Collection}. */
  pipeline?: string;
  /** Attach the token-level explanation of ColBERT scores (true: every hit; n: the best n). */
  explain?: ExplainOption;
}

/** A hit as the retrievers hand it on: its text is always there (empty when the index stores none). */
export interface TargetHit {
  id: string;
  rank: number;
  score: number;
  text: string;
  metadata: Record<string, MetadataValue>;
  explanation?: Explanation;
}

/** The default `k` of the framework retrievers. */
export const DEFAULT_RETRIEVER_K = 4;

/** Throws for a target that is not an Index or a Collection, a pipeline asked of an Index, or a bad k or explain (early, when a retriever is made). */
export function checkTarget(target: unknown, options: TargetSearchOptions): asserts target is SearchTarget {
  if (!(target instanceof Index) && !(target instanceof Collection))
    throw new TartanError(
      ErrorCodes.INVALID_ARGUMENT,
      `the retriever searches a tartan Index or Collection, got ${describeValue(target)}; open one with Index.open(dir) or Collection.open(dir)`,
    );
  if (options.pipeline !== undefined && !(target instanceof Collection))
    throw new TartanError(
      ErrorCodes.INVALID_ARGUMENT,
      `pipeline "${String(options.pipeline)}" needs a Collection; wrap the index with Collection.attach(index) or open it with Collection.open(dir)`,
    );
  if (options.k !== undefined) checkK(options.k);
  explainCount(options.explain, 0);
}

/**
 * The search options a retriever keeps from its fields (only those given), checked against `target` with {@link checkTarget}.
 * @example const options = retrieverOptions(index, { k: 5 }); // { k: 5 }
 */
export function retrieverOptions(target: unknown, fields: TargetSearchOptions): TargetSearchOptions {
  const { k, filter, pipeline, explain } = fields;
  const options: TargetSearchOptions = {
    ...(k !== undefined ? { k } : {}),
    ...(filter !== undefined ? { filter } : {}),
    ...(pipeline !== undefined ? { pipeline } : {}),
    ...(explain !== undefined ? { explain } : {}),
  };
  checkTarget(target, options);
  return options;
}

/** Searches `target` for `query`; hits are best first, with texts read from the index where a pipeline stage left them out. */
export async function searchTarget(target: SearchTarget, query: string, options: TargetSearchOptions = {}): Promise<TargetHit[]> {
  checkTarget(target, options);
  const k = options.k ?? DEFAULT_RETRIEVER_K;
  const search = { k, ...(options.filter ? { filter: options.filter } : {}), ...(options.explain !== undefined ? { explain: options.explain } : {}) };
  const hits =
    target instanceof Collection
      ? (await target.search(query, { ...search, ...(options.pipeline !== undefined ? { pipeline: options.pipeline } : {}) })).hits
      : await target.search(query, search);
  // A first stage other than ColBERT (BM25, dense) returns ids only: the index holds their text and metadata.
  const index = target instanceof Collection ? target.index : target;
  const lacking = hits.filter((h) => h.text === undefined).map((h) => h.id);
  const stored = new Map(lacking.length > 0 ? (await index.store.get(lacking)).map((d) => [d.id, d]) : []);
  return hits.map((h) => {
    const doc = stored.get(h.id);
    const text = h.text ?? (typeof doc?.text === 'string' ? doc.text : '');
    return {
      id: h.id,
      rank: h.rank,
      score: h.score,
      text,
      metadata: { ...(h.metadata ?? doc?.metadata ?? {}) },
      ...(h.explanation ? { explanation: h.explanation } : {}),
    };
  });
}
