/** `tartan eval`: BEIR evaluation of one or more pipelines (nDCG@10, Recall@100, MRR@10, MAP@100, latency). */
import type { Command } from 'commander';
import { ErrorCodes, TartanError } from '../../core/errors.js';
import { loadBeir } from '../../eval/beir.js';
import { evaluateRetrievers } from '../../eval/evaluate.js';
import { getPipeline, listPipelines, loadPipelineModules, type PipelineDefinition } from '../../eval/pipeline-registry.js';
import { collectionPipeline } from '../../eval/pipelines/presets.js';
import { isTartanError } from '../../core/errors.js';
import { silentProgress, stderrProgress, type Progress } from '../../eval/progress.js';
import { evaluationNotes, formatReport, writeReportJson } from '../../eval/report.js';
import type { Retriever } from '../../eval/retriever.js';
import { evaluateVectors, parseVectorPipelines, parseVectorSettings } from '../../eval/vectors-eval.js';
import { loadVectors } from '../../core/vectors-file.js';

interface EvalOptions {
  dataset?: string;
  pipeline?: string;
  vectors?: string;
  split: string;
  limitQueries?: string;
  json?: string;
  workDir?: string;
  set: string[];
  list?: boolean;
  progress: boolean;
  model?: string;
  denseModel?: string;
  crossEncoderModel?: string;
  representation?: string[];
  rerankCandidates?: string;
}

/** A registered pipeline, else a pipeline spec such as `bm25:200>colbert` run over a tartan index. */
function pipelineFor(name: string): PipelineDefinition {
  try {
    return getPipeline(name);
  } catch (e) {
    if (!isTartanError(e, ErrorCodes.UNKNOWN_PIPELINE) || !/[>+:]/.test(name)) throw e;
    return collectionPipeline(name);
  }
}

function parseSettings(pairs: readonly string[]): Record<string, string> {
  const settings: Record<string, string> = {};
  for (const pair of pairs) {
    const eq = pair.indexOf('=');
    if (eq <= 0) throw new TartanError(ErrorCodes.INVALID_ARGUMENT, `--set expects key=value (e.g. --set k1=1.2), got "${pair}".`);
    settings[pair.slice(0, eq)] = pair.slice(eq + 1);
  }
  return settings;
}

/** `--vectors`: the exact and colbert pipelines over a saved vectors file (no model involved). */
async function evalVectors(opts: EvalOptions & { dataset: string; vectors: string }, limitQueries: number | undefined, progress: Progress): Promise<void> {
  for (const [flag, value] of [
    ['--model', opts.model],
    ['--dense-model', opts.denseModel],
    ['--cross-encoder-model', opts.crossEncoderModel],
  ] as const) {
    if (value) throw new TartanError(ErrorCodes.INVALID_ARGUMENT, `${flag} does not apply with --vectors: the vectors are encoded already; leave it out.`);
  }
  const representations = opts.representation ?? [];
  const pipelines = parseVectorPipelines(
    (opts.pipeline ?? (representations.length > 0 ? 'exact' : 'exact,colbert'))
      .split(',')
      .map((s) => s.trim())
      .filter((s) => s.length > 0),
  );
  if (pipelines.length === 0)
    throw new TartanError(ErrorCodes.INVALID_ARGUMENT, '--pipeline needs at least one name; with --vectors use exact and/or colbert.');
  const settings = parseVectorSettings(parseSettings(opts.set));
  const collection = loadVectors(opts.vectors);
  const dataset = await loadBeir(opts.dataset, { split: opts.split, limitQueries });
  const report = await evaluateVectors(dataset, collection, {
    pipelines,
    representations,
    ...(opts.rerankCandidates !== undefined ? { rerank: Number(opts.rerankCandidates) } : {}),
    settings,
    workDir: opts.workDir,
    label: opts.vectors,
    progress,
    log: (line) => process.stderr.write(`${line}\n`),
  });
  console.log(formatReport(report));
  if (opts.json) writeReportJson(opts.json, report);
}

export function register(program: Command): void {
  program
    .command('eval')
    .description('evaluate retrieval pipelines on a BEIR dataset (corpus.jsonl, queries.jsonl, qrels/<split>.tsv) with trec_eval metrics')
    .option('--dataset <dir>', 'BEIR dataset folder, e.g. ../shared/datasets/scifact')
    .option('--pipeline <names>', 'comma-separated pipeline names (see --list; default bm25, or exact,colbert with --vectors)')
    .option('--split <name>', 'qrels split', 'test')
    .option('--limit-queries <n>', 'evaluate only the first N judged queries')
    .option('--json <file>', 'also write the report as JSON to this file')
    .option(
      '--vectors <file>',
      'evaluate a saved vectors file (bench search --save-vectors) instead of a model: pipelines exact (exhaustive MaxSim) and colbert (an index of the vectors; --set nbits, centroids, pool-factor, nprobe, ndocs, mode=flat)',
    )
    .option(
      '--representation <kind>',
      'with --vectors, repeatable: also evaluate poly:<M> (M code vectors per document, 1-64; MaxSim and attention scoring) or muvera[:k_sim=5,dim_proj=16,r_reps=20,seed=42] (fixed-dimensional encodings, with and without an exact MaxSim rerank); the default pipelines become exact only',
      (v: string, acc: string[] | undefined) => [...(acc ?? []), v],
    )
    .option('--rerank-candidates <n>', 'with --representation muvera: candidates reranked by exact MaxSim (default 100)')
    .option('--work-dir <dir>', 'persist and reuse indexes here (default: build in memory)')
    .option('--set <key=value>', 'pipeline setting, repeatable (e.g. --set k1=1.2 --set b=0.75)', (v: string, acc: string[]) => [...acc, v], [] as string[])
    .option('--model <id|path>', 'ColBERT model for the index-based pipelines (default: lexical, the built-in download-free model)')
    .option('--dense-model <id|path>', 'dense model for dense and hybrid pipelines')
    .option('--cross-encoder-model <id|path>', 'cross-encoder for the colbert>cross-encoder pipeline')
    .option('--list', 'list the available pipelines and exit')
    .option('--no-progress', 'no progress on stderr (a bar on a terminal, else a line every few seconds)')
    .addHelpText(
      'after',
      '\nExample:\n  tartan eval --dataset ../shared/datasets/scifact --pipeline bm25,lexical --json scifact.json\n  tartan eval --dataset ../shared/datasets/scifact --pipeline "colbert,bm25>colbert,hybrid" --model lexical --dense-model ./bge --work-dir ./work\n  tartan eval --dataset ../shared/datasets/scifact --vectors scifact.vectors --set nbits=4 --json vectors.json',
    )
    .action(async (opts: EvalOptions) => {
      await loadPipelineModules();
      if (opts.list) {
        for (const p of listPipelines()) console.log(`${p.name.padEnd(16)} ${p.description}`);
        return;
      }
      if (!opts.dataset) throw new TartanError(ErrorCodes.INVALID_ARGUMENT, 'Missing --dataset <dir>: pass a BEIR folder such as ../shared/datasets/scifact.');
      let limitQueries: number | undefined;
      if (opts.limitQueries !== undefined) {
        limitQueries = Number(opts.limitQueries);
        if (!Number.isInteger(limitQueries) || limitQueries < 1)
          throw new TartanError(ErrorCodes.INVALID_ARGUMENT, `--limit-queries must be a positive integer, got "${opts.limitQueries}".`);
      }
      // A bar on a terminal, plain lines every few seconds elsewhere; TARTAN_PROGRESS=1 forces the bar.
      const progress = opts.progress ? stderrProgress(process.env.TARTAN_PROGRESS === '1' ? { bar: true } : {}) : silentProgress;
      if (opts.representation && !opts.vectors)
        throw new TartanError(
          ErrorCodes.INVALID_ARGUMENT,
          '--representation evaluates the documents of a vectors file: add --vectors <file> (e.g. from `tartan bench make-vectors`).',
        );
      if (opts.vectors) return evalVectors({ ...opts, dataset: opts.dataset, vectors: opts.vectors }, limitQueries, progress);
      const names = (opts.pipeline ?? 'bm25')
        .split(',')
        .map((s) => s.trim())
        .filter((s) => s.length > 0);
      if (names.length === 0) throw new TartanError(ErrorCodes.INVALID_ARGUMENT, '--pipeline needs at least one name; run `tartan eval --list` to see them.');
      const definitions = names.map(pipelineFor);
      const settings = parseSettings(opts.set);
      if (opts.model) settings.model = opts.model;
      if (opts.denseModel) settings['dense-model'] = opts.denseModel;
      if (opts.crossEncoderModel) settings['cross-encoder-model'] = opts.crossEncoderModel;
      const dataset = await loadBeir(opts.dataset, { split: opts.split, limitQueries });

      const retrievers: Retriever[] = [];
      const indexMs: Record<string, number> = {};
      try {
        for (const definition of definitions) {
          const started = performance.now();
          const retriever = await definition.create({ dataset, workDir: opts.workDir, progress, settings });
          indexMs[retriever.name] = performance.now() - started;
          retrievers.push(retriever);
        }
        const report = await evaluateRetrievers(dataset, retrievers, { progress, indexMs });
        report.notes = evaluationNotes(
          retrievers.map((r, i) => ({ row: r.name, pipeline: definitions[i].name, ...(r.index ? { index: r.index } : {}) })),
          settings.model ?? 'lexical',
        );
        console.log(formatReport(report));
        if (opts.json) writeReportJson(opts.json, report);
      } finally {
        for (const r of retrievers) await r.dispose?.();
      }
    });
}
