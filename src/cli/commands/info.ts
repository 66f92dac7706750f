/** `tartan info <dir>`: what an index holds (documents, tokens, bytes per token, centroids, nbits, model, drift). */
import type { Command } from 'commander';
import { printJson } from '../output.js';
import { openStore } from '../../stores/open.js';

export function register(program: Command): void {
  program
    .command('info')
    .description('show an index: documents, tokens, bytes per token, centroids, nbits, model, and whether a rebuild is advised')
    .argument('<dir>', 'index folder or postgres:// URL')
    .option('--json', 'print JSON')
    .action(async (dir: string, opts: { json?: boolean }) => {
      const store = await openStore(dir);
      try {
        const info = await store.info();
        if (opts.json) printJson(info);
        else
          for (const [k, v] of Object.entries(info)) console.log(`${k.padEnd(20)} ${typeof v === 'number' && !Number.isInteger(v) ? v.toFixed(2) : String(v)}`);
      } finally {
        await store.close();
      }
    });
}
