/** `tartan info <dir>`: what an index holds (documents, tokens, bytes per token, centroids, nbits, model, drift). */
import type { Command } from 'commander';
import { printJson } from '../output.js';
import { isPostgresLocation, openStore } from '../../stores/open.js';
import { PolyIndex } from '../../retrieval/poly-index.js';

export function register(program: Command): void {
  program
    .command('info')
    .description('show an index: documents, tokens, bytes per token, centroids, nbits, model, and whether a rebuild is advised')
    .argument('<dir>', 'index folder or postgres:// URL')
    .option('--json', 'print JSON')
    .action(async (dir: string, opts: { json?: boolean }) => {
      const store = await openStore(dir);
      try {
        const poly = isPostgresLocation(dir) ? undefined : PolyIndex.read(dir);
        // A poly index's "tokens" are its codes (M per document).
        const info = { ...(await store.info()), ...(poly ? { representation: poly.name, codesFrom: poly.source } : {}) };
        if (opts.json) printJson(info);
        else
          for (const [k, v] of Object.entries(info)) console.log(`${k.padEnd(20)} ${typeof v === 'number' && !Number.isInteger(v) ? v.toFixed(2) : String(v)}`);
      } finally {
        await store.close();
      }
    });
}
