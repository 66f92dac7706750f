/**
 * `TartanRetriever`: a LangChain retriever over a tartan {@link Index} (ColBERT search) or
 * {@link Collection} (any pipeline). Each hit becomes a `Document` whose `pageContent` is the
 * stored text and whose metadata is the document's own plus `id`, `score` (the last stage's score)
 * and, with `explain`, the token-level `explanation` of a ColBERT score. tartan's keys win over
 * document metadata of the same name.
 *
 * @example
 * ```ts
 * const index = await Index.open('./papers');
 * const retriever = new TartanRetriever({ index, k: 3, filter: { year: { $gte: 2010 } } });
 * const docs = await retriever.invoke('what lowers blood pressure');
 * ```
 */
import type { CallbackManagerForRetrieverRun } from '@langchain/core/callbacks/manager';
import { Document } from '@langchain/core/documents';
import { BaseRetriever, type BaseRetrieverInput } from '@langchain/core/retrievers';
import type { Explanation } from '../../scoring/explain.js';
import type { MetadataValue } from '../../stores/types.js';
import { retrieverOptions, searchTarget, type SearchTarget, type TargetSearchOptions } from '../shared/search-target.js';

/** The metadata of a retrieved document. */
export type TartanDocumentMetadata = Record<string, MetadataValue | Explanation | undefined> & {
  id: string;
  score: number;
  explanation?: Explanation;
};

/** Options of {@link TartanRetriever}: what to search and how, plus LangChain's own retriever fields. */
export interface TartanRetrieverInput extends BaseRetrieverInput, TargetSearchOptions {
  /** The index or collection to search; the retriever does not close it. */
  index: SearchTarget;
}

/** See the module comment. */
export class TartanRetriever extends BaseRetriever<TartanDocumentMetadata> {
  override lc_namespace = ['tartan-search', 'retrievers'];
  readonly index: SearchTarget;
  readonly options: TargetSearchOptions;

  static override lc_name(): string {
    return 'TartanRetriever';
  }

  constructor(fields: TartanRetrieverInput) {
    super(fields);
    this.options = retrieverOptions(fields.index, fields);
    this.index = fields.index as SearchTarget;
  }

  override async _getRelevantDocuments(query: string, _runManager?: CallbackManagerForRetrieverRun): Promise<Document<TartanDocumentMetadata>[]> {
    const hits = await searchTarget(this.index, query, this.options);
    return hits.map(
      (h) =>
        new Document<TartanDocumentMetadata>({
          id: h.id,
          pageContent: h.text,
          metadata: { ...h.metadata, id: h.id, score: h.score, ...(h.explanation ? { explanation: h.explanation } : {}) },
        }),
    );
  }
}
