/** `tartan models make-synthetic <dir>`: write a random-weight BERT model folder at a real architecture's size. */
import type { Command } from 'commander';
import { Option } from 'commander';
import { ErrorCodes, TartanError } from '../../core/errors.js';
import { commandGroup, formatTable, printJson } from '../output.js';
import {
  ensureSyntheticModel,
  makeSyntheticModel,
  SYNTHETIC_ARCHITECTURES,
  SYNTHETIC_KINDS,
  SYNTHETIC_LAYOUTS,
  type SyntheticArch,
  type SyntheticKind,
  type SyntheticLayout,
} from '../../models/synthetic/index.js';

interface MakeSyntheticFlags {
  arch: SyntheticArch;
  kind: SyntheticKind;
  dim?: string;
  seed?: string;
  layout: SyntheticLayout;
  reuse?: boolean;
  json?: boolean;
}

function integer(flag: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  if (!/^\d+$/.test(value)) throw new TartanError(ErrorCodes.INVALID_ARGUMENT, `${flag} must be a non-negative integer, got "${value}"`);
  return Number(value);
}

function megabytes(bytes: number): string {
  return `${(bytes / 1e6).toFixed(1)} MB`;
}

export function register(program: Command): void {
  commandGroup(program, 'models', 'list, pull and build models')
    .command('make-synthetic')
    .description('write a random-weight BERT model (ONNX + tokenizer + configs) at a real architecture size, for tests and benchmarks')
    .argument('<dir>', 'folder to write the model into (created if missing)')
    .addOption(new Option('--arch <arch>', 'architecture size').choices(Object.keys(SYNTHETIC_ARCHITECTURES)).makeOptionMandatory())
    .addOption(new Option('--kind <kind>', 'what the graph outputs').choices([...SYNTHETIC_KINDS]).makeOptionMandatory())
    .option('--dim <n>', 'ColBERT output dimension (colbert only; default 128)')
    .option('--seed <n>', 'random seed; the same seed writes a byte-identical model.onnx (default 42)')
    .addOption(
      new Option('--layout <layout>', 'onnx: projection inside model.onnx; pylate: backbone + 1_Dense safetensors (colbert only)')
        .choices([...SYNTHETIC_LAYOUTS])
        .default('onnx'),
    )
    .option('--reuse', 'keep the folder if it already holds an intact model built with the same options')
    .option('--json', 'print what was written as JSON')
    .addHelpText(
      'after',
      '\nExamples:\n  tartan models make-synthetic /tmp/colbert-small --arch bert-small --kind colbert --dim 96 --layout pylate\n  tartan models make-synthetic /tmp/rerank --arch minilm-l6 --kind cross-encoder --json\n',
    )
    .action(async (dir: string, flags: MakeSyntheticFlags) => {
      const started = performance.now();
      const opts = { arch: flags.arch, kind: flags.kind, dim: integer('--dim', flags.dim), seed: integer('--seed', flags.seed), layout: flags.layout };
      const info = flags.reuse ? await ensureSyntheticModel(dir, opts) : { ...(await makeSyntheticModel(dir, opts)), reused: false };
      const seconds = (performance.now() - started) / 1000;
      if (flags.json) {
        printJson({ ...info, seconds: Number(seconds.toFixed(2)) });
        return;
      }
      const verb = info.reused ? 'kept the existing' : 'wrote a';
      console.log(`${verb} synthetic ${info.arch} ${info.kind} model (${info.layout} layout, seed ${info.seed}) in ${info.dir} (${seconds.toFixed(1)} s)`);
      const width = info.kind === 'colbert' ? `, ColBERT dim ${info.dim}` : '';
      console.log(`parameters ${info.params.toLocaleString('en-US')}, ONNX output "${info.output}"${width}, ${megabytes(info.totalBytes)} in all\n`);
      console.log(
        formatTable(
          ['file', 'bytes'],
          info.files.map((f) => [f.path, f.bytes]),
        ),
      );
    });
}
