/**
 * The README's API walk-through, runnable offline: an index with the built-in
 * `lexical` model (no download), a search with scores and a filter, an
 * explanation of the best hit, and a hybrid pipeline over the same documents.
 *
 *   node --import tsx examples/quickstart.ts   (after `npm run build`: 'tartan-search' resolves to this package's dist/)
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Collection, Index } from 'tartan-search';

const dir = await mkdtemp(join(tmpdir(), 'tartan-quickstart-'));
try {
  // 1. Create an index. `lexical` needs no download; use 'answerdotai/answerai-colbert-small-v1' for real ColBERT.
  const index = await Index.create(join(dir, 'papers'), { model: 'lexical' });
  await index.add([
    { id: 'asp', text: 'Aspirin reduces fever and relieves mild pain.', metadata: { year: 2001 } },
    { id: 'bp', text: 'Regular exercise lowers blood pressure in adults.', metadata: { year: 2015 } },
    { id: 'salt', text: 'High salt intake raises blood pressure.', metadata: { year: 2019 } },
    { id: 'vac', text: 'Vaccines train the immune system to fight viruses.', metadata: { year: 2010 } },
  ]);

  // 2. Search: every hit has a raw MaxSim score and a normalised one (raw / query tokens).
  const hits = await index.search('what lowers blood pressure', { k: 2, filter: { year: { $gte: 2010 } } });
  for (const h of hits) console.log(`${h.rank}. ${h.id}  score ${h.score.toFixed(3)}  normalised ${h.normalizedScore.toFixed(3)}`);

  // 3. Explain the best hit: which query token matched which document token. The explanation is computed
  //    from the vectors the index scored, so its total is the hit's score.
  const [best] = await index.search('what lowers blood pressure', { k: 1, filter: { year: { $gte: 2010 } }, explain: true });
  for (const m of best.explanation!.matches.filter((x) => x.similarity > 0.5)) {
    console.log(`  ${m.queryToken} -> ${m.docToken}  ${m.similarity.toFixed(2)}  (${(m.share * 100).toFixed(0)}% of the score)`);
  }
  await index.close();

  // 4. Pipelines over the same folder: BM25 first stage, exact ColBERT rerank.
  const collection = await Collection.open(join(dir, 'papers'));
  const staged = await collection.search('blood pressure', { pipeline: 'bm25>colbert', k: 2 });
  console.log('bm25>colbert:', staged.hits.map((h) => h.id).join(', '), staged.latencyMs);
  await collection.close();
} finally {
  await rm(dir, { recursive: true, force: true });
}
