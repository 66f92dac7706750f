#!/usr/bin/env node
/**
 * The `tartan` command line. Each file in ./commands registers one command
 * (or one subcommand of a group such as `models` or `bench`), so commands are
 * added without touching this file.
 */
import { existsSync, readdirSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { dirname, join } from 'node:path';
import { Command } from 'commander';
import { reportError } from './output.js';
import { version } from '../core/version.js';
import { ErrorCodes, TartanError } from '../core/errors.js';

export type RegisterCommand = (program: Command) => void;

const here = dirname(fileURLToPath(import.meta.url));

async function loadCommands(program: Command, dir: string): Promise<void> {
  // .js when built, .ts when run from source with tsx.
  const files = readdirSync(dir)
    .filter((f) => /\.(js|ts)$/.test(f) && !f.endsWith('.d.ts'))
    .sort();
  for (const file of files) {
    const mod = (await import(pathToFileURL(join(dir, file)).href)) as { register?: RegisterCommand };
    if (typeof mod.register === 'function') mod.register(program);
  }
}

/**
 * The `bench` commands live in the repository's bench/ folder, outside the published package
 * (their dependencies are development ones); an installed package says where to find them.
 */
async function loadBenchCommands(program: Command): Promise<void> {
  const dir = join(here, '..', '..', 'bench', 'commands');
  if (existsSync(dir)) return loadCommands(program, dir);
  program
    .command('bench')
    .description('benchmarks (run from a clone of the repository: they are not part of the published package)')
    .allowUnknownOption()
    .argument('[args...]')
    .action(() => {
      throw new TartanError(
        ErrorCodes.INVALID_ARGUMENT,
        'the bench commands ship with the repository, not the package: clone it, run `npm ci && npm run build`, then `node dist/src/cli/main.js bench --help`',
      );
    });
}

export async function main(argv: string[] = process.argv): Promise<void> {
  const program = new Command('tartan')
    .description('Late-interaction (ColBERT) search: local models, MaxSim with explanations, a compressed index, BEIR evaluation.')
    .version(version)
    .showHelpAfterError('(run with --help for usage)')
    .configureHelp({ sortSubcommands: true });
  await loadCommands(program, join(here, 'commands'));
  await loadBenchCommands(program);
  await program.parseAsync(argv);
}

main().catch((err: unknown) => {
  reportError(err, process.argv.includes('--json'));
  process.exitCode = process.exitCode && process.exitCode !== 0 ? process.exitCode : 1;
});
