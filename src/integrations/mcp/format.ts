/**
 * Tool results in two forms: plain JSON (structuredContent, camelCase keys) and
 * readable text, which is what most MCP clients put in front of the model.
 */
import type { Explanation } from '../../scoring/explain.js';
import type { RankedHit } from '../../retrieval/pipeline.js';

/** Characters of a document's text shown per hit in the readable form (structuredContent has it whole). */
const TEXT_SHOWN = 1000;

/** A hit of an index search or a pipeline, as the search tool returns it (the explanation as plain JSON). */
export type ToolHit = Omit<RankedHit, 'explanation'> & { explanation?: ExplanationJson };

/** An {@link Explanation} as plain JSON. */
export interface ExplanationJson {
  variant: string;
  raw: number;
  normalized: number;
  passage?: number;
  matches: Array<{
    queryIndex: number;
    queryToken?: string;
    docIndex: number;
    docToken?: string;
    similarity: number;
    weight: number;
    contribution: number;
    share: number;
  }>;
  queryTokens?: string[];
  docTokens?: string[];
  matrix?: number[][];
}

/** The explanation as JSON; the similarity matrix (and the token lists that label it) only when asked for. */
export function explanationJson(e: Explanation, withMatrix: boolean): ExplanationJson {
  const out: ExplanationJson = {
    variant: e.variant,
    raw: e.raw,
    normalized: e.normalized,
    ...(e.passage ? { passage: e.passage } : {}),
    matches: e.matches.map((m) => ({ ...m })),
  };
  if (withMatrix && e.matrix) {
    const { rows, cols, data } = e.matrix;
    out.matrix = Array.from({ length: rows }, (_, r) => Array.from(data.subarray(r * cols, (r + 1) * cols)));
    if (e.queryTokens) out.queryTokens = [...e.queryTokens];
    if (e.docTokens) out.docTokens = [...e.docTokens];
  }
  return out;
}

function shorten(text: string): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > TEXT_SHOWN ? `${flat.slice(0, TEXT_SHOWN)}...` : flat;
}

/** One line per query token: `query -> document  similarity  share`. */
export function explanationText(e: ExplanationJson, indent = ''): string {
  const lines = e.matches.map(
    (m) =>
      `${indent}${m.queryToken ?? `#${m.queryIndex}`} -> ${m.docToken ?? (m.docIndex >= 0 ? `#${m.docIndex}` : '-')}  ${m.similarity.toFixed(3)}  ${(m.share * 100).toFixed(1)}%`,
  );
  return [`${indent}score ${e.raw.toFixed(4)} = sum over query tokens of their best match (query token -> document token  similarity  share):`, ...lines].join(
    '\n',
  );
}

/** The readable form of a search result. */
export function searchText(index: string, pipeline: string, hits: readonly ToolHit[]): string {
  if (hits.length === 0) return `no results in index "${index}" (pipeline ${pipeline})`;
  const out = [`${hits.length} result${hits.length === 1 ? '' : 's'} from index "${index}" (pipeline ${pipeline}):`];
  for (const h of hits) {
    const norm = h.normalizedScore === undefined ? '' : `, normalised ${h.normalizedScore.toFixed(3)}`;
    out.push('', `${h.rank}. id ${h.id}  score ${h.score.toFixed(4)}${norm}${h.stage ? ` (${h.stage})` : ''}`);
    if (h.metadata && Object.keys(h.metadata).length > 0) out.push(`   metadata: ${JSON.stringify(h.metadata)}`);
    if (h.text) out.push(`   text: ${shorten(h.text)}`);
    if (h.explanation) out.push(explanationText(h.explanation, '   '));
  }
  return out.join('\n');
}

/** The readable form of one document's explanation. */
export function explainText(index: string, id: string, query: string, e: ExplanationJson, text: string | undefined): string {
  const out = [`document ${id} in index "${index}" for the query ${JSON.stringify(query)}:`, explanationText(e)];
  if (text) out.push(`text: ${shorten(text)}`);
  return out.join('\n');
}
