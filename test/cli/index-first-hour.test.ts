/**
 * The first hour with `tartan index`, as a user meets it: a bad line late in the input, a rerun, Ctrl-C,
 * non-UTF-8 text files, an index path that is a file, a missing input, another --model on an existing index.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { tempDir } from '../stores/file/helpers.js';
import { tartanSync, type CliResult } from './run-cli.js';

const here = fileURLToPath(new URL('.', import.meta.url));
const env = { TARTAN_HOME: join(here, '.no-home') };
const tartan = (...args: string[]) => tartanSync(args, { env });
const errorOf = (r: CliResult) => (JSON.parse(r.stdout) as { error: { code: string; message: string; details?: Record<string, unknown> } }).error;
const infoOf = (dir: string) => JSON.parse(tartan('info', dir, '--json').stdout) as { documents: number; model: string };

/** JSON-lines of `n` documents d0..d(n-1), `words` words each. */
function corpus(n: number, words = 6, from = 0): string {
  const lines: string[] = [];
  for (let i = from; i < from + n; i++) {
    const text = Array.from({ length: words }, (_, w) => `word${(i * 7 + w * 13) % 997}`).join(' ');
    lines.push(JSON.stringify({ id: `d${i}`, text: `document ${i} ${text}` }));
  }
  return lines.join('\n') + '\n';
}

/** Starts `tartan <args>` and sends it SIGINT (Ctrl-C) once `file` exists: a user interrupting a long run after its first commits. */
async function interruptWhen(args: string[], file: string): Promise<CliResult> {
  const fromSource = import.meta.url.endsWith('.ts');
  const main = fileURLToPath(new URL(`../../src/cli/main.${fromSource ? 'ts' : 'js'}`, import.meta.url));
  const child = spawn(process.execPath, [...(fromSource ? ['--import', 'tsx'] : []), main, ...args], { env: { ...process.env, ...env } });
  let stdout = '',
    stderr = '';
  child.stdout.on('data', (b: Buffer) => (stdout += b.toString()));
  child.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
  const exited = new Promise<number>((done) => child.on('exit', (code) => done(code ?? -1)));
  const poll = setInterval(() => {
    if (existsSync(file)) {
      clearInterval(poll);
      child.kill('SIGINT');
    }
  }, 10);
  const status = await exited;
  clearInterval(poll);
  return { status, stdout, stderr };
}

test('index: a bad line late in the input of a new index writes nothing; the fixed file then indexes whole', (t) => {
  const dir = tempDir(t, 'tartan-first-');
  const input = join(dir, 'corpus.jsonl');
  const good = corpus(300);
  const lines = good.split('\n');
  lines.splice(290, 0, '{"id": "broken", "text": "no closing brace"');
  writeFileSync(input, lines.join('\n'));
  const idx = join(dir, 'idx');
  const failed = tartan('index', idx, input, '--model', 'lexical', '--no-progress');
  assert.equal(failed.status, 1);
  assert.match(failed.stderr, /E_INPUT_FORMAT: .*corpus\.jsonl:291: not valid JSON/);
  assert.match(failed.stderr, /nothing was indexed \(every input is checked before anything is written\)/);
  assert.ok(!existsSync(idx), 'a failed new index left a folder behind');

  writeFileSync(input, good);
  const rerun = tartan('index', idx, input, '--model', 'lexical', '--no-progress', '--json');
  assert.equal(rerun.status, 0, rerun.stderr);
  assert.equal(infoOf(idx).documents, 300);
  assert.ok(!existsSync(join(idx, 'write.lock')));
});

test('index: a rerun into an existing index refuses existing ids before writing and suggests --replace, which upserts', (t) => {
  const dir = tempDir(t, 'tartan-first-');
  const input = join(dir, 'corpus.jsonl');
  writeFileSync(input, corpus(20));
  const idx = join(dir, 'idx');
  assert.equal(tartan('index', idx, input, '--model', 'lexical', '--no-progress').status, 0);

  writeFileSync(input, [JSON.stringify({ id: 'd0', text: 'replacement text about zebras' }), ...corpus(25, 6, 1).trim().split('\n')].join('\n'));
  const dup = tartan('index', idx, input, '--no-progress', '--json');
  assert.equal(dup.status, 1);
  const err = errorOf(dup);
  assert.equal(err.code, 'E_DUPLICATE_ID');
  assert.match(err.message, /20 of the input's ids are already in the index .*nothing was added\. Rerun with --replace/);
  assert.equal(infoOf(idx).documents, 20);
  assert.ok(!existsSync(join(idx, 'write.lock')), 'a refused run left write.lock behind');

  const replaced = tartan('index', idx, input, '--replace', '--no-progress', '--json');
  assert.equal(replaced.status, 0, replaced.stdout + replaced.stderr);
  assert.equal(infoOf(idx).documents, 26);
  const hits = JSON.parse(tartan('search', idx, 'zebras', '-k', '1', '--json').stdout) as { hits: Array<{ id: string }> };
  assert.equal(hits.hits[0].id, 'd0', 'the replaced document has its new text');
});

test('index: Ctrl-C during a new index removes the half-made index and leaves no lock', async (t) => {
  const dir = tempDir(t, 'tartan-first-');
  const input = join(dir, 'corpus.jsonl');
  writeFileSync(input, corpus(600, 200));
  const idx = join(dir, 'idx');
  const r = await interruptWhen(['index', idx, input, '--model', 'lexical', '--no-progress', '--segment-tokens', '3000'], join(idx, 'seg-000001.docs'));
  assert.equal(r.status, 130, r.stderr);
  assert.match(r.stderr, /E_INTERRUPTED: interrupted \(SIGINT\)\nnothing was indexed: the new index at .* was removed; run the same command again/);
  assert.ok(!existsSync(idx), 'the half-made index is still there');
});

test('index: Ctrl-C while adding to an index says what was committed, up to which line, and --replace resumes', async (t) => {
  const dir = tempDir(t, 'tartan-first-');
  const idx = join(dir, 'idx');
  writeFileSync(join(dir, 'first.jsonl'), corpus(5, 6, 1000));
  assert.equal(tartan('index', idx, join(dir, 'first.jsonl'), '--model', 'lexical', '--no-progress').status, 0);
  const input = join(dir, 'corpus.jsonl');
  writeFileSync(input, corpus(600, 200));
  const r = await interruptWhen(['index', idx, input, '--no-progress', '--segment-tokens', '3000', '--json'], join(idx, 'seg-000003.docs'));
  assert.equal(r.status, 130, r.stderr);
  const err = errorOf(r);
  assert.equal(err.code, 'E_INTERRUPTED');
  const committed = err.details?.committed as number;
  assert.ok(committed > 0 && committed < 600, `committed ${committed}`);
  // One document per line here, so the last committed document is on line `committed`.
  assert.equal(err.details?.committedThrough, `${input}:${committed}`);
  assert.match(
    err.message,
    new RegExp(`${committed} documents of this run were committed to .*, up to .*corpus\\.jsonl:${committed}; nothing after it was added`),
  );
  assert.match(err.message, /run the same command with --replace/);
  assert.match(err.message, new RegExp(`tail -n \\+${committed + 1} `));
  assert.equal(infoOf(idx).documents, 5 + committed);
  assert.ok(!existsSync(join(idx, 'write.lock')), 'the interrupted run left write.lock behind');

  const resumed = tartan('index', idx, input, '--replace', '--no-progress', '--json');
  assert.equal(resumed.status, 0, resumed.stdout);
  assert.equal(infoOf(idx).documents, 605);
});

test('index: binary, UTF-16 and Latin-1 text files are skipped with a warning naming each; a UTF-16 .jsonl is refused', (t) => {
  const dir = tempDir(t, 'tartan-first-');
  const notes = join(dir, 'notes');
  mkdirSync(notes);
  writeFileSync(join(notes, 'good.md'), '# Sleep\nAdults need seven hours of sleep.');
  writeFileSync(join(notes, 'scan.txt'), Buffer.from([0x25, 0x50, 0x44, 0x46, 0x00, 0x01, 0x02, 0xff]));
  writeFileSync(join(notes, 'wide.md'), Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from('hello from windows', 'utf16le')]));
  writeFileSync(join(notes, 'latin.txt'), Buffer.from('caf\xe9 au lait\n', 'latin1'));
  const idx = join(dir, 'idx');
  const r = tartan('index', idx, notes, '--model', 'lexical', '--no-progress', '--json');
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stderr, /warning: skipped .*scan\.txt: binary \(it has NUL bytes\)/);
  assert.match(
    r.stderr,
    /warning: skipped .*wide\.md: UTF-16 text, but tartan reads UTF-8; convert it: iconv -f UTF-16 -t UTF-8 .*wide\.md > .*wide\.utf8\.md/,
  );
  assert.match(r.stderr, /warning: skipped .*latin\.txt:1: not valid UTF-8/);
  const summary = JSON.parse(r.stdout) as { added: number; skipped: Array<{ path: string }> };
  assert.equal(summary.added, 1);
  assert.deepEqual(
    summary.skipped.map((s) => s.path).sort(),
    ['latin.txt', 'scan.txt', 'wide.md'].map((f) => join(notes, f)),
  );

  const wideJsonl = join(dir, 'wide.jsonl');
  writeFileSync(wideJsonl, Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from('{"id":"a","text":"x"}\n', 'utf16le')]));
  const refused = tartan('index', join(dir, 'idx2'), wideJsonl, '--model', 'lexical', '--json');
  assert.equal(errorOf(refused).code, 'E_INPUT_FORMAT');
  assert.match(errorOf(refused).message, /UTF-16 text.*iconv -f UTF-16 -t UTF-8/);
  assert.ok(!existsSync(join(dir, 'idx2')));
});

test('index: an index path that is a file, a missing input and a malformed one each get their own code', (t) => {
  const dir = tempDir(t, 'tartan-first-');
  const input = join(dir, 'corpus.jsonl');
  writeFileSync(input, corpus(3));
  const afile = join(dir, 'notes.txt');
  writeFileSync(afile, 'my notes');
  const onFile = tartan('index', afile, input, '--model', 'lexical', '--json');
  assert.equal(errorOf(onFile).code, 'E_INVALID_ARGUMENT');
  assert.match(errorOf(onFile).message, /notes\.txt is a file, not a folder; an index is a folder/);
  assert.equal(readFileSync(afile, 'utf8'), 'my notes');

  const missing = tartan('index', join(dir, 'idx'), join(dir, 'corpus-typo.jsonl'), '--model', 'lexical', '--json');
  assert.equal(errorOf(missing).code, 'E_FILE_NOT_FOUND');
  assert.match(errorOf(missing).message, /corpus-typo\.jsonl does not exist/);
  writeFileSync(join(dir, 'bad.jsonl'), '{"text": "no id"}\n');
  const malformed = tartan('index', join(dir, 'idx'), join(dir, 'bad.jsonl'), '--model', 'lexical', '--json');
  assert.equal(errorOf(malformed).code, 'E_INPUT_FORMAT');
  assert.match(errorOf(malformed).message, /bad\.jsonl:1: missing "id"/);
});

test('index: --model naming another model than an existing index was built with is refused, naming both', (t) => {
  const dir = tempDir(t, 'tartan-first-');
  const idx = join(dir, 'idx');
  writeFileSync(join(dir, 'a.jsonl'), corpus(3));
  writeFileSync(join(dir, 'b.jsonl'), corpus(3, 6, 10));
  assert.equal(tartan('index', idx, join(dir, 'a.jsonl'), '--model', 'lexical', '--no-progress').status, 0);
  const other = tartan('index', idx, join(dir, 'b.jsonl'), '--model', 'colbert-ir/colbertv2.0', '--json');
  assert.equal(other.status, 1);
  const err = errorOf(other);
  assert.equal(err.code, 'E_MODEL_MISMATCH');
  assert.match(err.message, /built with model lexical, not colbert-ir\/colbertv2\.0/);
  assert.match(err.message, /tartan index <new-folder> <input\.\.\.> --model colbert-ir\/colbertv2\.0/);
  assert.deepEqual(err.details, { indexModel: 'lexical', requestedModel: 'colbert-ir/colbertv2.0' });
  assert.equal(infoOf(idx).documents, 3);
  const same = tartan('index', idx, join(dir, 'b.jsonl'), '--model', 'lexical', '--no-progress');
  assert.equal(same.status, 0, same.stderr);
  assert.equal(infoOf(idx).documents, 6);
});
