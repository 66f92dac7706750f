/** `tartan bench encode`: ColBERT passage encoding throughput, against transformers.js on the same graph. */
import { Command, InvalidArgumentError } from 'commander';
import { runEncodeBench, type EncodeBenchReport } from '../../bench/encode-bench.js';
import { commandGroup, formatTable, printJson } from '../output.js';

function positive(name: string) {
  return (value: string): number => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError(`${name} must be a positive integer`);
    return n;
  };
}

function pct(x: number | undefined): string {
  return x === undefined ? '-' : `${(x * 100).toFixed(1)}%`;
}

function render(r: EncodeBenchReport): string {
  const lines = [
    `machine  ${r.machine.cpu}, ${r.machine.cores} cores, node ${r.machine.node}, load average ${r.machine.loadavg_1m.toFixed(2)}`,
    `model    ${r.config.model}; ${r.config.passages} passages, ${r.config.tokens} tokens; batch ${r.config.batch_size}, ${r.config.threads} threads, document length ${r.config.document_length}`,
    '',
    formatTable(['impl', 'wall s', 'passages/s', 'tokens/s', 'outside run()', 'padding waste'],
      r.results.map((x) => [x.impl, x.wall_s.toFixed(1), x.passages_per_s.toFixed(2), x.tokens_per_s.toFixed(0), pct(x.outside_run_share), pct(x.padding_waste)])),
  ];
  if (r.ratio_vs_transformers !== undefined) lines.push('', `tartan / transformers.js throughput (median passages/s): ${r.ratio_vs_transformers.toFixed(2)}x`);
  return lines.join('\n');
}

export function register(program: Command): void {
  commandGroup(program, 'bench', 'benchmarks')
    .command('encode')
    .description('ColBERT passage encoding: passages/s, tokens/s, time outside onnxruntime, padding waste, and the ratio to @huggingface/transformers on the same ONNX graph')
    .requiredOption('--model <dir>', 'a ColBERT model folder (e.g. from `tartan models make-synthetic`) or registry id')
    .requiredOption('--docs <jsonl>', 'passages: a BEIR corpus.jsonl or any JSONL with a "text" field')
    .option('--limit <n>', 'passages to encode', positive('--limit'), 1000)
    .option('--batch-size <n>', 'passages per ONNX run', positive('--batch-size'), 32)
    .option('--threads <n>', 'onnxruntime intra-op threads (default: all cores)', positive('--threads'))
    .option('--repeats <n>', 'runs of each implementation (median reported)', positive('--repeats'), 1)
    .option('--no-baseline', 'skip the transformers.js run')
    .option('--json', 'print the report as JSON')
    .action(async (o: { model: string; docs: string; limit: number; batchSize: number; threads?: number; repeats: number; baseline: boolean; json?: boolean }) => {
      const report = await runEncodeBench({
        model: o.model, docs: o.docs, limit: o.limit, batchSize: o.batchSize, repeats: o.repeats, baseline: o.baseline,
        ...(o.threads ? { threads: o.threads } : {}),
        onStatus: (m) => process.stderr.write(`${m}\n`),
      });
      if (o.json) printJson(report);
      else console.log(render(report));
    });
}
