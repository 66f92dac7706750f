/**
 * `tartan-search/llamaindex`: tartan as a LlamaIndex.TS retriever and node postprocessor.
 * Needs `@llamaindex/core` (0.6.x), an optional peer dependency of tartan-search.
 *
 * @example
 * ```ts
 * import { Index } from 'tartan-search';
 * import { TartanLlamaRetriever, TartanNodePostprocessor } from 'tartan-search/llamaindex';
 * import { RetrieverQueryEngine } from '@llamaindex/core/query-engine';
 * const retriever = new TartanLlamaRetriever({ index: await Index.open('./papers'), k: 10 });
 * const engine = new RetrieverQueryEngine(retriever, undefined, [new TartanNodePostprocessor({ topN: 3 })]);
 * ```
 */
export { TartanLlamaRetriever, type TartanLlamaRetrieverOptions } from './retriever.js';
export { TartanNodePostprocessor, type TartanNodePostprocessorOptions } from './postprocessor.js';
export { TextReranker, type RankedText, type RerankKind, type RerankModel, type RerankerOptions } from '../shared/text-reranker.js';
export { DEFAULT_RETRIEVER_K, searchTarget, type SearchTarget, type TargetHit, type TargetSearchOptions } from '../shared/search-target.js';
