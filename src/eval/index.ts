/** Public API of evaluation: BEIR loading, trec_eval metrics, runs, the evaluator, pipelines and reports. */
export { loadBeir, loadQrels, loadQueries, streamCorpus, type BeirDataset, type BeirDocument, type LoadBeirOptions, type Qrels } from './beir.js';
export { readJsonl, type JsonlRecord } from './jsonl.js';
export { mapAt, metricAt, mrrAt, ndcgAt, recallAt, trecOrder, type Judgements, type MetricName, type ScoredDocument } from './metrics.js';
export { DEFAULT_METRICS, evaluateRun, metricKey, parseMetric, type MetricSpec, type MetricValues, type Run, type RunEvaluation } from './run.js';
export { evaluateRetrievers, type EvaluateOptions, type EvaluationReport, type PipelineEvaluation } from './evaluate.js';
export type { Retriever, RetrievedDocument, RetrieverIndex } from './retriever.js';
export { getPipeline, listPipelines, loadPipelineModules, registerPipeline, type PipelineContext, type PipelineDefinition } from './pipeline-registry.js';
export { formatReport, reportJson, writeReportJson } from './report.js';
export { silentProgress, stderrProgress, type Progress } from './progress.js';
export type { LatencyStats } from './latency.js';
