/** Tests that check the readers against files written by numpy itself need python3 with numpy; without it they skip, saying so. */
import { spawnSync } from 'node:child_process';

const probe = spawnSync('python3', ['-c', 'import numpy'], { encoding: 'utf8' });

/** node:test options: `{ skip: 'python3 with numpy not found' }` where it is missing. */
export const needsNumpy: { skip: string | false } = { skip: probe.status === 0 ? false : 'python3 with numpy not found' };

/** Runs a Python program; throws with its stderr when it fails. */
export function python(args: readonly string[], options: { input?: string; cwd?: string } = {}): string {
  const r = spawnSync('python3', args, { encoding: 'utf8', timeout: 120_000, ...options });
  if (r.status !== 0) throw new Error(`python3 ${args.join(' ')} failed (${r.status}): ${r.stderr}`);
  return r.stdout;
}
