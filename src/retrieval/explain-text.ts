/**
 * Explanations over texts: row labels from an encoder's tokens, and
 * explanations of texts encoded here (no index), for `tartan explain`, the
 * server's compare view and its rerank scores. The vectors encoded here are the
 * ones the score comes from, so score and explanation agree.
 */
import type { LateInteractionEncoder } from '../models/types.js';
import type { TokenMatrix } from '../core/tensors.js';
import { ErrorCodes, TartanError } from '../core/errors.js';
import { explainMaxSim, type ExplainOptions, type Explanation } from '../scoring/explain.js';

/**
 * Labels of a text's token rows: the texts of the tokens that received vectors, or `#i`
 * where they do not line up one to one with the rows (pooled or chunked passages).
 */
export function tokenLabels(encoder: LateInteractionEncoder, text: string | undefined, isQuery: boolean, rows: number): string[] {
  const tokens = text === undefined ? [] : encoder.vectorTokens(text, isQuery);
  return tokens.length === rows ? tokens.map((t) => t.text) : Array.from({ length: rows }, (_, i) => `#${i}`);
}

/**
 * Encodes a query and documents with `encoder` and explains each document's MaxSim score,
 * with token labels; `raw` and `normalized` of each explanation are that document's score.
 * @example const [e] = await explainTexts(encoder, 'what lowers fever', ['Aspirin lowers fever.'], { matrix: true });
 */
export async function explainTexts(
  encoder: LateInteractionEncoder,
  query: string,
  documents: readonly string[],
  options: Pick<ExplainOptions, 'variant' | 'matrix'> = {},
): Promise<Explanation[]> {
  let q: TokenMatrix | undefined;
  for await (const m of encoder.queryEmbed([query])) {
    q = m;
    break;
  }
  if (!q) throw new TartanError(ErrorCodes.INTERNAL, 'the encoder returned no matrix for the query');
  const queryTokens = tokenLabels(encoder, query, true, q.rows);
  const out: Explanation[] = [];
  for await (const d of encoder.passageEmbed(documents)) {
    const text = documents[out.length];
    out.push(explainMaxSim(q, d, { ...options, queryTokens, docTokens: tokenLabels(encoder, text, false, d.rows) }));
  }
  return out;
}
