/**
 * `TartanLlamaRetriever`: a LlamaIndex.TS retriever over a tartan {@link Index} (ColBERT search) or
 * {@link Collection} (any pipeline). Each hit becomes a `NodeWithScore`: a `TextNode` whose `id_` is
 * the document id, `text` the stored text and `metadata` the document's metadata (plus, with
 * `explain`, the token-level `explanation`, kept out of LLM prompts and embeddings), scored with the
 * last stage's score.
 *
 * @example
 * ```ts
 * const retriever = new TartanLlamaRetriever({ index: await Index.open('./papers'), k: 3 });
 * const engine = new RetrieverQueryEngine(retriever);
 * const response = await engine.query({ query: 'what lowers blood pressure' });
 * ```
 */
import type { QueryBundle } from '@llamaindex/core/query-engine';
import { BaseRetriever } from '@llamaindex/core/retriever';
import { TextNode, type NodeWithScore } from '@llamaindex/core/schema';
import { extractText } from '@llamaindex/core/utils';
import { retrieverOptions, searchTarget, type SearchTarget, type TargetSearchOptions } from '../shared/search-target.js';

/** Options of {@link TartanLlamaRetriever}. */
export interface TartanLlamaRetrieverOptions extends TargetSearchOptions {
  /** The index or collection to search; the retriever does not close it. */
  index: SearchTarget;
}

/** Metadata keys LlamaIndex must not put in prompts or embeddings. */
const HIDDEN_KEYS = ['explanation'];

/** See the module comment. */
export class TartanLlamaRetriever extends BaseRetriever {
  readonly index: SearchTarget;
  readonly options: TargetSearchOptions;

  constructor(options: TartanLlamaRetrieverOptions) {
    super();
    this.options = retrieverOptions(options.index, options);
    this.index = options.index as SearchTarget;
  }

  override async _retrieve(params: QueryBundle): Promise<NodeWithScore[]> {
    const hits = await searchTarget(this.index, extractText(params.query), this.options);
    return hits.map((h) => ({
      node: new TextNode({
        id_: h.id,
        text: h.text,
        metadata: { ...h.metadata, ...(h.explanation ? { explanation: h.explanation } : {}) },
        excludedLlmMetadataKeys: HIDDEN_KEYS,
        excludedEmbedMetadataKeys: HIDDEN_KEYS,
      }),
      score: h.score,
    }));
  }
}
