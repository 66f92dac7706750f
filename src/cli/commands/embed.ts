/** `tartan embed`: embed texts with a ColBERT or dense model and print each text's shape (and vectors with --json). */
import type { Command } from 'commander';
import { ErrorCodes, TartanError } from '../../core/errors.js';
import { loadEncoder } from '../../models/model-loader.js';
import { defaultModel } from '../../models/registry.js';
import { printJson } from '../output.js';
import type { Precision } from '../../models/runtime/onnx-session.js';
import { parsePrecision, PRECISION_FLAG, PRECISION_HELP } from '../precision-option.js';

interface EmbedOptions {
  model?: string;
  query?: boolean;
  json?: boolean;
  threads?: string;
  batchSize?: string;
  cacheDir?: string;
  offline?: boolean;
  precision?: Precision;
}

function positiveInt(value: string | undefined, flag: string): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new TartanError(ErrorCodes.INVALID_ARGUMENT, `${flag} must be a positive whole number, got '${value}'.`);
  return n;
}

export function register(program: Command): void {
  program
    .command('embed')
    .description("embed texts with a ColBERT (one vector per token) or dense (one vector per text) model; prints each text's [rows, dim] shape")
    .argument('<text...>', 'texts to embed')
    .option('--model <id|path>', `registry id or local model folder (default ${defaultModel('colbert').id})`)
    .option('--query', 'embed as queries (ColBERT: marker + [MASK] expansion to the query length)')
    .option('--threads <n>', "ONNX intra-op threads (default $TARTAN_ONNX_THREADS or onnxruntime's choice)")
    .option('--batch-size <n>', 'texts per ONNX run (default 32)')
    .option(PRECISION_FLAG, PRECISION_HELP, parsePrecision)
    .option('--cache-dir <dir>', 'hub cache folder for registry ids')
    .option('--offline', 'use only cached model files')
    .option('--json', 'print an array of {"text", "shape": [rows, dim], "vectors"} as JSON')
    .action(async (texts: string[], opts: EmbedOptions) => {
      const encoder = await loadEncoder(opts.model ?? defaultModel('colbert').id, undefined, {
        threads: positiveInt(opts.threads, '--threads'),
        batchSize: positiveInt(opts.batchSize, '--batch-size'),
        ...(opts.precision ? { precision: opts.precision } : {}),
        ...(opts.cacheDir ? { cacheDir: opts.cacheDir } : {}),
        ...(opts.offline ? { offline: true } : {}),
        progressBar: opts.json ? false : undefined,
      });
      try {
        if (encoder.kind === 'cross-encoder') {
          throw new TartanError(
            ErrorCodes.INVALID_ARGUMENT,
            `${encoder.modelId} is a cross-encoder: it scores pairs and has no embeddings; use \`tartan rerank\` or pick a ColBERT or dense model.`,
          );
        }
        const results: { text: string; shape: [number, number]; vectors: number[][] }[] = [];
        if (encoder.kind === 'colbert') {
          const stream = opts.query ? encoder.queryEmbed(texts) : encoder.passageEmbed(texts);
          let i = 0;
          for await (const m of stream) {
            const vectors: number[][] = [];
            for (let r = 0; r < m.rows; r++) vectors.push(Array.from(m.data.subarray(r * m.dim, (r + 1) * m.dim)));
            results.push({ text: texts[i++], shape: [m.rows, m.dim], vectors });
          }
        } else {
          const stream = opts.query ? encoder.queryEmbed(texts) : encoder.passageEmbed(texts);
          let i = 0;
          for await (const v of stream) results.push({ text: texts[i++], shape: [1, v.length], vectors: [Array.from(v)] });
        }
        if (opts.json) printJson(results);
        else for (const r of results) console.log(`${r.shape[0]}x${r.shape[1]}\t${r.text}`);
      } finally {
        await encoder.dispose();
      }
    });
}
