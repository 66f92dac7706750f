/** `tartan explain`: which query token matched which document token, and how much each adds to the MaxSim score. */
import type { Command } from 'commander';
import { ErrorCodes, TartanError } from '../../core/errors.js';
import { loadEncoder } from '../../models/model-loader.js';
import { defaultModel } from '../../models/registry.js';
import type { Explanation } from '../../scoring/explain.js';
import { explainTexts } from '../../retrieval/explain-text.js';
import { formatTable, printJson } from '../output.js';

interface ExplainCliOptions {
  model?: string;
  variant?: string;
  matrix?: boolean;
  json?: boolean;
  cacheDir?: string;
  offline?: boolean;
}

function matrixRows(e: Explanation): number[][] {
  const m = e.matrix;
  if (!m) return [];
  const rows: number[][] = [];
  for (let r = 0; r < m.rows; r++) rows.push(Array.from(m.data.subarray(r * m.cols, (r + 1) * m.cols)));
  return rows;
}

/** A text table: one line per query token, best match, similarity, share as a percentage and a bar. */
function renderTable(e: Explanation, modelId: string): string {
  const lines = [`model ${modelId}   variant ${e.variant}   score ${e.raw.toFixed(4)}   normalised ${e.normalized.toFixed(4)}`, ''];
  // Bars are scaled to the largest share so the strongest match always shows 20 marks.
  const top = Math.max(...e.matches.map((m) => Math.abs(m.share)), 1e-12);
  const rows = e.matches.map((m) => [
    m.queryIndex,
    m.queryToken ?? '',
    m.docIndex >= 0 ? m.docIndex : '-',
    m.docToken ?? '',
    m.similarity.toFixed(4),
    `${(m.share * 100).toFixed(1)}%`,
    '#'.repeat(Math.max(0, Math.round((m.share / top) * 20))),
  ]);
  lines.push(formatTable(['#', 'query token', 'doc #', 'best doc token', 'similarity', 'share', ''], rows));
  return lines.join('\n');
}

/** Printed matrix for --matrix in text mode: query tokens down, document tokens across. */
function renderMatrix(e: Explanation, docTokens: readonly string[]): string {
  const header = ['', ...docTokens];
  const rows = matrixRows(e).map((r, i) => [e.matches[i].queryToken ?? String(i), ...r.map((v) => v.toFixed(2))]);
  return formatTable(header, rows);
}

export function register(program: Command): void {
  program
    .command('explain')
    .description('explain a ColBERT MaxSim score: for each query token, its best-matching document token, their similarity and its share of the score')
    .argument('<query>', 'query text')
    .argument('<doc>', 'document text')
    .option('--model <id|path>', `ColBERT registry id or local model folder (default ${defaultModel('colbert').id})`)
    .option('--variant <sum|mean>', 'MaxSim variant: sum of max (ColBERT) or mean of max', 'sum')
    .option('--matrix', 'also print the full query x document similarity matrix (always included with --json)')
    .option('--cache-dir <dir>', 'hub cache folder for registry ids')
    .option('--offline', 'use only cached model files')
    .option('--json', 'print {model, variant, score, queryTokens, docTokens, matches, matrix} as JSON')
    .action(async (query: string, doc: string, opts: ExplainCliOptions) => {
      if (opts.variant !== 'sum' && opts.variant !== 'mean') {
        throw new TartanError(
          ErrorCodes.INVALID_ARGUMENT,
          `--variant must be 'sum' or 'mean', got '${opts.variant}' (weighted scores need per-token weights; use the library API)`,
        );
      }
      const encoder = await loadEncoder(opts.model ?? defaultModel('colbert').id, 'colbert', {
        ...(opts.cacheDir ? { cacheDir: opts.cacheDir } : {}),
        ...(opts.offline ? { offline: true } : {}),
        progressBar: opts.json ? false : undefined,
      });
      try {
        if (encoder.kind !== 'colbert') {
          throw new TartanError(
            ErrorCodes.UNSUPPORTED_MODEL,
            `${encoder.modelId} is a ${encoder.kind} model; explain needs a ColBERT (late-interaction) model`,
          );
        }
        // The one explanation path, over the vectors encoded here: they are the ones its score comes from.
        const [e] = await explainTexts(encoder, query, [doc], { variant: opts.variant, matrix: true });
        const queryTokens = e.queryTokens ?? [];
        const docTokens = e.docTokens ?? [];
        if (opts.json) {
          printJson({
            model: encoder.modelId,
            query,
            document: doc,
            variant: e.variant,
            score: { raw: e.raw, normalized: e.normalized },
            queryTokens,
            docTokens,
            matches: e.matches,
            matrix: matrixRows(e),
          });
        } else {
          console.log(renderTable(e, encoder.modelId));
          if (opts.matrix) console.log(`\n${renderMatrix(e, docTokens)}`);
        }
      } finally {
        await encoder.dispose();
      }
    });
}
