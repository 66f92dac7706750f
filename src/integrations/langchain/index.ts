/**
 * `tartan-search/langchain`: tartan as a LangChain.js retriever and document compressor.
 * Needs `@langchain/core` (1.x), an optional peer dependency of tartan-search.
 *
 * @example
 * ```ts
 * import { Index } from 'tartan-search';
 * import { TartanRetriever, TartanReranker } from 'tartan-search/langchain';
 * const retriever = new TartanRetriever({ index: await Index.open('./papers'), k: 10 });
 * const docs = await new TartanReranker({ topN: 3 }).compressDocuments(await retriever.invoke('fever'), 'fever');
 * ```
 */
export { TartanRetriever, type TartanRetrieverInput, type TartanDocumentMetadata } from './retriever.js';
export { TartanReranker, type TartanRerankerInput } from './reranker.js';
export { TextReranker, type RankedText, type RerankKind, type RerankModel, type RerankerOptions } from '../shared/text-reranker.js';
export { DEFAULT_RETRIEVER_K, searchTarget, type SearchTarget, type TargetHit, type TargetSearchOptions } from '../shared/search-target.js';
