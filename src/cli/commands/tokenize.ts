/** `tartan tokenize`: the tokens of each text that get vectors (ColBERT), or the model's tokens (dense, cross-encoder). */
import type { Command } from 'commander';
import { ColbertProcessor } from '../../models/encoders/colbert-processing.js';
import { resolveModelInfo } from '../../models/model-loader.js';
import { defaultModel } from '../../models/registry.js';
import { assertText } from '../../models/encoders/tokenizer.js';
import { printJson } from '../output.js';

interface TokenizeOptions {
  model?: string;
  query?: boolean;
  json?: boolean;
  cacheDir?: string;
  offline?: boolean;
}

export function register(program: Command): void {
  program
    .command('tokenize')
    .description('show the tokens of each text that get vectors (ColBERT: markers, [MASK] expansion for --query, punctuation dropped for documents)')
    .argument('<text...>', 'texts to tokenize')
    .option('--model <id|path>', `registry id or local model folder (default ${defaultModel('colbert').id})`)
    .option('--query', 'tokenize as queries')
    .option('--cache-dir <dir>', 'hub cache folder for registry ids')
    .option('--offline', 'use only cached model files')
    .option(
      '--json',
      'print an array of {"text", "count", "tokens": [{"id", "token", "position", "offset"}]} as JSON (offset: [start, end) in the text, or null)',
    )
    .action(async (texts: string[], opts: TokenizeOptions) => {
      const folder = await resolveModelInfo(opts.model ?? defaultModel('colbert').id, undefined, {
        ...(opts.cacheDir ? { cacheDir: opts.cacheDir } : {}),
        ...(opts.offline ? { offline: true } : {}),
        progressBar: opts.json ? false : undefined,
      });
      const processor = folder.colbert ? new ColbertProcessor(folder.tokenizer, folder.colbert) : undefined;
      const results = texts.map((text, i) => {
        assertText(text, i);
        const all = processor
          ? opts.query
            ? processor.prepareQuery(text)
            : processor.prepareDocument(text)
          : (() => {
              const e = folder.tokenizer.encode(text);
              return { ids: e.ids, tokens: e.tokens, keep: e.ids.map((_, k) => k) };
            })();
        const offsets = folder.tokenizer.offsets(text, all.tokens);
        const tokens = all.keep.map((position) => ({ id: all.ids[position], token: all.tokens[position], position, offset: offsets[position] }));
        return { text, count: tokens.length, tokens };
      });
      if (opts.json) printJson(results);
      else for (const r of results) console.log(`${r.count}\t${r.tokens.map((t) => t.token).join(' ')}`);
    });
}
