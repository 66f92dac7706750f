/**
 * Runs (query id -> ranked documents) and their evaluation against qrels.
 */
import { MAX_K, checkK } from '../core/result-count.js';
import { ErrorCodes, TartanError } from '../core/errors.js';
import type { Qrels } from './beir.js';
import { metricAt, trecOrder, type MetricName, type ScoredDocument } from './metrics.js';

/** A run: for each query id, the retrieved documents with scores (any order; trecOrder is applied). */
export type Run = Map<string, ScoredDocument[]>;

/** A metric at a cutoff, e.g. `{ name: 'ndcg', k: 10 }`, reported as `ndcg@10`. */
export interface MetricSpec {
  name: MetricName;
  k: number;
}

/** The metrics `tartan eval` reports. */
export const DEFAULT_METRICS: readonly MetricSpec[] = [
  { name: 'ndcg', k: 10 },
  { name: 'recall', k: 100 },
  { name: 'mrr', k: 10 },
  { name: 'map', k: 100 },
];

/** Metric values keyed like `ndcg@10`. */
export type MetricValues = Record<string, number>;

/** Per-query values and their mean over the evaluated queries. */
export interface RunEvaluation {
  readonly queries: number;
  readonly mean: MetricValues;
  readonly perQuery: Map<string, MetricValues>;
}

/** Parses `ndcg@10` into a {@link MetricSpec}. */
export function parseMetric(text: string): MetricSpec {
  const m = /^(ndcg|recall|mrr|map)@(\d+)$/i.exec(text.trim());
  if (!m) throw new TartanError(ErrorCodes.INVALID_ARGUMENT, `Unknown metric "${text}"; use ndcg@K, recall@K, mrr@K or map@K with K from 1 to ${MAX_K}.`);
  // The cutoff is the depth each retriever is searched to, so it follows the rule of every search's k.
  return { name: m[1].toLowerCase() as MetricName, k: checkK(Number(m[2]), `the cutoff of metric "${text.trim()}"`) };
}

/** The key a metric is reported under. */
export function metricKey(spec: MetricSpec): string {
  return `${spec.name}@${spec.k}`;
}

/**
 * Evaluates a run. Every query in `qrels` is evaluated (a query the run lacks
 * scores 0, like `trec_eval -c`); run queries absent from `qrels` are ignored,
 * as trec_eval ignores them. A query judged only with grades <= 0 scores 0.
 *
 * @example
 * ```ts
 * const ev = evaluateRun(run, dataset.qrels);
 * console.log(ev.mean['ndcg@10']);
 * ```
 */
export function evaluateRun(run: Run, qrels: Qrels, metrics: readonly MetricSpec[] = DEFAULT_METRICS): RunEvaluation {
  const perQuery = new Map<string, MetricValues>();
  const sums: MetricValues = {};
  for (const spec of metrics) sums[metricKey(spec)] = 0;
  for (const [qid, judgements] of qrels) {
    const ordered = trecOrder(run.get(qid) ?? []);
    const values: MetricValues = {};
    for (const spec of metrics) {
      const key = metricKey(spec);
      values[key] = metricAt(spec.name, ordered, judgements, spec.k);
      sums[key] += values[key];
    }
    perQuery.set(qid, values);
  }
  const mean: MetricValues = {};
  for (const key of Object.keys(sums)) mean[key] = perQuery.size > 0 ? sums[key] / perQuery.size : 0;
  return { queries: perQuery.size, mean, perQuery };
}
