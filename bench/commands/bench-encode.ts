/** `tartan bench encode`: ColBERT passage encoding throughput, against transformers.js on the same graph. */
import type { Command } from 'commander';
import { InvalidArgumentError } from 'commander';
import { runEncodeBench, type EncodeBenchReport } from '../encode-bench.js';
import { isPrecision, PRECISIONS, type Precision } from '../../src/models/runtime/onnx-session.js';
import { commandGroup, formatTable, printJson } from '../../src/cli/output.js';

function positive(name: string) {
  return (value: string): number => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError(`${name} must be a positive integer`);
    return n;
  };
}

function precisionList(value: string): Precision[] {
  const list = value
    .split(',')
    .map((x) => x.trim())
    .filter(Boolean);
  if (list.length === 0 || !list.every(isPrecision)) throw new InvalidArgumentError(`--precision takes a comma-separated list of ${PRECISIONS.join(', ')}`);
  return [...new Set(list)];
}

function pct(x: number | undefined): string {
  return x === undefined ? '-' : `${(x * 100).toFixed(1)}%`;
}

function render(r: EncodeBenchReport): string {
  const lines = [
    `machine  ${r.machine.cpu}, ${r.machine.cores} cores, node ${r.machine.node}, load average ${r.machine.loadavg_1m.toFixed(2)}`,
    `model    ${r.config.model}; ${r.config.passages} passages, ${r.config.tokens} tokens; batch ${r.config.batch_size}, ${r.config.threads} threads, document length ${r.config.document_length}`,
    '',
    formatTable(
      ['impl', 'wall s', 'passages/s', 'tokens/s', 'outside run()', 'padding waste'],
      r.results.map((x) => [
        x.impl,
        x.wall_s.toFixed(1),
        x.passages_per_s.toFixed(2),
        x.tokens_per_s.toFixed(0),
        pct(x.outside_run_share),
        pct(x.padding_waste),
      ]),
    ),
  ];
  lines.push('');
  if (r.ratio_vs_transformers !== undefined) lines.push(`tartan fp32 / transformers.js throughput (median passages/s): ${r.ratio_vs_transformers.toFixed(2)}x`);
  if (r.ratio_int8_vs_transformers !== undefined) lines.push(`tartan int8 / transformers.js fp32: ${r.ratio_int8_vs_transformers.toFixed(2)}x`);
  if (r.ratio_int8_vs_transformers_q8 !== undefined)
    lines.push(`tartan int8 / transformers.js q8 on the same int8 graph: ${r.ratio_int8_vs_transformers_q8.toFixed(2)}x`);
  if (r.ratio_wasm_vs_native !== undefined)
    lines.push(`tartan fp32 WebAssembly (onnxruntime-web) / native (onnxruntime-node): ${r.ratio_wasm_vs_native.toFixed(2)}x`);
  if (r.ratio_int8_vs_fp32 !== undefined) lines.push(`tartan int8 / tartan fp32: ${r.ratio_int8_vs_fp32.toFixed(2)}x`);
  const a = r.int8_agreement;
  if (a) {
    lines.push(
      `int8 vs fp32 over ${a.passages} passages (${a.tokens} tokens): cosine mean ${a.mean_cosine.toFixed(5)}, 1st percentile ${a.p01_cosine.toFixed(5)}, min ${a.min_cosine.toFixed(5)}; ` +
        `MaxSim of passage pairs differs by ${a.maxsim_mean_abs_diff.toFixed(4)} on average, ${a.maxsim_max_abs_diff.toFixed(4)} at most`,
    );
  }
  return lines.join('\n');
}

export function register(program: Command): void {
  commandGroup(program, 'bench', 'benchmarks')
    .command('encode')
    .description(
      'ColBERT passage encoding: passages/s, tokens/s, time outside onnxruntime, padding waste, and the ratio to @huggingface/transformers on the same ONNX graph',
    )
    .requiredOption('--model <dir>', 'a ColBERT model folder (e.g. from `tartan models make-synthetic`) or registry id')
    .requiredOption('--docs <jsonl>', 'passages: a BEIR corpus.jsonl or any JSONL with a "text" field')
    .option('--limit <n>', 'passages to encode', positive('--limit'), 1000)
    .option('--batch-size <n>', 'passages per ONNX run', positive('--batch-size'), 32)
    .option('--threads <n>', 'onnxruntime intra-op threads (default: all cores)', positive('--threads'))
    .option('--repeats <n>', 'runs of each implementation (median reported)', positive('--repeats'), 1)
    .option('--precision <list>', 'tartan precisions to run, comma-separated (fp32, int8)', precisionList, ['fp32', 'int8'] as Precision[])
    .option('--no-baseline', 'skip the transformers.js run')
    .option('--wasm', "also run fp32 on onnxruntime-web's WebAssembly build (the fallback runtime) and report its ratio to the native runtime")
    .option('--json', 'print the report as JSON')
    .action(
      async (o: {
        model: string;
        docs: string;
        limit: number;
        batchSize: number;
        threads?: number;
        repeats: number;
        precision: Precision[];
        baseline: boolean;
        wasm?: boolean;
        json?: boolean;
      }) => {
        const report = await runEncodeBench({
          model: o.model,
          docs: o.docs,
          limit: o.limit,
          batchSize: o.batchSize,
          repeats: o.repeats,
          baseline: o.baseline,
          precisions: o.precision,
          ...(o.wasm ? { wasm: true } : {}),
          ...(o.threads ? { threads: o.threads } : {}),
          onStatus: (m) => process.stderr.write(`${m}\n`),
        });
        if (o.json) printJson(report);
        else console.log(render(report));
      },
    );
}
