import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { tempDir } from '../stores/file/helpers.js';
import { adminQuery, pgTest, uniqueName } from '../stores/postgres/pg-test-env.js';
import { spawnSync } from 'node:child_process';
import { tartanSync } from './run-cli.js';

const here = fileURLToPath(new URL('.', import.meta.url));
// spawnSync gives the child a pipe for stdin: it runs without a terminal, as in a script.
const tartan = (...args: string[]) => tartanSync(args, { env: { TARTAN_HOME: join(here, '.no-home') } });

const records = [
  { id: 'asp', text: 'Aspirin reduces fever and relieves pain.' },
  { id: 'tea', text: 'Green tea contains caffeine and keeps people awake.' },
  { id: 'vac', text: 'Vaccines train the immune system to fight viruses.' },
];

function corpus(dir: string): string {
  const input = join(dir, 'docs.jsonl');
  writeFileSync(input, records.map((r) => JSON.stringify(r)).join('\n') + '\n');
  return input;
}

function errorOf(stdout: string): { code: string; message: string } {
  return (JSON.parse(stdout) as { error: { code: string; message: string } }).error;
}

test('cli drop: refuses a folder that is not a tartan index and leaves it untouched', (t) => {
  const dir = tempDir(t, 'tartan-drop-');
  writeFileSync(join(dir, 'thesis.tex'), 'do not lose me');
  const r = tartan('drop', dir, '--yes', '--json');
  assert.equal(r.status, 1);
  assert.equal(errorOf(r.stdout).code, 'E_INDEX_NOT_FOUND');
  assert.deepEqual(readdirSync(dir), ['thesis.tex']);
  assert.equal(readFileSync(join(dir, 'thesis.tex'), 'utf8'), 'do not lose me');
  const human = tartan('drop', join(dir, 'nowhere'), '--yes');
  assert.equal(human.status, 1);
  assert.match(human.stderr, /E_INDEX_NOT_FOUND/);
});

test('cli drop: without --yes and without a terminal it refuses and says to pass --yes; with --yes it drops index and side indexes', (t) => {
  const dir = tempDir(t, 'tartan-drop-');
  const idx = join(dir, 'idx');
  const built = tartan('index', idx, corpus(dir), '--model', 'lexical', '--json', '--no-progress');
  assert.equal(built.status, 0, built.stderr);
  assert.ok(existsSync(join(idx, 'bm25')), `indexing keeps the BM25 side index in the folder: ${readdirSync(idx).join(', ')}`);

  const refused = tartan('drop', idx);
  assert.equal(refused.status, 1);
  assert.match(refused.stderr, /E_INVALID_ARGUMENT: .*--yes/);
  const refusedJson = tartan('drop', idx, '--json');
  assert.equal(refusedJson.status, 1);
  assert.equal(errorOf(refusedJson.stdout).code, 'E_INVALID_ARGUMENT');
  assert.ok(existsSync(join(idx, 'manifest.json')));
  assert.equal(tartan('search', idx, 'fever', '--json').status, 0);

  const dropped = tartan('drop', idx, '--yes', '--json');
  assert.equal(dropped.status, 0, dropped.stderr);
  assert.deepEqual(JSON.parse(dropped.stdout), { dropped: true, dir: idx, kind: 'flat', documents: 3 });
  assert.equal(existsSync(idx), false);
  assert.deepEqual(readdirSync(dir), ['docs.jsonl']);

  const again = tartan('drop', idx, '--yes', '--json');
  assert.equal(again.status, 1);
  assert.equal(errorOf(again.stdout).code, 'E_INDEX_NOT_FOUND');
});

test('cli drop: the human output names what was dropped', (t) => {
  const dir = tempDir(t, 'tartan-drop-');
  const idx = join(dir, 'idx');
  assert.equal(tartan('index', idx, corpus(dir), '--model', 'lexical', '--mode', 'plaid', '--no-progress').status, 0);
  const r = tartan('drop', idx, '--yes');
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stdout.trim(), `dropped the plaid index at ${idx} (3 documents)`);
  assert.equal(existsSync(idx), false);
});

/** util-linux `script` runs a command on a pseudo-terminal: the way to test the question without a person. */
const hasScript = spawnSync('script', ['--version'], { encoding: 'utf8' }).status === 0;

/** Runs `tartan <args>` on a pseudo-terminal, typing `answer`. */
function onTerminal(args: string[], answer: string): { status: number | null; out: string } {
  const fromSource = import.meta.url.endsWith('.ts');
  const main = fileURLToPath(new URL(`../../src/cli/main.${fromSource ? 'ts' : 'js'}`, import.meta.url));
  const argv = [process.execPath, ...(fromSource ? ['--import', 'tsx'] : []), main, ...args].map((a) => `'${a.replace(/'/g, "'\\''")}'`);
  const r = spawnSync('script', ['-qec', argv.join(' '), '/dev/null'], {
    input: answer,
    encoding: 'utf8',
    env: { ...process.env, TARTAN_HOME: join(here, '.no-home') },
  });
  return { status: r.status, out: r.stdout };
}

test(
  'cli drop: on a terminal it asks; anything but yes keeps the index',
  { skip: hasScript ? false : 'util-linux `script` is not installed (needed for a pseudo-terminal)' },
  (t) => {
    const dir = tempDir(t, 'tartan-drop-');
    const idx = join(dir, 'idx');
    assert.equal(tartan('index', idx, corpus(dir), '--model', 'lexical', '--no-progress').status, 0);
    const declined = onTerminal(['drop', idx], 'n\n');
    assert.equal(declined.status, 1, declined.out);
    assert.match(declined.out, /drop the flat index at .*\(3 documents\)\? .*\[y\/N\]/);
    assert.match(declined.out, /nothing was removed/);
    assert.ok(existsSync(join(idx, 'manifest.json')));
    const agreed = onTerminal(['drop', idx], 'yes\n');
    assert.equal(agreed.status, 0, agreed.out);
    assert.match(agreed.out, /dropped the flat index/);
    assert.equal(existsSync(idx), false);
  },
);

const exists = async (url: string, table: string) => (await adminQuery(url, 'SELECT to_regclass($1) IS NOT NULL AS e', [table])).rows[0].e as boolean;

pgTest('cli drop: a PostgreSQL collection loses its tables and catalogue row; another collection stays', async (t, base) => {
  const dir = tempDir(t, 'tartan-drop-');
  const input = corpus(dir);
  const [gone, kept] = [uniqueName('dropme'), uniqueName('keepme')];
  const url = (c: string) => `${base}${base.includes('?') ? '&' : '?'}collection=${c}`;
  t.after(() => tartan('drop', url(kept), '--yes'));
  for (const c of [gone, kept]) {
    const built = tartan('index', url(c), input, '--model', 'lexical', '--no-progress');
    assert.equal(built.status, 0, built.stderr);
  }
  assert.equal(await exists(base, `tartan_${gone}_documents`), true);

  const refused = tartan('drop', url(gone));
  assert.equal(refused.status, 1);
  assert.match(refused.stderr, /E_INVALID_ARGUMENT: .*--yes/);
  assert.equal(await exists(base, `tartan_${gone}_documents`), true);

  const dropped = tartan('drop', url(gone), '--yes', '--json');
  assert.equal(dropped.status, 0, dropped.stderr);
  const out = JSON.parse(dropped.stdout) as { dropped: boolean; collection: string; kind: string; documents: number; endpoint: string };
  assert.deepEqual([out.dropped, out.collection, out.kind, out.documents], [true, gone, 'postgres', 3]);
  assert.ok(!dropped.stdout.includes(base), 'the URL (which may hold a password) is not echoed');
  for (const table of ['documents', 'tokens', 'doc_vectors']) assert.equal(await exists(base, `tartan_${gone}_${table}`), false, table);
  const row = await adminQuery(base, 'SELECT count(*)::int AS n FROM tartan_collections WHERE name = $1', [gone]);
  assert.equal(row.rows[0].n, 0);
  assert.equal(await exists(base, `tartan_${kept}_documents`), true);
  assert.equal(tartan('search', url(kept), 'fever', '--json').status, 0);

  const again = tartan('drop', url(gone), '--yes', '--json');
  assert.equal(again.status, 1);
  assert.equal(errorOf(again.stdout).code, 'E_INDEX_NOT_FOUND');
});
