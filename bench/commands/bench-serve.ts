/** `tartan bench serve`: QPS and latency percentiles of the HTTP search API under load. */
import type { Command } from 'commander';
import { InvalidArgumentError } from 'commander';
import { runServeBench } from '../serve-bench.js';
import { commandGroup, formatTable, printJson } from '../../src/cli/output.js';

function positive(name: string) {
  return (value: string): number => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError(`${name} must be a positive integer`);
    return n;
  };
}

function connectionList(value: string): number[] {
  const list = value.split(',').map((s) => Number(s.trim()));
  if (list.length === 0 || list.some((n) => !Number.isInteger(n) || n < 1 || n > 1024)) {
    throw new InvalidArgumentError('--connections takes a comma-separated list of integers from 1 to 1024, e.g. 1,8,64');
  }
  return list;
}

interface BenchServeOptions {
  index?: string;
  dataset?: string;
  docs?: number;
  duration: number;
  connections: number[];
  k: number;
  explain?: boolean;
  json?: boolean;
}

export function register(program: Command): void {
  commandGroup(program, 'bench', 'benchmarks')
    .command('serve')
    .description('load the HTTP search API with autocannon: QPS, p50/p99 latency and errors at 1, 8 and 64 connections')
    .option('--index <dir|postgres-url>', 'index to serve (default: build a lexical-model SciFact index in a temp dir)')
    .option('--dataset <dir>', 'BEIR folder for queries (and the corpus when building); default ../shared/datasets/scifact')
    .option('--docs <n>', 'index only the first n corpus documents when building', positive('--docs'))
    .option('--duration <s>', 'seconds per connection count', positive('--duration'), 10)
    .option('--connections <list>', 'connection counts', connectionList, [1, 8, 64])
    .option('-k, --k <n>', 'hits per search', positive('-k'), 10)
    .option('--explain', 'request token explanations too')
    .option('--json', 'print the report as JSON')
    .addHelpText(
      'after',
      '\nThe server and the load generator share this process; compare figures within one run.\nExample: tartan bench serve --duration 5 --json',
    )
    .action(async (opts: BenchServeOptions) => {
      const report = await runServeBench({
        ...(opts.index ? { index: opts.index } : {}),
        ...(opts.dataset ? { dataset: opts.dataset } : {}),
        ...(opts.docs ? { docs: opts.docs } : {}),
        durationSec: opts.duration,
        connections: opts.connections,
        k: opts.k,
        explain: opts.explain ?? false,
        log: (line) => {
          if (!opts.json) process.stderr.write(`${line}\n`);
        },
      });
      if (opts.json) return printJson(report);
      console.log(`${report.machine.cpu}, ${report.machine.cores} cores, node ${report.machine.node}, load average ${report.machine.loadAverage1m.toFixed(1)}`);
      console.log(
        `index: ${report.index.location} (${report.index.documents} docs, model ${report.index.model}), ${report.queries} queries, k=${report.k}, ${report.durationSec} s per level`,
      );
      console.log(
        `direct Index.search (no HTTP, sequential): p50 ${report.direct.p50Ms.toFixed(1)} ms, p99 ${report.direct.p99Ms.toFixed(1)} ms over ${report.direct.searches} queries`,
      );
      console.log(
        formatTable(
          ['connections', 'requests', 'QPS', 'p50 ms', 'p99 ms', 'p50 / direct', 'errors'],
          report.rows.map((r) => [
            r.connections,
            r.requests,
            r.qps.toFixed(1),
            r.p50Ms.toFixed(1),
            r.p99Ms.toFixed(1),
            r.requests > 0 ? (r.p50Ms / report.direct.p50Ms).toFixed(2) : '-',
            r.errors,
          ]),
        ),
      );
    });
}
