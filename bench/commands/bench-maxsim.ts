/** `tartan bench maxsim`: MaxSim throughput of the native, TypeScript and naive kernels against the machine's FMA peak. */
import type { Command } from 'commander';
import { InvalidArgumentError } from 'commander';
import { runMaxSimBench, type MaxSimBenchReport } from '../maxsim-bench.js';
import { commandGroup, formatTable, printJson } from '../../src/cli/output.js';

function positive(name: string) {
  return (value: string): number => {
    const n = Number(value.replace(/_/g, ''));
    if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError(`${name} must be a positive integer`);
    return n;
  };
}

interface BenchMaxSimOptions {
  docTokens: number;
  queryTokens: number;
  dim: number;
  repeats: number;
  threads?: number;
  tsTokens?: number;
  naiveTokens?: number;
  json?: boolean;
}

function render(r: MaxSimBenchReport): string {
  const m = r.machine;
  const lines = [
    `machine  ${m.cpu}, ${m.cores} cores, ${m.platform}, node ${m.node}, kernels ${m.isa}, load average ${m.loadavg_1m.toFixed(2)}`,
    `query    ${r.config.query_tokens} x ${r.config.dim}; documents ${r.config.documents} (${r.config.doc_tokens} tokens); median of ${r.config.repeats}`,
    `peak     ${r.peak_gflops?.toFixed(1) ?? 'n/a'} GFLOP/s one core (FMA loop), ${r.peak_gflops_all?.toFixed(1) ?? 'n/a'} GFLOP/s all cores; ` +
      `per CPU second ${r.peak_gflops_per_cpu_s?.toFixed(1) ?? 'n/a'} and ${r.peak_gflops_all_per_cpu_s?.toFixed(1) ?? 'n/a'}`,
    '',
  ];
  const rows = r.results.map((x) => [
    x.impl,
    x.dtype,
    x.threads,
    x.doc_tokens,
    (x.median_s * 1000).toFixed(1),
    (x.tokens_per_s / 1e6).toFixed(3),
    x.gflops.toFixed(2),
    // int8 rates count integer multiply-adds, which the float FMA peak does not bound: no share for them.
    r.peak_gflops && x.dtype !== 'i8' ? `${((x.gflops / (x.threads > 1 && r.peak_gflops_all ? r.peak_gflops_all : r.peak_gflops)) * 100).toFixed(1)}%` : '-',
    x.cpu_per_wall.toFixed(2),
    x.gflops_per_cpu_s.toFixed(2),
  ]);
  lines.push(formatTable(['impl', 'dtype', 'threads', 'doc tokens', 'median ms', 'M tokens/s', 'GFLOP/s', 'of peak', 'cpu/wall', 'GFLOP/cpu-s'], rows));
  if (r.goals.length) {
    lines.push('');
    lines.push(
      formatTable(
        ['goal', 'basis', 'measured', 'target', 'met'],
        r.goals.map((g) => [g.goal, g.basis, g.value.toFixed(2), g.target, g.met ? 'yes' : 'NO']),
      ),
    );
  }
  return lines.join('\n');
}

export function register(program: Command): void {
  commandGroup(program, 'bench', 'benchmarks')
    .command('maxsim')
    .description(
      'MaxSim throughput: native kernels (1 thread, all threads), TypeScript kernels and a naive baseline, in float32, float16 and int8, against the measured FMA peak',
    )
    .option('--doc-tokens <n>', 'document tokens (documents of 100-300 rows)', positive('--doc-tokens'), 1_000_000)
    .option('--query-tokens <n>', 'query rows', positive('--query-tokens'), 32)
    .option('--dim <n>', 'vector dimension', positive('--dim'), 128)
    .option('--repeats <n>', 'timed runs per measurement (the median is reported)', positive('--repeats'), 5)
    .option('--threads <n>', 'threads of the "all threads" native run (default: all cores)', positive('--threads'))
    .option('--ts-tokens <n>', 'document tokens the TypeScript kernels score (default 50000)', positive('--ts-tokens'))
    .option('--naive-tokens <n>', 'document tokens the naive baseline scores (default 5000)', positive('--naive-tokens'))
    .option('--json', 'print {machine, config, peak_gflops, peak_gflops_all, peak_gflops_per_cpu_s, peak_gflops_all_per_cpu_s, results, goals} as JSON')
    .action((opts: BenchMaxSimOptions) => {
      const report = runMaxSimBench({
        docTokens: opts.docTokens,
        queryTokens: opts.queryTokens,
        dim: opts.dim,
        repeats: opts.repeats,
        threads: opts.threads,
        tsTokens: opts.tsTokens,
        naiveTokens: opts.naiveTokens,
        onProgress: opts.json ? undefined : (msg) => process.stderr.write(`${msg}\n`),
      });
      if (opts.json) printJson(report);
      else console.log(render(report));
    });
}
