/**
 * The small corpus both framework integrations are tested on, indexed with the download-free
 * `lexical` model. Built so that BM25 and ColBERT MaxSim disagree: BM25 rewards "Blood tests,
 * blood counts, blood cells" for repeating "blood", MaxSim prefers documents that match more of
 * the query's words.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before } from 'node:test';
import { Collection } from '../../../src/retrieval/collection.js';
import { Index } from '../../../src/retrieval/index-facade.js';
import type { DocumentInput } from '../../../src/stores/types.js';

export const CORPUS: DocumentInput[] = [
  { id: 'salt', text: 'High salt intake raises blood pressure.', metadata: { topic: 'heart', year: 2019 } },
  { id: 'walk', text: 'Daily walking lowers blood pressure in older adults.', metadata: { topic: 'heart', year: 2015 } },
  { id: 'tests', text: 'Blood tests, blood counts, blood cells.', metadata: { topic: 'lab', year: 2012 } },
  { id: 'donor', text: 'Blood donation is common among healthy adults in many countries.', metadata: { topic: 'lab', year: 2021 } },
  { id: 'sleep', text: 'Exercise helps adults sleep.', metadata: { topic: 'sleep', year: 2018 } },
  { id: 'vitd', text: 'Adults need vitamin D in winter.', metadata: { topic: 'diet', year: 2010 } },
  { id: 'water', text: 'Adults should drink water every day.', metadata: { topic: 'diet', year: 2016 } },
  { id: 'phone', text: 'Most adults own a phone.', metadata: { topic: 'misc', year: 2022 } },
  { id: 'asp', text: 'Aspirin reduces fever and relieves mild pain in adults.', metadata: { topic: 'drugs', year: 2001 } },
];

/** The text of a corpus document. */
export function textOf(id: string): string {
  const doc = CORPUS.find((d) => d.id === id);
  if (!doc?.text) throw new Error(`no corpus document ${id}`);
  return doc.text;
}

/** Creates a temporary folder holding a lexical index of {@link CORPUS} at `<root>/idx`; `remove` deletes it. */
export async function makeCorpusIndex(): Promise<{ root: string; location: string; remove: () => Promise<void> }> {
  const root = await mkdtemp(join(tmpdir(), 'tartan-integration-'));
  const location = join(root, 'idx');
  const index = await Index.create(location, { model: 'lexical' });
  await index.add(CORPUS);
  await index.close();
  return { root, location, remove: () => rm(root, { recursive: true, force: true }) };
}

/**
 * Registers hooks that build the corpus index before the file's tests and remove it after, and
 * hands the opened Index and Collection to `receive` (called once, before the first test).
 */
export function useCorpus(receive: (opened: { index: Index; collection: Collection }) => void): void {
  let corpus: Awaited<ReturnType<typeof makeCorpusIndex>> | undefined;
  let opened: { index: Index; collection: Collection } | undefined;
  before(async () => {
    corpus = await makeCorpusIndex();
    opened = { index: await Index.open(corpus.location), collection: await Collection.open(corpus.location) };
    receive(opened);
  });
  after(async () => {
    await opened?.index.close();
    await opened?.collection.close();
    await corpus?.remove();
  });
}
