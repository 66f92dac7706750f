import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SHARED, inCi, needsShared, sharedSkipReason } from './shared-fixtures.js';
import { tartanSync } from './cli/run-cli.js';
import { sharedDir } from '../src/core/paths.js';

const fromSource = import.meta.url.endsWith('.ts');
const helper = new URL(`./shared-fixtures.${fromSource ? 'ts' : 'js'}`, import.meta.url).href;

/** Runs `fn` with environment variables set (undefined deletes), restoring them after. */
function withEnv<T>(vars: Record<string, string | undefined>, fn: () => T): T {
  const saved = Object.fromEntries(Object.keys(vars).map((k) => [k, process.env[k]]));
  const apply = (v: Record<string, string | undefined>) => {
    for (const [k, val] of Object.entries(v)) {
      if (val === undefined) delete process.env[k];
      else process.env[k] = val;
    }
  };
  apply(vars);
  try {
    return fn();
  } finally {
    apply(saved);
  }
}

function tempShared(): string {
  return mkdtempSync(join(tmpdir(), 'tartan-shared-'));
}

test('a missing shared fixture gives a skip reason naming it and where the shared folder comes from', () => {
  const dir = tempShared();
  try {
    withEnv({ TARTAN_SHARED: dir, CI: undefined }, () => {
      const where = join(dir, SHARED.tokenizer);
      assert.equal(sharedSkipReason(SHARED.tokenizer), `skipped: ${where} not found (the project's shared fixtures; from TARTAN_SHARED)`);
      assert.deepEqual(needsShared(SHARED.tokenizer), { skip: `skipped: ${where} not found (the project's shared fixtures; from TARTAN_SHARED)` });
      mkdirSync(join(dir, SHARED.tokenizer), { recursive: true });
      assert.equal(sharedSkipReason(SHARED.tokenizer), undefined, 'present: no reason');
      assert.deepEqual(needsShared(SHARED.tokenizer), { skip: false });
      const both = sharedSkipReason(SHARED.tokenizer, SHARED.scifact) ?? '';
      assert.ok(both.includes(join(dir, SHARED.scifact)) && !both.includes(SHARED.tokenizer), `only the missing one is named: ${both}`);
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('with CI set, a missing shared fixture throws instead of skipping', () => {
  const dir = tempShared();
  try {
    withEnv({ TARTAN_SHARED: dir, CI: 'true' }, () => {
      assert.throws(
        () => sharedSkipReason(SHARED.scifact),
        (e: unknown) => e instanceof Error && e.message.includes(join(dir, SHARED.scifact)) && e.message.includes('CI is set'),
      );
    });
    assert.ok(inCi({ CI: 'true' }) && inCi({ CI: '1' }));
    assert.ok(!inCi({}) && !inCi({ CI: '' }) && !inCi({ CI: 'false' }) && !inCi({ CI: '0' }));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('sharedSuite end to end: tests skip with the reason and hooks do not run; under CI the file fails with the path', () => {
  const dir = tempShared();
  try {
    const file = join(dir, 'probe.test.mjs');
    writeFileSync(
      file,
      `import { sharedSuite } from ${JSON.stringify(helper)};
const { test, before } = sharedSuite('fixtures/tokenizers/bert-base-uncased');
before(() => { throw new Error('the hook ran'); });
test('needs the tokenizer', () => { throw new Error('the test ran'); });
`,
    );
    // NODE_TEST_CONTEXT would make the child report to this runner instead of running its own tests.
    const { NODE_TEST_CONTEXT: _context, ...parentEnv } = process.env;
    const run = (env: Record<string, string>) =>
      spawnSync(process.execPath, [...(fromSource ? ['--import', 'tsx'] : []), '--test', '--test-reporter=spec', file], {
        encoding: 'utf8',
        env: { ...parentEnv, CI: '', TARTAN_SHARED: join(dir, 'none'), ...env },
        timeout: 60_000,
      });
    const local = run({});
    const out = local.stdout + local.stderr;
    assert.equal(local.status, 0, out);
    assert.match(out, /skipped: .*fixtures\/tokenizers\/bert-base-uncased not found \(the project's shared fixtures; from TARTAN_SHARED\)/);
    assert.doesNotMatch(out, /the hook ran|the test ran/);
    const ci = run({ CI: 'true' });
    assert.notEqual(ci.status, 0, 'CI fails');
    assert.match(ci.stdout + ci.stderr, /fixtures\/tokenizers\/bert-base-uncased not found: CI is set/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('the CLI without the shared folder: make-synthetic is a coded error naming the tokenizer path, not a raw ENOENT', () => {
  const dir = tempShared();
  try {
    const r = tartanSync(['models', 'make-synthetic', join(dir, 'model'), '--arch', 'tiny', '--kind', 'dense'], { env: { TARTAN_SHARED: join(dir, 'none') } });
    assert.equal(r.status, 1, r.stderr);
    assert.match(r.stderr, /E_MODEL_FILES_MISSING/);
    assert.ok(r.stderr.includes(join(dir, 'none', SHARED.tokenizer)), r.stderr);
    assert.doesNotMatch(r.stderr, /ENOENT/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

// Skipped only when the shared folder itself is missing, so a misspelt path in SHARED fails wherever it is present.
test('every path in SHARED exists in the shared folder', needsShared(''), () => {
  for (const rel of Object.values(SHARED)) assert.ok(existsSync(join(sharedDir(), rel)), `${rel} in ${sharedDir()}`);
});
