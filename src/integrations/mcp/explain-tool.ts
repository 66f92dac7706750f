/** The `explain` tool: how one document's MaxSim score for a query adds up, token by token. */
import { ErrorCodes, TartanError } from '../../core/errors.js';
import type { ServedIndexes } from './served-indexes.js';
import { explainText, explanationJson } from './format.js';
import type { ToolOutput } from './tool-output.js';

/** Arguments of the explain tool (see schemas.ts). */
export interface ExplainArgs {
  query: string;
  id: string;
  index?: string;
  matrix?: boolean;
}

/**
 * Explains document `id` from the vectors the index scores it with, the query encoded and weighted
 * as a search encodes it: the explanation's total is the score a search gives that document.
 */
export async function runExplain(indexes: ServedIndexes, args: ExplainArgs): Promise<ToolOutput> {
  const entry = indexes.get(args.index);
  const index = entry.collection.index;
  const [doc] = await index.store.get([args.id]);
  const missing = () =>
    new TartanError(ErrorCodes.DOCUMENT_NOT_FOUND, `no document with id "${args.id}" in index "${entry.name}"; search first and pass the id of a hit`, {
      details: { id: args.id },
    });
  if (!doc) throw missing();
  const [explained] = await index.explain(args.query, [
    { id: doc.id, rank: 1, score: 0, normalizedScore: 0, ...(doc.text !== undefined ? { text: doc.text } : {}) },
  ]);
  // Deleted between the two reads.
  if (!explained?.explanation) throw missing();
  const e = explanationJson(explained.explanation, args.matrix === true);
  return {
    text: explainText(entry.name, doc.id, args.query, e, doc.text),
    structured: {
      index: entry.name,
      query: args.query,
      id: doc.id,
      score: e.raw,
      normalizedScore: e.normalized,
      ...(doc.text !== undefined ? { text: doc.text } : {}),
      explanation: e,
    },
  };
}
