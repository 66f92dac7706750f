/**
 * `TartanNodePostprocessor`: a LlamaIndex.TS node postprocessor that reranks retrieved nodes by
 * their text with ColBERT MaxSim (a late-interaction model; `lexical` needs no download) or a
 * cross-encoder, keeps the best `topN` and sets each node's `score` to its rerank score (as
 * LlamaIndex's own rerankers do). Ties keep the incoming order.
 *
 * @example
 * ```ts
 * const rerank = new TartanNodePostprocessor({ model: 'lexical', topN: 3 });
 * const engine = new RetrieverQueryEngine(retriever, undefined, [rerank]);
 * ```
 */
import type { MessageContent } from '@llamaindex/core/llms';
import type { BaseNodePostprocessor } from '@llamaindex/core/postprocessor';
import { MetadataMode, type NodeWithScore } from '@llamaindex/core/schema';
import { extractText } from '@llamaindex/core/utils';
import { ErrorCodes, TartanError } from '../../core/errors.js';
import { TextReranker, type RerankerOptions } from '../shared/text-reranker.js';

/** Options of {@link TartanNodePostprocessor}. */
export type TartanNodePostprocessorOptions = RerankerOptions;

/** See the module comment. */
export class TartanNodePostprocessor implements BaseNodePostprocessor {
  private readonly reranker: TextReranker;

  constructor(options: TartanNodePostprocessorOptions = {}) {
    this.reranker = new TextReranker(options);
  }

  /** Nodes best first, at most `topN`, each with its rerank score; the query is required. */
  async postprocessNodes(nodes: NodeWithScore[], query?: MessageContent): Promise<NodeWithScore[]> {
    if (!Array.isArray(nodes)) throw new TartanError(ErrorCodes.INVALID_ARGUMENT, 'postprocessNodes takes an array of nodes with scores');
    if (query === undefined)
      throw new TartanError(ErrorCodes.INVALID_ARGUMENT, 'reranking needs the query; pass it as the second argument of postprocessNodes');
    const ranked = await this.reranker.rank(
      extractText(query),
      nodes.map((n) => n.node.getContent(MetadataMode.NONE)),
    );
    return ranked.map(({ index, score }) => ({ node: nodes[index].node, score }));
  }

  /** Releases a model loaded from an id (a model instance passed in stays the caller's). */
  close(): Promise<void> {
    return this.reranker.close();
  }
}
