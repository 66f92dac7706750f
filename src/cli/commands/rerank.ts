/** `tartan rerank`: rank documents for a query with a cross-encoder (default), a ColBERT model (MaxSim) or a dense model (cosine). */
import type { Command } from 'commander';
import { ErrorCodes, TartanError } from '../../core/errors.js';
import { loadEncoder } from '../../models/model-loader.js';
import { defaultModel } from '../../models/registry.js';
import type { Encoder } from '../../models/types.js';
import type { TokenMatrix } from '../../core/tensors.js';
import { maxsimPair } from '../../scoring/maxsim.js';
import { formatTable, printJson } from '../output.js';
import type { Precision } from '../../models/runtime/onnx-session.js';
import { parsePrecision, PRECISION_FLAG, PRECISION_HELP } from '../precision-option.js';

interface RerankOptions {
  model?: string;
  json?: boolean;
  threads?: string;
  cacheDir?: string;
  offline?: boolean;
  precision?: Precision;
}

async function scores(encoder: Encoder, query: string, docs: string[]): Promise<number[]> {
  const out: number[] = [];
  if (encoder.kind === 'cross-encoder') {
    for await (const s of encoder.rerank(query, docs)) out.push(s);
  } else if (encoder.kind === 'colbert') {
    let q: TokenMatrix | undefined;
    for await (const m of encoder.queryEmbed([query])) q = m;
    for await (const d of encoder.passageEmbed(docs)) out.push(maxsimPair(q as TokenMatrix, d).raw);
  } else {
    let q: Float32Array | undefined;
    for await (const v of encoder.queryEmbed([query])) q = v;
    for await (const d of encoder.passageEmbed(docs)) out.push(d.reduce((s, x, k) => s + x * (q as Float32Array)[k], 0));
  }
  return out;
}

export function register(program: Command): void {
  program
    .command('rerank')
    .description('rank documents for a query, best first: cross-encoder logits (default model), ColBERT MaxSim, or dense cosine')
    .argument('<query>', 'the query')
    .argument('<doc...>', 'documents to rank')
    .option('--model <id|path>', `registry id or local model folder (default ${defaultModel('cross-encoder').id})`)
    .option('--threads <n>', "ONNX intra-op threads (default $TARTAN_ONNX_THREADS or onnxruntime's choice)")
    .option(PRECISION_FLAG, PRECISION_HELP, parsePrecision)
    .option('--cache-dir <dir>', 'hub cache folder for registry ids')
    .option('--offline', 'use only cached model files')
    .option('--json', 'print an array of {"rank", "index", "score", "text"} as JSON, best first')
    .action(async (query: string, docs: string[], opts: RerankOptions) => {
      const threads = opts.threads === undefined ? undefined : Number(opts.threads);
      if (threads !== undefined && (!Number.isInteger(threads) || threads < 1))
        throw new TartanError(ErrorCodes.INVALID_ARGUMENT, `--threads must be a positive whole number, got '${opts.threads}'.`);
      const encoder = await loadEncoder(opts.model ?? defaultModel('cross-encoder').id, undefined, {
        threads,
        ...(opts.precision ? { precision: opts.precision } : {}),
        ...(opts.cacheDir ? { cacheDir: opts.cacheDir } : {}),
        ...(opts.offline ? { offline: true } : {}),
        progressBar: opts.json ? false : undefined,
      });
      try {
        const s = await scores(encoder, query, docs);
        const ranked = docs
          .map((text, index) => ({ index, score: s[index], text }))
          .sort((a, b) => b.score - a.score || a.index - b.index)
          .map((r, i) => ({ rank: i + 1, ...r }));
        if (opts.json) printJson(ranked);
        else
          console.log(
            formatTable(
              ['rank', 'score', 'doc', 'text'],
              ranked.map((r) => [r.rank, r.score.toFixed(4), r.index, r.text]),
            ),
          );
      } finally {
        await encoder.dispose();
      }
    });
}
