/**
 * Well-formed index manifests that lie: one value replaced by a hostile one
 * (wrong type, negative, huge, a traversal path) and the checksum trailer
 * recomputed, or the trailer dropped as a version-1 manifest. Such a file
 * passes the checksum, so only the field-by-field validation of the manifest
 * (validateManifest in src/stores/file/manifest.ts) stands between it and the
 * snapshot loader and the native search kernels.
 *
 * Every case must end as success or a coded TartanError; the failures are
 * listed by kind (uncoded error, process abort, hang) with the first seed
 * that shows each. A second test replays the values the fuzzer first found
 * (a nextDocBase of 2^32, `../` file names, nprobe [null]), each of which must
 * be refused as E_INDEX_CORRUPT. The cases run in child processes
 * (manifest-lying-worker.ts), because without the validation some of these
 * manifests abort Node or allocate gigabytes.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const CASES = Number(process.env.TARTAN_FUZZ_FILE_CASES ?? 150);
const BASE = Number(process.env.TARTAN_FUZZ_SEED ?? 1);
const root = mkdtempSync(join(tmpdir(), 'tartan-fuzz-lying-'));
let total = 0;
after(() => {
  rmSync(root, { recursive: true, force: true });
  console.log(`fuzz cases: ${total} (manifest, well-formed but hostile)`);
});

const worker = fileURLToPath(new URL(`./manifest-lying-worker.${import.meta.url.endsWith('.ts') ? 'ts' : 'js'}`, import.meta.url));
const nodeArgs = import.meta.url.endsWith('.ts') ? ['--import', 'tsx'] : [];
/** A case that runs longer than this is reported as stuck. */
const STUCK_MS = 5_000;

/** Cases one worker got through, and how it ended: cleanly, killed as stuck on a case, or dead inside one. */
interface Run {
  lines: Array<{ seed: number; name?: string; outcome: string; code?: string; error?: string; at?: string }>;
  ended: string | undefined;
}

/** Runs the worker from `first`; a case silent for STUCK_MS (an allocation of gigabytes, a loop) gets it killed. */
function runWorker(dir: string, mode: string, first: number, count: number, kind = 'random'): Promise<Run> {
  return new Promise((done) => {
    const child = spawn(process.execPath, [...nodeArgs, worker, dir, mode, String(first), String(count), kind], { stdio: ['ignore', 'pipe', 'pipe'] });
    const run: Run = { lines: [], ended: undefined };
    let stderr = '',
      killed = false;
    let timer = setTimeout(() => {
      killed = true;
      child.kill('SIGKILL');
    }, 60_000);
    createInterface({ input: child.stdout }).on('line', (l) => {
      run.lines.push(JSON.parse(l));
      clearTimeout(timer);
      timer = setTimeout(() => {
        killed = true;
        child.kill('SIGKILL');
      }, STUCK_MS);
    });
    child.stderr.on('data', (c: Buffer) => {
      stderr += c.toString();
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      if (killed) run.ended = `stuck over ${STUCK_MS / 1000} s on one case (killed)`;
      else if (code !== 0)
        run.ended = `process ended (${signal ?? `exit ${code}`}): ${/FATAL ERROR: [^\n]*/.exec(stderr)?.[0] ?? stderr.trim().split('\n').at(-1) ?? ''}`;
      done(run);
    });
  });
}

test('index manifest: well-formed manifests with hostile values are refused with a code', { timeout: 600_000 }, async () => {
  const failures = new Map<string, number>();
  for (const mode of ['plaid', 'flat']) {
    const dir = join(root, mode);
    let next = BASE;
    while (next < BASE + CASES) {
      const { lines, ended } = await runWorker(dir, mode, next, BASE + CASES - next);
      const done = lines.filter((l) => l.outcome !== 'started');
      total += done.length;
      for (const l of done) {
        const key = `${l.error?.replace(/\d{3,}/g, 'N')} @ ${l.at}`;
        if (l.outcome === 'uncoded' && !failures.has(key)) failures.set(key, l.seed);
      }
      const last = lines.at(-1);
      if (!ended && last?.outcome !== 'started') break;
      // the worker died or hung inside a case: record that case and go on after it
      const seed = last?.outcome === 'started' ? last.seed : next;
      total++;
      if (!failures.has(ended ?? 'ended inside a case')) failures.set(ended ?? 'ended inside a case', seed);
      next = seed + 1;
    }
  }
  for (const [kind, seed] of failures) console.log(`lying manifest: ${kind} (first: seed ${seed}, replay with TARTAN_FUZZ_SEED)`);
  assert.equal(failures.size, 0, `${failures.size} kinds of uncoded errors, aborts or hangs from well-formed hostile manifests`);
});

test(
  'index manifest: the lies the fuzzer first found are refused as E_INDEX_CORRUPT (no abort, no allocation of gigabytes, no read outside the folder)',
  { timeout: 300_000 },
  async () => {
    const wrong: string[] = [];
    let refused = 0;
    for (const mode of ['plaid', 'flat']) {
      const dir = join(root, mode); // the random test's index, when it ran (the worker builds one when absent)
      let next = 0;
      for (;;) {
        const { lines, ended } = await runWorker(dir, mode, next, 1000, 'named');
        for (const l of lines) {
          if (l.outcome === 'started' || l.outcome === 'skipped') continue;
          total++;
          if (l.outcome === 'coded' && l.code === 'E_INDEX_CORRUPT') refused++;
          else wrong.push(`${mode} "${l.name}": ${l.outcome}${l.code ? ` ${l.code}` : ''}${l.error ? ` ${l.error} @ ${l.at}` : ''}`);
        }
        const last = lines.at(-1);
        if (!ended && last?.outcome !== 'started') break;
        // died or hung inside a case: record it and go on after it
        wrong.push(`${mode} "${last?.outcome === 'started' ? last.name : `case ${next}`}": ${ended ?? 'ended inside the case'}`);
        next = (last?.outcome === 'started' ? last.seed : next) + 1;
      }
    }
    for (const w of wrong) console.log(`lying manifest not refused: ${w}`);
    assert.deepEqual(wrong, [], `${wrong.length} hand-written lying manifests were not refused as E_INDEX_CORRUPT`);
    // Every case ran: the 19 of NAMED in each mode, less the 2 that need a codebook in the flat one.
    assert.equal(refused, 19 + 17);
  },
);
