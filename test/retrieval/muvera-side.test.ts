import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ErrorCodes, isTartanError } from '../../src/core/errors.js';
import { Collection } from '../../src/retrieval/collection.js';
import { Index } from '../../src/retrieval/index-facade.js';
import { CORPUS } from '../integrations/shared/corpus.js';

// The MUVERA first stage over a real folder index (lexical model, flat mode): built from the
// vectors the index scores, kept in step with adds and deletes, saved with its parameters.

const QUERY = 'what lowers blood pressure';

async function makeCollection(t: { after: (fn: () => void) => void }, options: Parameters<typeof Collection.attach>[1] = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'tartan-muvera-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const index = await Index.create(join(dir, 'idx'), { model: 'lexical' });
  const collection = await Collection.attach(index, options);
  await collection.add(CORPUS);
  return { location: join(dir, 'idx'), collection };
}

test('muvera>colbert ranks like colbert on a small collection, and muvera alone finds the best documents', async (t) => {
  const { collection } = await makeCollection(t, { muvera: 'k_sim=3,dim_proj=16,r_reps=8' });
  try {
    const exact = (await collection.search(QUERY, { pipeline: 'colbert', k: 3 })).hits.map((h) => h.id);
    const staged = await collection.search(QUERY, { pipeline: 'muvera:9>colbert', k: 3 });
    // 9 candidates = the whole corpus, so the ColBERT stage sees every document.
    assert.deepEqual(
      staged.hits.map((h) => h.id),
      exact,
    );
    assert.ok('muvera' in staged.latencyMs, JSON.stringify(staged.latencyMs));
    const first = (await collection.search(QUERY, { pipeline: 'muvera', k: 3 })).hits.map((h) => h.id);
    assert.ok(first.includes(exact[0]), `the FDE stage alone keeps ColBERT's best (${exact[0]}) in its top 3: ${first.join(', ')}`);
    const fused = await collection.search(QUERY, { pipeline: 'bm25+muvera>colbert', k: 3 });
    assert.deepEqual(
      fused.hits.map((h) => h.id),
      exact,
    );
  } finally {
    await collection.close();
  }
});

test('the MUVERA side index follows deletes and reopens with its recorded parameters', async (t) => {
  const { location, collection } = await makeCollection(t, { muvera: 'k_sim=2,dim_proj=8,r_reps=4' });
  await collection.delete(['walk']);
  assert.ok(!(await collection.search(QUERY, { pipeline: 'muvera', k: 9 })).hits.some((h) => h.id === 'walk'));
  await collection.close();
  const reopened = await Collection.open(location, { muvera: true });
  try {
    assert.equal(reopened.side('muvera')?.signature, 'k_sim=2,dim_proj=8,r_reps=4,seed=42');
    const ids = (await reopened.search(QUERY, { pipeline: 'muvera', k: 9 })).hits.map((h) => h.id);
    assert.equal(ids.length, 8);
    assert.ok(!ids.includes('walk'));
  } finally {
    await reopened.close();
  }
  // Opened without asking: the recorded side index comes back too.
  const again = await Collection.open(location);
  try {
    assert.ok(again.side('muvera'));
  } finally {
    await again.close();
  }
});

test('a muvera pipeline on a collection without the side index says how to get one', async (t) => {
  const { collection } = await makeCollection(t);
  try {
    await assert.rejects(
      collection.search(QUERY, { pipeline: 'muvera>colbert' }),
      (e) => isTartanError(e) && e.code !== ErrorCodes.UNKNOWN_PIPELINE && /muvera: true/.test(e.message),
    );
  } finally {
    await collection.close();
  }
});

test('ann=hnsw searches the FDEs through a saved graph that follows adds and deletes and reloads', async (t) => {
  const { location, collection } = await makeCollection(t, { muvera: 'k_sim=3,dim_proj=16,r_reps=8,ann=hnsw' });
  const { collection: exact } = await makeCollection(t, { muvera: 'k_sim=3,dim_proj=16,r_reps=8,ann=exact' });
  const ids = async (c: Collection) => (await c.search(QUERY, { pipeline: 'muvera', k: 9 })).hits.map((h) => h.id);
  try {
    // Nine documents: the graph returns all of them, in the exact scan's order.
    assert.deepEqual(await ids(collection), await ids(exact));
    await collection.delete(['walk']);
    assert.ok(!(await ids(collection)).includes('walk'));
    assert.ok(
      readdirSync(join(location, 'muvera')).some((f) => f.endsWith('.usearch')),
      'the graph is saved beside the FDEs',
    );
  } finally {
    await exact.close();
    await collection.close();
  }
  const reopened = await Collection.open(location, { muvera: 'k_sim=3,dim_proj=16,r_reps=8,ann=hnsw' });
  try {
    const hits = await ids(reopened);
    assert.equal(hits.length, 8);
    assert.ok(!hits.includes('walk'));
  } finally {
    await reopened.close();
  }
  // An exact search drops the graph at its next save.
  const plain = await Collection.open(location, { muvera: 'k_sim=3,dim_proj=16,r_reps=8,ann=exact' });
  try {
    await plain.add([{ id: 'walk', text: CORPUS.find((d) => d.id === 'walk')!.text }]);
    assert.ok(!readdirSync(join(location, 'muvera')).some((f) => f.endsWith('.usearch')));
    assert.equal((await ids(plain)).length, 9);
  } finally {
    await plain.close();
  }
});

test('a MUVERA ann other than exact, hnsw or auto is a coded error naming the choices', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'tartan-muvera-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const index = await Index.create(join(dir, 'idx'), { model: 'lexical' });
  await assert.rejects(
    Collection.attach(index, { muvera: 'ann=ivf' }),
    (e) => isTartanError(e) && e.code === ErrorCodes.INVALID_ARGUMENT && /exact, hnsw or auto/.test(e.message),
  );
  await index.close();
});
