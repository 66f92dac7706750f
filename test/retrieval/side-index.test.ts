import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Index } from '../../src/retrieval/index-facade.js';
import { Collection } from '../../src/retrieval/collection.js';
import { Bm25Side } from '../../src/retrieval/bm25-side.js';
import type { SideDocument, SideIndex, SideQuery } from '../../src/retrieval/side-index.js';
import type { ScoredId } from '../../src/retrieval/fusion.js';
import { makeSyntheticModel } from '../../src/models/synthetic/index.js';
import { isTartanError } from '../../src/core/errors.js';
import { SHARED, sharedSuite } from '../shared-fixtures.js';

const { test, before, after } = sharedSuite(SHARED.tokenizer);

// Titles are the first line; "Fever" is the title of a document whose body never says fever.
const DOCS = [
  ['Aspirin', 'Aspirin reduces fever and relieves mild pain; fever drops within hours.'],
  ['Blood pressure', 'Regular exercise lowers blood pressure in adults.'],
  ['Salt', 'High salt intake raises blood pressure.'],
  ['Fever', 'A raised body temperature is a response of the immune system.'],
  ['Sleep', 'Sleep deprivation impairs memory consolidation.'],
].map(([title, body], i) => ({ id: `d${i}`, text: `${title}\n${body}` }));

/** An exact-title matcher: the first line of the text, compared case-insensitively. */
class TitleSide implements SideIndex {
  readonly name = 'title';
  readonly titles = new Map<string, string>();
  readonly calls = { add: 0, clear: 0, save: 0, load: 0 };
  disposed = false;

  add(docs: readonly SideDocument[]): void {
    this.calls.add++;
    for (const d of docs) this.titles.set(d.id, d.text.split('\n')[0].trim().toLowerCase());
  }
  delete(ids: readonly string[]): void {
    for (const id of ids) this.titles.delete(id);
  }
  search(q: SideQuery, k: number): ScoredId[] {
    const want = q.text.trim().toLowerCase();
    return [...this.titles]
      .filter(([, t]) => t === want)
      .slice(0, k)
      .map(([id]) => ({ id, score: 1 }));
  }
  clear(): void {
    this.calls.clear++;
    this.titles.clear();
  }
  save(dir: string): void {
    this.calls.save++;
    writeFileSync(join(dir, 'titles.json'), JSON.stringify([...this.titles]));
  }
  load(dir: string): boolean {
    this.calls.load++;
    const path = join(dir, 'titles.json');
    if (!existsSync(path)) return false;
    this.titles.clear();
    for (const [id, t] of JSON.parse(readFileSync(path, 'utf8')) as [string, string][]) this.titles.set(id, t);
    return true;
  }
  async dispose(): Promise<void> {
    this.disposed = true;
  }
}

let dir: string;
let denseDir: string;

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'tartan-side-index-'));
  denseDir = join(dir, 'dense-model');
  await makeSyntheticModel(denseDir, { arch: 'tiny', kind: 'dense', seed: 5 });
});
after(() => rmSync(dir, { recursive: true, force: true }));

async function emptyIndex(name: string): Promise<string> {
  const loc = join(dir, name);
  await (await Index.create(loc, { model: 'lexical', mode: 'flat' })).close();
  return loc;
}

const state = (loc: string) => JSON.parse(readFileSync(join(loc, 'side-indexes.json'), 'utf8')) as { generation: number; sides: Record<string, string> };

test('a side index passed by the caller is used by the pipeline stage of its name, and follows adds and deletes', async () => {
  const loc = await emptyIndex('custom');
  const title = new TitleSide();
  const c = await Collection.open(loc, { sideIndexes: [title] });
  await c.add(DOCS);
  assert.equal(c.side('title'), title);

  const alone = await c.search('fever', { pipeline: 'title', k: 5 });
  assert.deepEqual(
    alone.hits.map((h) => [h.id, h.stage, h.score]),
    [['d3', 'title', 1]],
  );
  assert.ok('title' in alone.latencyMs);
  // BM25 ranks the documents that say "fever" first: the title stage is not BM25 under another name.
  assert.notEqual((await c.search('fever', { pipeline: 'bm25', k: 1 })).hits[0].id, 'd3');

  const reranked = await c.search('fever', { pipeline: 'title:10>colbert', k: 5 });
  assert.deepEqual(
    reranked.hits.map((h) => [h.id, h.stage]),
    [['d3', 'colbert']],
  );
  const fused = await c.search('fever', { pipeline: 'title+bm25', k: 5 });
  assert.ok(fused.hits.some((h) => h.id === 'd3') && 'title' in fused.latencyMs && 'bm25' in fused.latencyMs);

  await c.delete(['d3']);
  assert.deepEqual((await c.search('fever', { pipeline: 'title', k: 5 })).hits, []);
  assert.ok(existsSync(join(loc, 'title', 'titles.json')), 'saved in a folder named after it');
  assert.equal(state(loc).sides.title, '');
  await c.close();
  assert.ok(title.disposed, 'the collection disposes the side indexes it holds');

  // Without it, the stage name is unknown.
  const bare = await Collection.open(loc);
  await assert.rejects(
    bare.search('fever', { pipeline: 'title' }),
    (e) => isTartanError(e, 'E_UNKNOWN_PIPELINE') && /first stages are bm25, dense, colbert, muvera;/.test(e.message),
  );
  await bare.close();
});

test('side index names are checked', async () => {
  const loc = await emptyIndex('names');
  const named = (name: string): SideIndex => Object.assign(new TitleSide(), { name });
  for (const bad of [[named('colbert')], [named('Title')], [named('../up')], [new TitleSide(), new TitleSide()]]) {
    await assert.rejects(Collection.open(loc, { sideIndexes: bad }), (e) => isTartanError(e, 'E_INVALID_ARGUMENT'));
  }
});

test('BM25, dense and custom side indexes are saved and loaded on reopen, not rebuilt', async () => {
  const loc = await emptyIndex('reopen');
  const c = await Collection.open(loc, { denseModel: denseDir, sideIndexes: [new TitleSide()] });
  await c.add(DOCS);
  const bm25Before = (await c.search('blood pressure', { pipeline: 'bm25', k: 3 })).hits;
  const denseBefore = (await c.search('memory and sleep', { pipeline: 'dense', k: 3 })).hits;
  await c.close();
  assert.ok(existsSync(join(loc, 'bm25', 'bm25.bin')) && existsSync(join(loc, 'dense', 'dense.bin')));
  assert.deepEqual(state(loc).sides, { bm25: '', dense: denseDir, title: '' });

  let rebuilds = 0;
  const title = new TitleSide();
  // No dense model given: the one recorded in the state file is loaded.
  const again = await Collection.open(loc, { sideIndexes: [title], onRebuild: () => rebuilds++ });
  assert.equal(rebuilds, 0, 'fresh side indexes must be loaded, not rebuilt');
  assert.deepEqual(title.calls, { add: 0, clear: 0, save: 0, load: 1 });
  assert.deepEqual((await again.search('blood pressure', { pipeline: 'bm25', k: 3 })).hits, bm25Before);
  assert.deepEqual((await again.search('memory and sleep', { pipeline: 'dense', k: 3 })).hits, denseBefore);
  assert.deepEqual(
    (await again.search('salt', { pipeline: 'title' })).hits.map((h) => h.id),
    ['d2'],
  );
  await again.close();
});

test('side indexes are rebuilt from the stored texts after the store changed behind them', async () => {
  const loc = await emptyIndex('behind');
  const c = await Collection.open(loc, { denseModel: denseDir, sideIndexes: [new TitleSide()] });
  await c.add(DOCS.slice(0, 3));
  await c.close();
  const generation = state(loc).generation;

  const idx = await Index.open(loc);
  await idx.add([{ id: 'late', text: 'Octopus\nOctopuses have three hearts and blue blood.' }]);
  await idx.delete(['d0']);
  await idx.close();

  let rebuilt = 0;
  const title = new TitleSide();
  const again = await Collection.open(loc, { sideIndexes: [title], onRebuild: () => rebuilt++ });
  assert.ok(rebuilt > 0);
  assert.equal(title.calls.clear, 1, 'a stale side index is emptied, then refilled');
  assert.ok(state(loc).generation > generation, 'the state file names the new generation');
  assert.equal((await again.search('octopus hearts', { pipeline: 'bm25', k: 1 })).hits[0].id, 'late');
  assert.deepEqual(
    (await again.search('octopus', { pipeline: 'title' })).hits.map((h) => h.id),
    ['late'],
  );
  const dense = (await again.search('octopus', { pipeline: 'dense', k: 10 })).hits.map((h) => h.id);
  assert.deepEqual(new Set(dense), new Set(['d1', 'd2', 'late']), 'dense vectors follow the store: the new one in, the deleted one out');
  assert.ok(!(await again.search('aspirin', { pipeline: 'bm25', k: 5 })).hits.some((h) => h.id === 'd0'));
  await again.close();
});

test('only the side indexes whose signature changed are rebuilt', async () => {
  const loc = await emptyIndex('signature');
  const c = await Collection.open(loc, { sideIndexes: [new TitleSide()] });
  await c.add(DOCS);
  await c.close();

  // Other BM25 parameters: BM25 is rebuilt, the title index is loaded as it is.
  const title = new TitleSide();
  const tuned = new Bm25Side({ k1: 1.5, b: 0.75 });
  const again = await Collection.open(loc, { sideIndexes: [title, tuned] });
  assert.equal(again.side('bm25'), tuned);
  assert.deepEqual(title.calls, { add: 0, clear: 0, save: 0, load: 1 });
  assert.equal(tuned.index.k1, 1.5);
  assert.equal(tuned.index.size, DOCS.length);
  assert.equal(state(loc).sides.bm25, 'k1=1.5,b=0.75');
  await again.close();
});

test('the state file written before side indexes were generic ({ generation, bm25, denseModel }) is still read', async () => {
  const loc = await emptyIndex('legacy');
  const c = await Collection.open(loc, { denseModel: denseDir });
  await c.add(DOCS);
  const denseBefore = (await c.search('memory and sleep', { pipeline: 'dense', k: 3 })).hits;
  await c.close();
  writeFileSync(join(loc, 'side-indexes.json'), JSON.stringify({ generation: state(loc).generation, bm25: true, denseModel: denseDir }));
  let rebuilt = 0;
  const again = await Collection.open(loc, { onRebuild: () => rebuilt++ });
  assert.equal(rebuilt, 0);
  assert.deepEqual((await again.search('memory and sleep', { pipeline: 'dense', k: 3 })).hits, denseBefore);
  assert.equal((await again.search('salt', { pipeline: 'bm25', k: 1 })).hits[0].id, 'd2');
  await again.close();
});
