/** `tartan serve`: the REST API (OpenAPI at /openapi.json) and the web page with heatmaps. */
import type { Command } from 'commander';
import { InvalidArgumentError } from 'commander';
import { buildServer } from '../../server/app.js';
import { createDefaultBackend } from '../../server/default-backend.js';

interface ServeOptions {
  index: string[];
  port: number;
  host: string;
  dataDir?: string;
  apiKey?: string;
  model: string;
  colbertModel?: string;
  denseModel?: string;
  crossEncoderModel?: string;
  bodyLimit: number;
  timeout: number;
  json?: boolean;
}

function positiveInt(name: string, max: number) {
  return (value: string): number => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < 0 || n > max) throw new InvalidArgumentError(`${name} must be an integer from 0 to ${max}`);
    return n;
  };
}

const LOOPBACK = new Set(['127.0.0.1', '::1', 'localhost']);

export function register(program: Command): void {
  program
    .command('serve')
    .description('serve the REST API and the web page (search with token heatmaps, model comparison)')
    .option(
      '--index <dir|postgres-url|name=location...>',
      'index to serve (repeatable); name=location sets its URL name',
      (v: string, acc: string[]) => [...acc, v],
      [] as string[],
    )
    .option('--port <n>', 'TCP port (0 = any free port)', positiveInt('--port', 65535), 7700)
    .option('--host <addr>', 'address to bind; loopback by default, anything else should use --api-key', '127.0.0.1')
    .option('--data-dir <dir>', 'where indexes created over HTTP live (and are reopened from on start)')
    .option('--api-key <key>', 'key required for writes (x-api-key or Authorization: Bearer); default $TARTAN_API_KEY')
    .option('--model <id|path>', 'ColBERT model of indexes created over HTTP', 'lexical')
    .option('--colbert-model <id|path>', 'ColBERT model for /api/embed, /api/rerank and the compare view (default: --model)')
    .option('--dense-model <id|path>', 'dense model for the compare view and /api/embed kind=dense')
    .option('--cross-encoder-model <id|path>', 'cross-encoder for /api/rerank and the compare view')
    .option('--body-limit <bytes>', 'largest request body', positiveInt('--body-limit', 1 << 30), 8 * 1024 * 1024)
    .option('--timeout <ms>', 'time limit per request (receiving it, and running its handler)', positiveInt('--timeout', 3_600_000), 30_000)
    .option('--json', 'log requests as JSON lines')
    .addHelpText(
      'after',
      '\nExamples:\n  tartan serve --data-dir ./indexes\n  tartan serve --index scifact=./scifact-index --port 8080 --api-key "$KEY"\n  Then open http://127.0.0.1:7700/ (API description: /openapi.json)',
    )
    .action(async (opts: ServeOptions) => {
      const apiKey = opts.apiKey ?? process.env.TARTAN_API_KEY;
      if (!LOOPBACK.has(opts.host) && !apiKey) {
        process.stderr.write(
          `tartan serve: warning: binding ${opts.host} without an API key lets anyone who can reach it write; set --api-key or TARTAN_API_KEY\n`,
        );
      }
      const app = await buildServer({
        backend: createDefaultBackend(),
        indexes: opts.index,
        ...(opts.dataDir ? { dataDir: opts.dataDir } : {}),
        ...(apiKey ? { apiKey } : {}),
        models: {
          indexModel: opts.model,
          ...(opts.colbertModel ? { colbert: opts.colbertModel } : {}),
          ...(opts.denseModel ? { dense: opts.denseModel } : {}),
          ...(opts.crossEncoderModel ? { crossEncoder: opts.crossEncoderModel } : {}),
        },
        limits: { bodyLimit: opts.bodyLimit, requestTimeoutMs: opts.timeout, handlerTimeoutMs: opts.timeout },
        logger: opts.json ? true : false,
      });
      const address = await app.listen({ port: opts.port, host: opts.host });
      process.stderr.write(`tartan serve: listening on ${address} (page: ${address}/, API: ${address}/openapi.json)\n`);
      const stop = async () => {
        process.stderr.write('tartan serve: shutting down\n');
        await app.close();
        process.exit(0);
      };
      process.once('SIGINT', () => void stop());
      process.once('SIGTERM', () => void stop());
    });
}
