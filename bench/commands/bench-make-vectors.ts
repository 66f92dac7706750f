/** `tartan bench make-vectors`: a vectors file of token vectors with real structure, built from trained word vectors (no model). */
import type { Command } from 'commander';
import { InvalidArgumentError } from 'commander';
import { commandGroup, printJson } from '../../src/cli/output.js';
import { buildWordVectorFixture } from '../word-vector-fixture.js';
import { saveVectors } from '../../src/core/vectors-file.js';

interface Opts {
  dataset: string;
  wordVectors: string;
  out: string;
  dim: number;
  window: number;
  context: number;
  seed: number;
  maxDocTokens: number;
  maxDocs?: number;
  json?: boolean;
}

function positiveInt(name: string) {
  return (v: string): number => {
    const n = Number(v);
    if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError(`${name} must be a positive integer`);
    return n;
  };
}

function fraction(v: string): number {
  const n = Number(v);
  if (!(n >= 0 && n <= 1)) throw new InvalidArgumentError('--context must be a number from 0 to 1');
  return n;
}

export function register(program: Command): void {
  commandGroup(program, 'bench', 'benchmarks')
    .command('make-vectors')
    .description(
      'build token vectors with real semantic structure from trained word vectors (each word mixed with its neighbours, randomly projected, normalised) for a BEIR folder, and save them as a vectors file for `bench search --vectors` and `eval --vectors`',
    )
    .requiredOption('--dataset <dir>', 'BEIR folder (corpus.jsonl, queries.jsonl, qrels/test.tsv)')
    .requiredOption('--word-vectors <dir>', 'folder with words.txt and vectors.f16 (e.g. ../shared/fixtures/word-vectors/glove-100d-scifact)')
    .requiredOption('--out <file>', 'vectors file to write')
    .option('--dim <n>', 'output dimension', positiveInt('--dim'), 128)
    .option(
      '--window <n>',
      'neighbours mixed in on each side',
      (v) => {
        const n = Number(v);
        if (!Number.isInteger(n) || n < 0) throw new InvalidArgumentError('--window must be an integer >= 0');
        return n;
      },
      2,
    )
    .option('--context <w>', 'weight of a neighbour at distance 1 (distance d: w^d)', fraction, 0.5)
    .option('--seed <n>', 'seed of the projection and of unknown words', positiveInt('--seed'), 1)
    .option('--max-doc-tokens <n>', 'document truncation', positiveInt('--max-doc-tokens'), 300)
    .option('--max-docs <n>', 'only the first n documents', positiveInt('--max-docs'))
    .option('--json', 'print a JSON summary')
    .action(async (o: Opts) => {
      const c = await buildWordVectorFixture(o.dataset, o.wordVectors, {
        dim: o.dim,
        window: o.window,
        context: o.context,
        seed: o.seed,
        maxDocTokens: o.maxDocTokens,
        ...(o.maxDocs ? { maxDocs: o.maxDocs } : {}),
      });
      saveVectors(o.out, c);
      const summary = { file: o.out, model: c.model, dim: c.dim, documents: c.docIds.length, tokens: c.docs.data.length / c.dim, queries: c.queryIds.length };
      if (o.json) printJson(summary);
      else
        console.log(
          `wrote ${summary.documents} documents (${summary.tokens} tokens) and ${summary.queries} queries, dim ${summary.dim}, to ${o.out} (${c.model})`,
        );
    });
}
