/**
 * Presenting an {@link EvaluationReport}: an aligned text table for people and
 * JSON for scripts.
 */
import { writeFileSync } from 'node:fs';
import { formatTable } from '../core/text-table.js';
import { parsePipeline } from '../retrieval/pipeline-spec.js';
import type { EvaluationReport, PipelineEvaluation } from './evaluate.js';
import type { LatencyStats } from './latency.js';
import type { RetrieverIndex } from './retriever.js';

function fixed(value: unknown, digits: number): string {
  return typeof value === 'number' ? value.toFixed(digits) : '-';
}

/**
 * One row per pipeline: the metrics (4 decimals, like trec_eval), the p50 and
 * mean of the whole search call, and the p50 of each reported stage.
 *
 * @example
 * ```
 * pipeline  ndcg@10  recall@100  mrr@10  map@100  p50 ms  mean ms  stages (p50 ms)
 * bm25      0.6789   0.9253      ...
 * ```
 */
export function formatReport(report: EvaluationReport): string {
  const metricKeys = [...new Set(report.pipelines.flatMap((p) => Object.keys(p).filter((k) => k.includes('@'))))];
  const header = ['pipeline', ...metricKeys, 'p50 ms', 'mean ms', 'index s', 'stages (p50 ms)'];
  const rows = report.pipelines.map((p) => {
    const total = p.latencyMs.total as LatencyStats | undefined;
    const stages = Object.entries(p.latencyMs)
      .filter(([stage]) => stage !== 'total')
      .map(([stage, s]) => `${stage} ${s.p50.toFixed(2)}`)
      .join(', ');
    return [p.name, ...metricKeys.map((k) => fixed(p[k], 4)), fixed(total?.p50, 2), fixed(total?.mean, 2), indexSeconds(p), stages || '-'];
  });
  const notes = report.notes?.length ? `\n\n${report.notes.map((n) => `- ${n}`).join('\n')}` : '';
  return `${report.dataset} (${report.split}, ${report.queries} queries)\n${formatTable(header, rows)}${notes}`;
}

/** The index column: a build time, or what happened instead (opening an index is no build). */
function indexSeconds(p: PipelineEvaluation): string {
  if (p.index?.origin === 'reopened') return 'reused';
  if (p.index?.origin === 'shared') return 'shared';
  return p.indexMs !== undefined ? (p.indexMs / 1000).toFixed(1) : '-';
}

/** One evaluated pipeline as {@link evaluationNotes} sees it. */
export interface NoteInput {
  /** The row's name (the retriever's, e.g. `colbert (lexical)`). */
  row: string;
  /** The pipeline as asked for: a registered name (`bm25`, `lexical`) or a preset or spec (`bm25>colbert`). */
  pipeline: string;
  index?: RetrieverIndex;
}

const FIRST_STAGE: Record<string, string> = {
  bm25: 'BM25 (Anserini-exact scoring)',
  dense: "the dense model's cosine search",
  colbert: "the index's late-interaction model",
};
const RERANK_STAGE: Record<string, string> = {
  colbert: "exact MaxSim with the index's late-interaction model",
  'cross-encoder': 'the cross-encoder',
};

/** What a preset or spec does, in words; undefined for a name that is neither. */
function describeSpec(name: string, kind: string | undefined): string | undefined {
  let spec;
  try {
    spec = parsePipeline(name);
  } catch {
    return undefined;
  }
  const how =
    kind === 'flat' ? 'exact MaxSim against every document (flat index)' : kind === 'plaid' ? 'PLAID: centroid candidates, then exact MaxSim' : undefined;
  const first = spec.first.map((s) => `${FIRST_STAGE[s.name] ?? s.name}${s.name === 'colbert' && how ? `, ${how}` : ''}`);
  let text = first.length > 1 ? `${first.join(' + ')}, fused by ${spec.fusion === 'rrf' ? 'reciprocal rank' : 'score'}` : first[0];
  let depth = spec.first.length === 1 ? spec.first[0].k : undefined;
  for (const r of spec.rerank) {
    text = `${depth !== undefined ? `top ${depth} of ` : ''}${text}, reranked by ${RERANK_STAGE[r.name] ?? r.name}`;
    depth = r.k;
  }
  return text;
}

const NAMED: Record<string, string> = {
  bm25: "BM25 scored as Anserini does (Lucene's English analyser, k1 0.9, b 0.4 unless --set), over title + text",
  lexical: 'the built-in lexical model scored by exact IDF-weighted MaxSim against every document (no index)',
};

/**
 * Notes printed under the table: what each row is, that the lexical model is lexical, and which
 * index times are not build times (an index reopened from `--work-dir`, or shared with an earlier row).
 *
 * @example
 * ```ts
 * evaluationNotes([{ row: 'bm25', pipeline: 'bm25' }], 'lexical')
 * // ["bm25: BM25 scored as Anserini does (...), over title + text"]
 * ```
 */
export function evaluationNotes(inputs: readonly NoteInput[], model: string): string[] {
  const notes: string[] = [];
  let usesLexical = false;
  for (const { row, pipeline, index } of inputs) {
    const meaning = NAMED[pipeline] ?? describeSpec(pipeline, index?.kind);
    if (meaning) notes.push(`${row}: ${meaning}`);
    const lateInteraction = NAMED[pipeline] === undefined && meaning?.includes('late-interaction') === true;
    if (pipeline === 'lexical' || (lateInteraction && /^lexical(:\d+)?$/.test(model))) usesLexical = true;
  }
  if (usesLexical) {
    notes.push(
      'lexical: the built-in model is lexical, not semantic: hashed character n-grams match words and word pieces, never meanings (pass --model with a ColBERT model for semantic search)',
    );
  }
  for (const [i, { row, index }] of inputs.entries()) {
    if (index?.origin === 'reopened') {
      notes.push(`${row}: index reused from ${index.dir}: build time not measured; delete that folder (or pass another --work-dir) to rebuild`);
    } else if (index?.origin === 'shared') {
      const owner = inputs.slice(0, i).find((o) => o.index?.dir === index.dir && o.index.origin !== 'shared');
      notes.push(`${row}: searches the same index as ${owner?.row ?? 'an earlier row'}, whose index time covers it`);
    }
  }
  return notes;
}

/** The report as JSON text (2-space indented, newline-terminated). */
export function reportJson(report: EvaluationReport): string {
  return JSON.stringify(report, null, 2) + '\n';
}

/** Writes the report as JSON to `path`. */
export function writeReportJson(path: string, report: EvaluationReport): void {
  writeFileSync(path, reportJson(report));
}
