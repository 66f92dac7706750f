import { spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/**
 * Runs examples/<name> as a user would, in a child node: the TypeScript file through tsx when the
 * tests run from source, else its compiled twin in dist/examples.
 */
export function runExample(name: string, env: Record<string, string> = {}): SpawnSyncReturns<string> {
  const fromSource = import.meta.url.endsWith('.ts');
  const script = fileURLToPath(new URL(`../../examples/${name}.${fromSource ? 'ts' : 'js'}`, import.meta.url));
  return spawnSync(process.execPath, [...(fromSource ? ['--import', 'tsx'] : []), script], {
    encoding: 'utf8',
    timeout: 120_000,
    env: { ...process.env, ...env },
  });
}
