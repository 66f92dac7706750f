/** `tartan index <dir> <input...>`: creates (or extends) an index from .jsonl/.txt/.md inputs, with a progress bar. */
import type { Command } from 'commander';
import cliProgress from 'cli-progress';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { printJson } from '../output.js';
import { ErrorCodes, TartanError } from '../../core/errors.js';
import { Index } from '../../retrieval/index-facade.js';
import { isPostgresLocation } from '../../stores/open.js';
import { countDocuments, expandInputs, readDocuments } from '../input-files.js';
import { Collection } from '../../retrieval/collection.js';
import type { Precision } from '../../models/runtime/onnx-session.js';
import { parsePrecision, PRECISION_FLAG, PRECISION_HELP } from '../precision-option.js';

interface IndexOptions {
  model?: string;
  nbits: string;
  mode?: string;
  rerankVectors?: string;
  poolFactor: string;
  chunkTokens: string;
  chunkOverlap: string;
  centroids?: string;
  flatDtype: string;
  pcaDim?: string;
  denseModel?: string;
  json?: boolean;
  progress: boolean;
  precision?: Precision;
}

function int(name: string, v: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0) throw new TartanError(ErrorCodes.INVALID_ARGUMENT, `--${name} must be a non-negative integer (got ${v})`);
  return n;
}

export function register(program: Command): void {
  program
    .command('index')
    .description(
      'index documents into a folder (created if missing) or a postgres:// URL; inputs: .jsonl (id, text, title, metadata), .txt/.md files or folders',
    )
    .argument('<dir>', 'index folder or postgres:// URL')
    .argument('<input...>', 'input files or folders')
    .option('--model <id|path>', 'ColBERT model id, local folder, or "lexical" (new index only)')
    .option('--nbits <n>', 'residual bits per dimension: 1, 2, 4 or 8 (plaid)', '2')
    .option('--mode <mode>', "plaid (compressed) or flat (exact); default: the model's own (flat for lexical, plaid otherwise)")
    .option(
      '--rerank-vectors <kind>',
      'plaid: f16 keeps the original vectors on disk and ranks the final candidates with them (full fidelity), none ranks with the decompressed codes (smaller)',
      'f16',
    )
    .option('--pool-factor <n>', 'token pooling factor 1-4 (1 = none)', '1')
    .option('--chunk-tokens <n>', 'split documents longer than this many tokens (0 = never)', '0')
    .option('--chunk-overlap <n>', 'tokens shared by consecutive chunks', '0')
    .option('--centroids <n>', 'number of centroids (default: from the token count)')
    .option('--flat-dtype <t>', 'flat mode storage: f16 or i8', 'f16')
    .option(
      '--pca-dim <n>',
      "store n values per token instead of the model's dim: a PCA projection learned from the first documents, applied to queries too (e.g. 64 or 32 for dim 128; 0 = off; new index only)",
    )
    .option('--dense-model <id|path>', 'also keep dense vectors from this model, for the dense and hybrid pipelines (file indexes)')
    .option(PRECISION_FLAG, PRECISION_HELP, parsePrecision)
    .option('--no-progress', 'no progress bar')
    .option('--json', 'print a JSON summary')
    .action(async (dir: string, inputs: string[], opts: IndexOptions) => {
      if (opts.denseModel && isPostgresLocation(dir)) {
        throw new TartanError(
          ErrorCodes.INVALID_ARGUMENT,
          '--dense-model keeps dense vectors beside file indexes only; index into a folder to use the dense and hybrid pipelines',
        );
      }
      const files = expandInputs(inputs);
      const exists = !isPostgresLocation(dir) && existsSync(join(dir, 'manifest.json'));
      const index = exists
        ? await Index.open(dir, opts.precision ? { precision: opts.precision } : {})
        : await Index.create(dir, {
            ...(opts.precision ? { precision: opts.precision } : {}),
            model: opts.model,
            nbits: int('nbits', opts.nbits),
            ...(opts.mode ? { mode: opts.mode as 'plaid' | 'flat' } : {}),
            rerankVectors: opts.rerankVectors as 'f16' | 'none',
            poolFactor: int('pool-factor', opts.poolFactor),
            chunkTokens: int('chunk-tokens', opts.chunkTokens),
            chunkOverlap: int('chunk-overlap', opts.chunkOverlap),
            centroids: opts.centroids ? int('centroids', opts.centroids) : 0,
            flatDtype: opts.flatDtype as 'f16' | 'i8',
            ...(opts.pcaDim !== undefined ? { pcaDim: int('pca-dim', opts.pcaDim) } : {}),
          });
      const total = countDocuments(files);
      const bar =
        opts.progress && process.stderr.isTTY !== undefined
          ? new cliProgress.SingleBar(
              {
                stream: process.stderr,
                format: 'indexing {bar} {value}/{total} docs | {speed} docs/s | ETA {eta_formatted}',
                hideCursor: true,
                noTTYOutput: true,
                notTTYSchedule: 5000,
              },
              cliProgress.Presets.shades_classic,
            )
          : undefined;
      const started = performance.now();
      let done = 0;
      bar?.start(total, 0, { speed: '0' });
      try {
        await index.add(readDocuments(files), {
          onProgress: (n) => {
            done = n;
            const secs = (performance.now() - started) / 1000;
            bar?.update(n, { speed: secs > 0 ? (n / secs).toFixed(1) : '0' });
          },
        });
      } finally {
        bar?.stop();
      }
      const seconds = (performance.now() - started) / 1000;
      const info = await index.info();
      // Side indexes (BM25 always, dense when asked) are built now so the first pipeline search does not pay for them.
      if (!isPostgresLocation(dir)) {
        const collection = await Collection.attach(index, opts.denseModel ? { denseModel: opts.denseModel } : {});
        await collection.close();
      } else {
        await index.close();
      }
      const summary = {
        index: dir,
        added: done,
        seconds: Number(seconds.toFixed(2)),
        docsPerSecond: Number((done / Math.max(seconds, 1e-9)).toFixed(1)),
        info,
      };
      if (opts.json) printJson(summary);
      else
        console.log(
          `indexed ${done} documents into ${dir} in ${summary.seconds}s (${summary.docsPerSecond} docs/s); ${info.documents} documents, ${info.tokens} tokens, ${info.bytesPerToken.toFixed(1)} bytes/token`,
        );
    });
}
