/** Shared output helpers for CLI commands: JSON, aligned tables, errors. */
import type { Command } from 'commander';
import { isTartanError } from '../core/errors.js';

export { formatTable } from '../core/text-table.js';

/** Writes a value as JSON on stdout (one document, newline-terminated). */
export function printJson(value: unknown): void {
  process.stdout.write(JSON.stringify(value, null, 2) + '\n');
}

/** Prints an error for a human (stderr) or as JSON (stdout) when --json was given. */
export function reportError(err: unknown, json: boolean): void {
  const code = isTartanError(err) ? err.code : 'E_INTERNAL';
  const message = err instanceof Error ? err.message : String(err);
  if (json) {
    process.stdout.write(JSON.stringify({ error: { code, message, ...(isTartanError(err) && err.details ? { details: err.details } : {}) } }) + '\n');
  } else {
    process.stderr.write(`tartan: ${code}: ${message}\n`);
    if (!isTartanError(err) && err instanceof Error && process.env.TARTAN_DEBUG) process.stderr.write(`${err.stack}\n`);
  }
}

/**
 * Returns the subcommand group `name` of `program` (e.g. `models`, `bench`),
 * creating it on first use, so several command files can add to one group.
 */
export function commandGroup(program: Command, name: string, description: string): Command {
  const existing = program.commands.find((c) => c.name() === name);
  if (existing) return existing;
  return program.command(name).description(description);
}
