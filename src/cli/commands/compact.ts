/** `tartan compact <dir>`: rewrites the index without deleted documents, in one segment. */
import type { Command } from 'commander';
import { printJson } from '../output.js';
import { ErrorCodes, TartanError } from '../../core/errors.js';
import { openStore } from '../../stores/open.js';
import { canCompact } from '../../stores/capabilities.js';

export function register(program: Command): void {
  program
    .command('compact')
    .description('rewrite a file index without its deleted documents and merge its segments (no re-clustering)')
    .argument('<dir>', 'index folder')
    .option('--json', 'print JSON')
    .action(async (dir: string, opts: { json?: boolean }) => {
      const store = await openStore(dir);
      try {
        if (!canCompact(store)) throw new TartanError(ErrorCodes.INVALID_ARGUMENT, 'compact applies to file indexes; PostgreSQL reclaims space with VACUUM');
        const before = await store.info();
        const started = performance.now();
        await store.compact();
        const after = await store.info();
        const result = {
          seconds: Number(((performance.now() - started) / 1000).toFixed(2)),
          before: { segments: before.segments, deleted: before.deleted, totalBytes: before.totalBytes },
          after: { segments: after.segments, deleted: after.deleted, totalBytes: after.totalBytes },
        };
        if (opts.json) printJson(result);
        else
          console.log(
            `compacted in ${result.seconds}s: ${String(before.segments)} -> ${String(after.segments)} segments, ${String(before.deleted)} deleted documents dropped`,
          );
      } finally {
        await store.close();
      }
    });
}
