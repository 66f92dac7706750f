/** `tartan bench scale-out`: the plaid layout on one server, sharded over postgres_fdw, and with a read replica. */
import type { Command } from 'commander';
import { commandGroup, formatTable, printJson } from '../../src/cli/output.js';
import { loadVectors } from '../../src/core/vectors-file.js';
import { ErrorCodes, TartanError } from '../../src/core/errors.js';
import { runScaleOutBench } from '../scaleout-bench.js';
import { syntheticCollection } from '../backend-comparison.js';

interface ScaleOutCommandOptions {
  index: string;
  shards: string;
  replica?: string;
  vectors?: string;
  syntheticTokens?: string;
  maxQueries: string;
  concurrency: string;
  json?: boolean;
}

export function register(program: Command): void {
  commandGroup(program, 'bench', 'benchmarks')
    .command('scale-out')
    .description('QPS, p50/p95 and recall@10 of the PostgreSQL plaid layout on one server, sharded over postgres_fdw, and with a read replica')
    .requiredOption('--index <url>', 'the coordinator (and single server): postgres://...')
    .requiredOption('--shards <urls>', 'comma-separated shard database URLs (at least two)')
    .option('--replica <url>', "a streaming replica of --index's server")
    .option('--vectors <file>', 'encoded documents + queries (bench make-vectors, --save-vectors)')
    .option('--synthetic-tokens <n>', 'clustered synthetic tokens instead of --vectors')
    .option('--max-queries <n>', 'queries timed', '300')
    .option('--concurrency <n>', 'searches in flight at once', '4')
    .option('--json', 'print JSON')
    .addHelpText(
      'after',
      '\nExample: tartan bench scale-out --index postgres://postgres@127.0.0.1:54329/tartan_test --shards postgres://...:54330/tartan_test,postgres://...:54331/tartan_test --replica postgres://...:54332/tartan_test --vectors scifact.vectors',
    )
    .action(async (o: ScaleOutCommandOptions) => {
      if (!o.vectors && !o.syntheticTokens) throw new TartanError(ErrorCodes.INVALID_ARGUMENT, 'give --vectors FILE or --synthetic-tokens N');
      const c = o.vectors ? loadVectors(o.vectors) : syntheticCollection(Number(o.syntheticTokens), 128, Math.min(Number(o.maxQueries), 50));
      const report = await runScaleOutBench(o.index, c, {
        shards: o.shards.split(',').filter(Boolean),
        ...(o.replica ? { replica: o.replica } : {}),
        maxQueries: Number(o.maxQueries),
        concurrency: Number(o.concurrency),
        log: (line) => process.stderr.write(`${line}\n`),
      });
      if (o.json) printJson(report);
      else {
        console.log(`${report.documents} documents, ${report.tokens} tokens; ${report.machine.cpu} x${report.machine.cores}`);
        console.log(
          formatTable(
            ['setup', 'servers', 'queries', 'in flight', 'recall@10', 'p50 ms', 'p95 ms', 'QPS', 'ingest docs/s', 'first search ms'],
            report.rows.map((r) => [r.setup, r.servers, r.queries, r.concurrency, r.recallAt10, r.p50Ms, r.p95Ms, r.qps, r.ingestDocsPerSec, r.firstSearchMs]),
          ),
        );
        for (const n of report.notes) console.log(`note: ${n}`);
      }
    });
}
