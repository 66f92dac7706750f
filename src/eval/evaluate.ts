/**
 * Evaluates named retrievers on a BEIR dataset: runs every judged query through
 * each retriever, scores the runs with trec_eval's metrics and times each stage.
 */
import type { BeirDataset } from './beir.js';
import { LatencyRecorder, type LatencyStats } from './latency.js';
import { silentProgress, type Progress } from './progress.js';
import type { Retriever, RetrieverIndex } from './retriever.js';
import { DEFAULT_METRICS, evaluateRun, metricKey, type MetricSpec, type Run } from './run.js';

/** One pipeline's row: metric values keyed like `ndcg@10`, plus latencies. */
export interface PipelineEvaluation {
  name: string;
  /** Metric values (`ndcg@10`, `recall@100`, `mrr@10`, `map@100` by default). */
  [metric: string]: number | string | Record<string, LatencyStats> | RetrieverIndex | undefined;
  /** Per stage: `total` (the whole search call, timed here) and each stage the retriever reports. */
  latencyMs: Record<string, LatencyStats>;
  /** Time to build or load the pipeline's index, when the caller measured it. */
  indexMs?: number;
  /** The pipeline's index and whether it was built, reopened or shared (then `indexMs` is not a build time). */
  index?: RetrieverIndex;
}

/** The report of one evaluation. */
export interface EvaluationReport {
  dataset: string;
  split: string;
  queries: number;
  pipelines: PipelineEvaluation[];
  /** What the rows mean and how to read them (`formatReport` prints them under the table); see `evaluationNotes`. */
  notes?: string[];
}

/** Options of {@link evaluateRetrievers}. */
export interface EvaluateOptions {
  metrics?: readonly MetricSpec[];
  progress?: Progress;
  /** Index build/load time per pipeline name, copied into the report. */
  indexMs?: Record<string, number>;
  /** Receives each pipeline's run (e.g. to write a TREC run file). */
  onRun?: (name: string, run: Run) => void;
}

/**
 * Runs each retriever over the dataset's judged queries, sequentially (so
 * latencies are not disturbed by another pipeline), and evaluates the runs.
 * Each retriever is asked for as many documents as the largest metric cutoff.
 *
 * @example
 * ```ts
 * const ds = await loadBeir('../shared/datasets/scifact');
 * const report = await evaluateRetrievers(ds, [bm25Retriever]);
 * console.log(report.pipelines[0]['ndcg@10']);
 * ```
 */
export async function evaluateRetrievers(dataset: BeirDataset, retrievers: readonly Retriever[], options: EvaluateOptions = {}): Promise<EvaluationReport> {
  const metrics = options.metrics ?? DEFAULT_METRICS;
  const depth = Math.max(...metrics.map((m) => m.k));
  const progress = options.progress ?? silentProgress;
  const pipelines: PipelineEvaluation[] = [];
  for (const retriever of retrievers) {
    const latencies = new LatencyRecorder();
    const run: Run = new Map();
    progress.start(`querying ${retriever.name}`, dataset.queries.size);
    try {
      for (const [qid, text] of dataset.queries) {
        const started = performance.now();
        const hits = await retriever.search(text, depth, qid);
        latencies.record('total', performance.now() - started);
        const stages = retriever.stageLatencies?.() ?? {};
        for (const [stage, ms] of Object.entries(stages)) latencies.record(stage, ms);
        run.set(qid, hits);
        progress.tick();
      }
    } finally {
      progress.stop();
    }
    options.onRun?.(retriever.name, run);
    const evaluation = evaluateRun(run, dataset.qrels, metrics);
    const metricValues: Record<string, number> = {};
    for (const spec of metrics) metricValues[metricKey(spec)] = round4(evaluation.mean[metricKey(spec)]);
    const row: PipelineEvaluation = { name: retriever.name, ...metricValues, latencyMs: latencies.summary() };
    if (options.indexMs?.[retriever.name] !== undefined) row.indexMs = Math.round(options.indexMs[retriever.name]);
    if (retriever.index) row.index = retriever.index;
    pipelines.push(row);
  }
  return { dataset: dataset.name, split: dataset.split, queries: dataset.qrels.size, pipelines };
}

/** trec_eval prints 4 decimals; so do we. */
function round4(v: number): number {
  return Math.round(v * 10000) / 10000;
}
export type { Retriever, RetrievedDocument } from './retriever.js';
