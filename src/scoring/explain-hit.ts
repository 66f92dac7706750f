/**
 * Token-level explanations of hits: the hit's text is encoded again with the
 * index's model (exact vectors, one per token with its text) and explained
 * against the query with the scoring module's explainMaxSim. For compressed
 * or pooled indexes the explained score can differ slightly from the hit's.
 */
import type { LateInteractionEncoder } from '../models/types.js';
import type { SearchHit } from '../stores/types.js';
import type { TokenMatrix } from '../core/tensors.js';
import { explainMaxSim } from './explain.js';
import type { Explanation } from './explain.js';

/** One hit's explanation, or undefined when the hit has no stored text. */
export async function explainHit(encoder: LateInteractionEncoder, queryText: string, query: TokenMatrix, hit: Pick<SearchHit, 'text'>, options: { weights?: Float32Array } = {}): Promise<Explanation | undefined> {
  if (hit.text === undefined || hit.text.trim().length === 0) return undefined;
  let doc: TokenMatrix | undefined;
  for await (const m of encoder.passageEmbed([hit.text])) doc = m;
  if (!doc) return undefined;
  const qTokens = encoder.vectorTokens(queryText, true).map((t) => t.text);
  const dTokens = encoder.vectorTokens(hit.text, false).map((t) => t.text);
  return explainMaxSim(query, doc, {
    ...(qTokens.length === query.rows ? { queryTokens: qTokens } : {}),
    ...(dTokens.length === doc.rows ? { docTokens: dTokens } : {}),
    ...(options.weights ? { variant: 'weighted' as const, weights: options.weights } : {}),
  });
}
