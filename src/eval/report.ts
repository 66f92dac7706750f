/**
 * Presenting an {@link EvaluationReport}: an aligned text table for people and
 * JSON for scripts.
 */
import { writeFileSync } from 'node:fs';
import { formatTable } from '../core/text-table.js';
import type { EvaluationReport } from './evaluate.js';
import type { LatencyStats } from './latency.js';

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
    const total = p.latency_ms.total as LatencyStats | undefined;
    const stages = Object.entries(p.latency_ms)
      .filter(([stage]) => stage !== 'total')
      .map(([stage, s]) => `${stage} ${s.p50.toFixed(2)}`)
      .join(', ');
    return [
      p.name,
      ...metricKeys.map((k) => fixed(p[k], 4)),
      fixed(total?.p50, 2),
      fixed(total?.mean, 2),
      p.index_ms !== undefined ? (p.index_ms / 1000).toFixed(1) : '-',
      stages || '-',
    ];
  });
  return `${report.dataset} (${report.split}, ${report.queries} queries)\n${formatTable(header, rows)}`;
}

/** The report as JSON text (2-space indented, newline-terminated). */
export function reportJson(report: EvaluationReport): string {
  return JSON.stringify(report, null, 2) + '\n';
}

/** Writes the report as JSON to `path`. */
export function writeReportJson(path: string, report: EvaluationReport): void {
  writeFileSync(path, reportJson(report));
}
