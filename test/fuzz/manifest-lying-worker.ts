/**
 * Child process of manifest-lying.test.ts: builds a small index, then for
 * seeds [first, first + count) writes a well-formed manifest holding one
 * hostile value (re-signed, or unsigned as format version 1) and uses the
 * index. One JSON line per case on stdout: {seed, outcome, error?}. Runs in
 * its own process because such a manifest can abort the process outright.
 * With `named`, the seeds number the hand-written cases of NAMED instead
 * (the values the fuzzer first found: each must be refused as E_INDEX_CORRUPT).
 * Usage: node manifest-lying-worker.js <dir> <plaid|flat> <first seed> <count> [named]
 */
import { copyFileSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { TartanError } from '../../src/core/errors.js';
import { Index } from '../../src/retrieval/index-facade.js';
import { openFileStore } from '../../src/stores/open.js';
import { MANIFEST_NAME, readManifest, serializeManifest, type Manifest } from '../../src/stores/file/manifest.js';
import { LexicalColbert } from '../../src/lexical/lexical-colbert.js';
import { mutateJson, rng } from './mutate.js';

const [dir, mode, first, count, kind] = process.argv.slice(2);
const encoder = new LexicalColbert({ dim: 16 });
if (!existsSync(join(dir, MANIFEST_NAME))) {
  const index = await Index.create(dir, { encoder, model: 'lexical:16', mode: mode as 'plaid' | 'flat' });
  await index.add([
    { id: 'a', text: 'Aspirin lowers fever and pain.', metadata: { topic: 'drugs' } },
    { id: 'b', text: 'Green tea contains caffeine and theanine.' },
    { id: 'c', text: 'Vaccines train the immune system against viruses.' },
  ]);
  await index.delete(['b']);
  await index.close();
  writeFileSync(join(dir, 'good.json'), JSON.stringify(readManifest(dir)));
}
const parsed = JSON.parse(readFileSync(join(dir, 'good.json'), 'utf8')) as Manifest;

/** A copy of segment 0's docs file beside the index folder: a manifest naming it would make the index read outside its folder. */
function outside(m: any, absolute: boolean): void {
  const f = m.segments[0].files.docs;
  const copy = join(dir, '..', `outside-${basename(dir)}-${f.name}`);
  copyFileSync(join(dir, f.name), copy);
  f.name = absolute ? copy : `../${basename(copy)}`;
}

/** Hand-written lies: name, re-signed (else unsigned version 1), and the change (false where it does not apply to the mode). */
const NAMED: Array<[string, boolean, (m: any) => unknown]> = [
  [
    'nextDocBase 2^32 (allocated gigabytes)',
    true,
    (m) => {
      m.nextDocBase = 2 ** 32;
    },
  ],
  [
    'nextDocBase 2^32, version 1',
    false,
    (m) => {
      m.nextDocBase = 2 ** 32;
    },
  ],
  ['docs file ../outside the folder', true, (m) => outside(m, false)],
  ['docs file by absolute path', true, (m) => outside(m, true)],
  [
    'text file name with NUL',
    true,
    (m) => {
      m.segments[0].files.text.name += '\u0000';
    },
  ],
  [
    'tombstones named ..',
    true,
    (m) => {
      m.tombstones.name = '..';
    },
  ],
  [
    'settings.nprobe [null] (aborted Node in the native probe)',
    true,
    (m) => {
      m.settings.nprobe = [null];
    },
  ],
  [
    'settings.nprobe "3", version 1',
    false,
    (m) => {
      m.settings.nprobe = '3';
    },
  ],
  [
    'settings.nprobe 1e12',
    true,
    (m) => {
      m.settings.nprobe = 1e12;
    },
  ],
  [
    'settings.nprobe 2.5',
    true,
    (m) => {
      m.settings.nprobe = 2.5;
    },
  ],
  [
    'settings.ndocs 0',
    true,
    (m) => {
      m.settings.ndocs = 0;
    },
  ],
  [
    'settings.dim 2^32',
    true,
    (m) => {
      m.settings.dim = 2 ** 32;
    },
  ],
  [
    'segments[0].tokens -1',
    true,
    (m) => {
      m.segments[0].tokens = -1;
    },
  ],
  [
    'segments[0].documents 1e308',
    true,
    (m) => {
      m.segments[0].documents = 1e308;
    },
  ],
  [
    'segments[0].docBase 1 (segments overlap the numbering)',
    true,
    (m) => {
      m.segments[0].docBase = 1;
    },
  ],
  ['codebook.centroids 2^32', true, (m) => (m.codebook ? (m.codebook.centroids = 2 ** 32) : false)],
  ['segment without its codes', true, (m) => (m.codebook ? delete m.segments[0].files.codes : false)],
  [
    'deleted -1',
    true,
    (m) => {
      m.deleted = -1;
    },
  ],
  [
    'generation "x", version 1',
    false,
    (m) => {
      m.generation = 'x';
    },
  ],
];

for (let seed = Number(first); seed < Number(first) + Number(count); seed++) {
  if (kind === 'named') {
    if (seed >= NAMED.length) break;
    const [name, signed, change] = NAMED[seed];
    const m = structuredClone(parsed) as any;
    if (change(m) === false) {
      process.stdout.write(`${JSON.stringify({ seed, name, outcome: 'skipped' })}\n`);
      continue;
    }
    writeFileSync(join(dir, MANIFEST_NAME), signed ? serializeManifest(m as Manifest) : JSON.stringify({ ...m, version: 1 }));
    process.stdout.write(`${JSON.stringify({ seed, name, outcome: 'started' })}\n`);
    process.stdout.write(`${JSON.stringify({ seed, name, ...(await use()) })}\n`);
    continue;
  }
  const r = rng(seed);
  const text = mutateJson(JSON.stringify(parsed), r)!;
  let m: unknown;
  try {
    m = JSON.parse(text);
  } catch {
    m = null;
  }
  const signed = r() < 0.5 && m !== null && typeof m === 'object' && !Array.isArray(m);
  writeFileSync(join(dir, MANIFEST_NAME), signed ? serializeManifest(m as Manifest) : JSON.stringify({ ...(m as object), version: 1 }));
  // announce the case first: if the process dies, the parent knows which seed killed it
  process.stdout.write(`${JSON.stringify({ seed, outcome: 'started' })}\n`);
  process.stdout.write(`${JSON.stringify({ seed, ...(await use()) })}\n`);
}

/** Opens the index, reads its info, searches and fetches: the outcome, and the error when it is not a coded one. */
async function use(): Promise<Record<string, unknown>> {
  try {
    const store = await openFileStore(dir);
    try {
      await store.info();
      const hits = await store.search(encoder.embedQuery('fever aspirin'), { k: 3 });
      if (!hits.every((h) => typeof h.id === 'string' && Number.isFinite(h.score))) throw new Error(`malformed hits ${JSON.stringify(hits)}`);
      await store.get(['a', 'c']);
    } finally {
      await store.close();
    }
    return { outcome: 'ok' };
  } catch (e) {
    const where = /at (?:new )?([\w.<>]+) \(file:.*?\/(src\/[\w/.-]+):\d+/.exec((e as Error).stack ?? '');
    return e instanceof TartanError
      ? { outcome: 'coded', code: e.code }
      : { outcome: 'uncoded', error: `${(e as Error).name}: ${(e as Error).message}`.slice(0, 160), at: where ? `${where[1]} ${where[2]}` : '?' };
  }
}
