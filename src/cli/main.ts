#!/usr/bin/env node
/**
 * The `tartan` command line. Each file in ./commands registers one command
 * (or one subcommand of a group such as `models` or `bench`), so commands are
 * added without touching this file.
 */
import { readdirSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { dirname, join } from 'node:path';
import { Command } from 'commander';
import { reportError } from './output.js';
import { version } from './version.js';

export type RegisterCommand = (program: Command) => void;

async function loadCommands(program: Command): Promise<void> {
  const dir = join(dirname(fileURLToPath(import.meta.url)), 'commands');
  // .js when built, .ts when run from source with tsx.
  const files = readdirSync(dir).filter((f) => /\.(js|ts)$/.test(f) && !f.endsWith('.d.ts')).sort();
  for (const file of files) {
    const mod = (await import(pathToFileURL(join(dir, file)).href)) as { register?: RegisterCommand };
    if (typeof mod.register === 'function') mod.register(program);
  }
}

export async function main(argv: string[] = process.argv): Promise<void> {
  const program = new Command('tartan')
    .description('Late-interaction (ColBERT) search: local models, MaxSim with explanations, a compressed index, BEIR evaluation.')
    .version(version)
    .showHelpAfterError('(run with --help for usage)')
    .configureHelp({ sortSubcommands: true });
  await loadCommands(program);
  await program.parseAsync(argv);
}

main().catch((err: unknown) => {
  reportError(err, process.argv.includes('--json'));
  process.exitCode = process.exitCode && process.exitCode !== 0 ? process.exitCode : 1;
});
