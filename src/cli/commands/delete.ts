/** `tartan delete <dir> <id...>`: deletes documents (tombstones; `tartan compact` reclaims space). */
import type { Command } from 'commander';
import { printJson } from '../output.js';
import { openStore } from '../../stores/open.js';

export function register(program: Command): void {
  program
    .command('delete')
    .description('delete documents by id (marked deleted at once; run `tartan compact` to reclaim the space)')
    .argument('<dir>', 'index folder or postgres:// URL')
    .argument('<id...>', 'document ids')
    .option('--json', 'print JSON')
    .action(async (dir: string, ids: string[], opts: { json?: boolean }) => {
      const store = await openStore(dir);
      try {
        const deleted = await store.delete(ids);
        if (opts.json) printJson({ requested: ids.length, deleted });
        else console.log(`deleted ${deleted} of ${ids.length} documents`);
      } finally {
        await store.close();
      }
    });
}
