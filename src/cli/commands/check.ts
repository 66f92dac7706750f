/** `tartan check <dir>`: verifies a file index (checksums, counts, tables against each other); exit code 1 when damaged. */
import type { Command } from 'commander';
import { printJson } from '../output.js';
import { ErrorCodes, TartanError } from '../../core/errors.js';
import { checkIndex } from '../../stores/file/check.js';
import type { CheckReport } from '../../stores/file/check.js';
import { isPostgresLocation, openStore } from '../../stores/open.js';
import { canCheck } from '../../stores/capabilities.js';

function kib(bytes: number): string {
  return bytes >= 2 ** 20 ? `${(bytes / 2 ** 20).toFixed(1)} MiB` : `${(bytes / 1024).toFixed(1)} KiB`;
}

/** The human-readable report. */
export function formatReport(r: CheckReport): string {
  const lines = [`index      ${r.dir}`];
  if (r.generation !== undefined) lines.push(`manifest   generation ${r.generation}, ${r.mode ?? '?'} mode, dim ${r.dim ?? '?'}, ${r.segments} segment(s)`);
  lines.push(`files      ${r.files} named by the manifest, ${kib(r.bytes)}`);
  lines.push(`contents   ${r.documents} live documents (${r.deleted} deleted), ${r.passages} passages, ${r.tokens} tokens`);
  for (const w of r.warnings) lines.push(`warning    ${w}`);
  for (const p of r.problems) lines.push(`${p.code}  ${p.file ?? '-'}: ${p.message}`);
  lines.push(
    r.ok
      ? `healthy: every checksum matches and the tables agree (${r.seconds.toFixed(2)}s)`
      : `DAMAGED: ${r.problems.length} problem(s); restore the folder from a backup or rebuild the index (documents can be re-added from their source)`,
  );
  return lines.join('\n');
}

/**
 * The report of the index at `location`. A folder is checked without opening it as a store, since a
 * damaged index may not open; any other store is opened and asked whether it can check itself (canCheck).
 */
async function checkLocation(location: string): Promise<CheckReport> {
  if (!isPostgresLocation(location)) return checkIndex(location);
  const store = await openStore(location);
  try {
    if (!canCheck(store)) throw new TartanError(ErrorCodes.INVALID_ARGUMENT, 'check applies to file indexes; PostgreSQL checks its own pages (see amcheck)');
    return await store.check();
  } finally {
    await store.close();
  }
}

export function register(program: Command): void {
  program
    .command('check')
    .description(
      'verify a file index: the manifest, the size and sha256 of every file, counts, and that inverted lists, passage tables, tombstones and ids agree (exit code 1 when damaged)',
    )
    .argument('<dir>', 'index folder')
    .option('--json', 'print the report as JSON')
    .action(async (dir: string, opts: { json?: boolean }) => {
      const report = await checkLocation(dir);
      if (opts.json) printJson(report);
      else console.log(formatReport(report));
      if (!report.ok) process.exitCode = 1;
    });
}
