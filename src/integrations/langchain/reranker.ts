/**
 * `TartanReranker`: a LangChain document compressor that reranks retrieved documents by their
 * `pageContent` with ColBERT MaxSim (a late-interaction model; `lexical` needs no download) or a
 * cross-encoder, keeps the best `topN` and records the score as `metadata.relevanceScore` (the key
 * LangChain's rerankers use). Ties keep the incoming order.
 *
 * @example
 * ```ts
 * const reranker = new TartanReranker({ model: 'lexical', topN: 3 });
 * const best = await reranker.compressDocuments(docs, 'what lowers blood pressure');
 * await reranker.close();
 * ```
 */
import type { Callbacks } from '@langchain/core/callbacks/manager';
import { Document, type DocumentInterface } from '@langchain/core/documents';
import { BaseDocumentCompressor } from '@langchain/core/retrievers/document_compressors';
import { ErrorCodes, TartanError } from '../../core/errors.js';
import { TextReranker, type RerankerOptions } from '../shared/text-reranker.js';

/** Options of {@link TartanReranker}. */
export type TartanRerankerInput = RerankerOptions;

/** See the module comment. */
export class TartanReranker extends BaseDocumentCompressor {
  private readonly reranker: TextReranker;

  constructor(fields: TartanRerankerInput = {}) {
    super();
    this.reranker = new TextReranker(fields);
  }

  /** Documents best first, at most `topN`, each a copy with `metadata.relevanceScore` set. */
  override async compressDocuments(documents: DocumentInterface[], query: string, _callbacks?: Callbacks): Promise<DocumentInterface[]> {
    if (!Array.isArray(documents)) throw new TartanError(ErrorCodes.INVALID_ARGUMENT, 'compressDocuments takes an array of LangChain documents');
    const ranked = await this.reranker.rank(
      query,
      documents.map((d) => d.pageContent),
    );
    return ranked.map(({ index, score }) => {
      const d = documents[index];
      return new Document({ pageContent: d.pageContent, metadata: { ...d.metadata, relevanceScore: score }, ...(d.id !== undefined ? { id: d.id } : {}) });
    });
  }

  /** Releases a model loaded from an id (a model instance passed in stays the caller's). */
  close(): Promise<void> {
    return this.reranker.close();
  }
}
