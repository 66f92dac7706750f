import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { tempDir } from '../stores/file/helpers.js';
import { tartanSync } from './run-cli.js';

const here = fileURLToPath(new URL('.', import.meta.url));
const tartan = (...args: string[]) => tartanSync(args, { env: { TARTAN_HOME: join(here, '.no-home') } });

const records = [
  { id: 'asp', text: 'Aspirin reduces fever and relieves pain.', lang: 'en', year: 2001 },
  { id: 'tea', text: 'Green tea contains caffeine and keeps people awake.', lang: 'en', year: 1999 },
  { id: 'hund', text: 'Der Hund bellt die ganze Nacht.', lang: 'de', year: 2010 },
  { id: 'vac', text: 'Vaccines train the immune system to fight viruses.', metadata: { lang: 'en', year: 2015 } },
];

test('cli: index a jsonl and a folder of .md with the lexical model, then search, filter, explain, info, delete, compact', (t) => {
  const dir = tempDir(t, 'tartan-cli-');
  const input = join(dir, 'docs.jsonl');
  writeFileSync(input, records.map((r) => JSON.stringify(r)).join('\n') + '\n');
  mkdirSync(join(dir, 'notes'));
  writeFileSync(join(dir, 'notes', 'sleep.md'), '# Sleep\nAdults need seven hours of sleep to stay healthy.');
  const idx = join(dir, 'idx');
  const built = tartan('index', idx, input, join(dir, 'notes'), '--model', 'lexical', '--mode', 'plaid', '--json', '--no-progress');
  assert.equal(built.status, 0, built.stderr);
  const summary = JSON.parse(built.stdout) as { added: number; info: { documents: number; model: string; nbits: number; rerankVectors: string } };
  assert.equal(summary.added, 5);
  assert.equal(summary.info.documents, 5);
  assert.equal(summary.info.model, 'lexical');
  assert.equal(summary.info.nbits, 2);
  assert.equal(summary.info.rerankVectors, 'f16');

  const found = tartan('search', idx, 'what lowers a fever', '-k', '2', '--json');
  assert.equal(found.status, 0, found.stderr);
  const hits = (
    JSON.parse(found.stdout) as { hits: Array<{ id: string; rank: number; score: number; normalizedScore: number; metadata?: Record<string, unknown> }> }
  ).hits;
  assert.equal(hits[0].id, 'asp');
  assert.equal(hits[0].rank, 1);
  assert.deepEqual(hits[0].metadata, { lang: 'en', year: 2001 });
  assert.ok(hits[0].score > hits[1].score);

  const filtered = tartan('search', idx, 'fever', '--filter', '{"year":{"$gte":2005}}', '--json');
  const ids = (JSON.parse(filtered.stdout) as { hits: Array<{ id: string }> }).hits.map((h) => h.id).sort();
  assert.deepEqual(ids, ['hund', 'vac']);

  const explained = tartan('search', idx, 'sleep hours', '-k', '1', '--explain');
  assert.equal(explained.status, 0, explained.stderr);
  assert.match(explained.stdout, /sleep\.md/);
  assert.match(explained.stdout, /sleep\s+sleep\s+1\.000/);

  const badFilter = tartan('search', idx, 'fever', '--filter', '{oops', '--json');
  assert.notEqual(badFilter.status, 0);
  assert.equal((JSON.parse(badFilter.stdout) as { error: { code: string } }).error.code, 'E_INVALID_FILTER');

  const info = tartan('info', idx, '--json');
  const i = JSON.parse(info.stdout) as { documents: number; tokens: number; bytesPerToken: number; centroids: number; nbits: number; model: string };
  assert.equal(i.documents, 5);
  assert.ok(i.tokens > 10 && i.centroids > 0 && i.bytesPerToken > 0);

  const del = tartan('delete', idx, 'asp', 'missing', '--json');
  assert.deepEqual(JSON.parse(del.stdout), { requested: 2, deleted: 1 });
  const after = tartan('search', idx, 'fever aspirin', '--json');
  assert.ok(!(JSON.parse(after.stdout) as { hits: Array<{ id: string }> }).hits.some((h) => h.id === 'asp'));
  const compacted = tartan('compact', idx, '--json');
  assert.equal(compacted.status, 0, compacted.stderr);
  assert.equal((JSON.parse(compacted.stdout) as { after: { deleted: number } }).after.deleted, 0);
  assert.equal((JSON.parse(tartan('info', idx, '--json').stdout) as { documents: number }).documents, 4);

  const missing = tartan('search', join(dir, 'nothing-here'), 'x', '--json');
  assert.equal((JSON.parse(missing.stdout) as { error: { code: string } }).error.code, 'E_INDEX_NOT_FOUND');
  writeFileSync(join(dir, 'nope.csv'), 'id,text\nx,y\n');
  const badInput = tartan('index', join(dir, 'idx2'), join(dir, 'nope.csv'), '--model', 'lexical', '--json');
  assert.equal((JSON.parse(badInput.stdout) as { error: { code: string } }).error.code, 'E_INPUT_FORMAT');
});

test('cli: the lexical model defaults to the exact flat index; --mode plaid --rerank-vectors none is honoured', (t) => {
  const dir = tempDir(t, 'tartan-cli-');
  const input = join(dir, 'docs.jsonl');
  writeFileSync(input, records.map((r) => JSON.stringify(r)).join('\n') + '\n');
  const flat = tartan('index', join(dir, 'a'), input, '--model', 'lexical', '--json', '--no-progress');
  assert.equal(flat.status, 0, flat.stderr);
  assert.equal((JSON.parse(flat.stdout) as { info: { kind: string } }).info.kind, 'flat');
  const plaid = tartan('index', join(dir, 'b'), input, '--model', 'lexical', '--mode', 'plaid', '--rerank-vectors', 'none', '--json', '--no-progress');
  assert.equal(plaid.status, 0, plaid.stderr);
  const info = (JSON.parse(plaid.stdout) as { info: { kind: string; rerankVectors: string } }).info;
  assert.deepEqual([info.kind, info.rerankVectors], ['plaid', 'none']);
});
