/**
 * Child process of manifest-lying.test.ts: builds a small index, then for
 * seeds [first, first + count) writes a well-formed manifest holding one
 * hostile value (re-signed, or unsigned as format version 1) and uses the
 * index. One JSON line per case on stdout: {seed, outcome, error?}. Runs in
 * its own process because such a manifest can abort the process outright.
 * Usage: node manifest-lying-worker.js <dir> <plaid|flat> <first seed> <count>
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { TartanError } from '../../src/errors.js';
import { Index } from '../../src/index/index.js';
import { openFileStore } from '../../src/index/open-store.js';
import { MANIFEST_NAME, readManifest, serializeManifest, type Manifest } from '../../src/index/manifest.js';
import { LexicalColbert } from '../../src/lexical/lexical-colbert.js';
import { mutateJson, rng } from './mutate.js';

const [dir, mode, first, count] = process.argv.slice(2);
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

for (let seed = Number(first); seed < Number(first) + Number(count); seed++) {
  const r = rng(seed);
  const text = mutateJson(JSON.stringify(parsed), r)!;
  let m: unknown;
  try { m = JSON.parse(text); } catch { m = null; }
  const signed = r() < 0.5 && m !== null && typeof m === 'object' && !Array.isArray(m);
  writeFileSync(join(dir, MANIFEST_NAME), signed ? serializeManifest(m as Manifest) : JSON.stringify({ ...(m as object), version: 1 }));
  // announce the case first: if the process dies, the parent knows which seed killed it
  process.stdout.write(`${JSON.stringify({ seed, outcome: 'started' })}\n`);
  let line: Record<string, unknown>;
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
    line = { seed, outcome: 'ok' };
  } catch (e) {
    const where = /at (?:new )?([\w.<>]+) \(file:.*?\/(src\/[\w/.-]+):\d+/.exec((e as Error).stack ?? '');
    line = e instanceof TartanError
      ? { seed, outcome: 'coded', code: e.code }
      : { seed, outcome: 'uncoded', error: `${(e as Error).name}: ${(e as Error).message}`.slice(0, 160), at: where ? `${where[1]} ${where[2]}` : '?' };
  }
  process.stdout.write(`${JSON.stringify(line)}\n`);
}
