/** `tartan drop <dir|url>`: removes a whole index (folder with its side indexes, or a PostgreSQL collection). */
import type { Command } from 'commander';
import { createInterface } from 'node:readline/promises';
import { printJson } from '../output.js';
import { ErrorCodes, TartanError } from '../../core/errors.js';
import type { StoreInfo } from '../../stores/types.js';
import { dropStore, isPostgresLocation } from '../../stores/open.js';

/** Names the index for a human without echoing a PostgreSQL URL, which may carry a password. */
function describeTarget(location: string, info: StoreInfo): string {
  const what = isPostgresLocation(location)
    ? `PostgreSQL collection "${String(info.collection)}" at ${String(info.endpoint)}`
    : `${info.kind} index at ${location}`;
  return `${what} (${info.documents} documents)`;
}

/** Asks on the terminal; only "y" or "yes" agrees. Without a terminal to ask on, refuses. */
async function askOnTerminal(location: string, info: StoreInfo): Promise<boolean> {
  if (!process.stdin.isTTY) {
    throw new TartanError(
      ErrorCodes.INVALID_ARGUMENT,
      `refusing to drop the ${describeTarget(location, info)} without confirmation: there is no terminal to ask on; pass --yes to drop it`,
    );
  }
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  try {
    const answer = await rl.question(`drop the ${describeTarget(location, info)}? This removes it for good. [y/N] `);
    return /^y(es)?$/i.test(answer.trim());
  } finally {
    rl.close();
  }
}

export function register(program: Command): void {
  program
    .command('drop')
    .description("remove a whole index: the folder with everything in it (side indexes included), or a PostgreSQL collection's tables; asks first unless --yes")
    .argument('<dir>', 'index folder or postgres:// URL')
    .option('--yes', 'drop without asking (required when not run from a terminal)')
    .option('--json', 'print JSON')
    .action(async (location: string, opts: { yes?: boolean; json?: boolean }) => {
      const { dropped, info } = await dropStore(location, opts.yes ? {} : { confirm: (i) => askOnTerminal(location, i) });
      const target = isPostgresLocation(location) ? { collection: info.collection, endpoint: info.endpoint } : { dir: location };
      if (opts.json) printJson({ dropped, ...target, kind: info.kind, documents: info.documents });
      else console.log(dropped ? `dropped the ${describeTarget(location, info)}` : `kept the ${describeTarget(location, info)}; nothing was removed`);
      if (!dropped) process.exitCode = 1;
    });
}
