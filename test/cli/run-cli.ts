/**
 * Runs the tartan CLI in a child process for tests: the compiled
 * dist/src/cli/main.js in the built suite, or main.ts through tsx when the
 * tests run from source.
 */
import { execFile, spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const fromSource = import.meta.url.endsWith('.ts');
const main = fileURLToPath(new URL(`../../src/cli/main.${fromSource ? 'ts' : 'js'}`, import.meta.url));
const argv = (args: readonly string[]) => [...(fromSource ? ['--import', 'tsx'] : []), main, ...args];

/** What a CLI run printed and its exit status (non-zero on error). */
export interface CliResult {
  status: number;
  stdout: string;
  stderr: string;
}

export interface CliOptions {
  env?: Record<string, string>;
  cwd?: string;
  timeoutMs?: number;
}

/** Runs `tartan <args>` and waits for it (blocking). */
export function tartanSync(args: readonly string[], o: CliOptions = {}): CliResult {
  const r = spawnSync(process.execPath, argv(args), {
    encoding: 'utf8',
    env: { ...process.env, ...o.env },
    maxBuffer: 64 * 1024 * 1024,
    ...(o.cwd ? { cwd: o.cwd } : {}),
    ...(o.timeoutMs ? { timeout: o.timeoutMs } : {}),
  });
  return { status: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

const run = promisify(execFile);

/** Runs `tartan <args>` without blocking the test process (so servers in it keep answering). */
export async function tartan(args: readonly string[], o: CliOptions = {}): Promise<CliResult> {
  try {
    const { stdout, stderr } = await run(process.execPath, argv(args), {
      env: { ...process.env, ...o.env },
      maxBuffer: 64 * 1024 * 1024,
      ...(o.cwd ? { cwd: o.cwd } : {}),
      ...(o.timeoutMs ? { timeout: o.timeoutMs } : {}),
    });
    return { status: 0, stdout, stderr };
  } catch (e) {
    const err = e as { stdout?: string; stderr?: string; code?: number | string };
    return { status: typeof err.code === 'number' ? err.code : -1, stdout: err.stdout ?? '', stderr: err.stderr ?? String(e) };
  }
}
