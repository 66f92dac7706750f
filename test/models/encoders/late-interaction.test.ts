import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ErrorCodes, isTartanError } from '../../../src/core/errors.js';
import { sharedDir } from '../../../src/core/paths.js';
import { LateInteractionTextEmbedding } from '../../../src/models/encoders/late-interaction.js';
import { makeSyntheticModel } from '../../../src/models/synthetic/index.js';
import type { TokenMatrix } from '../../../src/core/tensors.js';
import { SHARED, sharedSuite } from '../../shared-fixtures.js';

const { test, before, after } = sharedSuite(SHARED.tokenizer, SHARED.seedCases);

interface SeedCase {
  query: string;
  documents: string[];
  late_interaction: { query_shape: number[]; document_shapes: number[][] };
}
let root = '';
let model: LateInteractionTextEmbedding;
let seeds: SeedCase[] = [];

before(async () => {
  root = await mkdtemp(join(tmpdir(), 'tartan-li-'));
  await makeSyntheticModel(join(root, 'onnx'), { arch: 'tiny', kind: 'colbert', dim: 128, seed: 11 });
  model = await LateInteractionTextEmbedding.load(join(root, 'onnx'), { threads: 1 });
  seeds = (JSON.parse(await readFile(join(sharedDir(), 'reference', 'seed-cases.json'), 'utf8')) as { cases: SeedCase[] }).cases;
});
after(async () => {
  await model?.dispose();
  await rm(root, { recursive: true, force: true });
});

async function collect(it: AsyncIterable<TokenMatrix>): Promise<TokenMatrix[]> {
  const out: TokenMatrix[] = [];
  for await (const m of it) out.push(m);
  return out;
}

function assertUnitRows(m: TokenMatrix): void {
  for (let r = 0; r < m.rows; r++) {
    let sq = 0;
    for (let k = 0; k < m.dim; k++) sq += m.data[r * m.dim + k] ** 2;
    assert.ok(Math.abs(Math.sqrt(sq) - 1) < 1e-5, `row ${r} has norm ${Math.sqrt(sq)}`);
  }
}

test('seed shapes through a synthetic ColBERT at dim 128, every row unit length', async () => {
  assert.equal(model.dim, 128);
  for (const c of seeds) {
    const [q] = await collect(model.queryEmbed([c.query]));
    assert.deepEqual([q.rows, q.dim], c.late_interaction.query_shape);
    const docs = await collect(model.passageEmbed(c.documents));
    assert.deepEqual(
      docs.map((d) => [d.rows, d.dim]),
      c.late_interaction.document_shapes,
    );
    [q, ...docs].forEach(assertUnitRows);
  }
  const all = await collect(model.passageEmbed(seeds.flatMap((c) => c.documents)));
  assert.deepEqual(
    all.map((d) => d.rows),
    [30, 13, 16, 25, 17, 11],
  );
});

test('a batch gives the same vectors as one text at a time (padding has no effect)', async () => {
  const docs = seeds.flatMap((c) => c.documents);
  const batched = await collect(model.passageEmbed(docs, { batchSize: 4 }));
  for (let i = 0; i < docs.length; i++) {
    const [single] = await collect(model.passageEmbed([docs[i]], { batchSize: 1 }));
    assert.equal(single.rows, batched[i].rows);
    let worst = 0;
    for (let k = 0; k < single.data.length; k++) worst = Math.max(worst, Math.abs(single.data[k] - batched[i].data[k]));
    assert.ok(worst <= 1e-5, `doc ${i}: max difference ${worst}`);
  }
  const queries = seeds.map((c) => c.query);
  const qb = await collect(model.queryEmbed(queries, { batchSize: 2 }));
  const q0 = await collect(model.queryEmbed([queries[1]], { batchSize: 1 }));
  assert.ok(qb[1].data.every((x, k) => Math.abs(x - q0[0].data[k]) <= 1e-5));
});

test('async iterable input streams out in input order', async () => {
  const texts = ['a much longer document with many many words in it', 'short', 'medium sized text'];
  async function* source() {
    for (const t of texts) yield t;
  }
  const streamed = await collect(model.passageEmbed(source(), { batchSize: 2 }));
  const direct = await model.embed(texts, false);
  assert.deepEqual(
    streamed.map((m) => m.rows),
    direct.map((m) => m.rows),
  );
  assert.deepEqual(
    streamed.map((m) => m.rows),
    texts.map((t) => model.vectorTokens(t, false).length),
  );
  assert.ok(streamed[0].rows > streamed[1].rows);
});

test('vectorTokens names the row tokens: markers, expansion, no punctuation', () => {
  const q = model.vectorTokens('What is Qdrant?', true);
  assert.equal(q.length, 32);
  assert.deepEqual(
    q.slice(0, 3).map((t) => t.text),
    ['[CLS]', '[unused0]', 'what'],
  );
  assert.equal(q[31].text, '[MASK]');
  const d = model.vectorTokens('Qdrant, a database.', false);
  assert.deepEqual(
    d.map((t) => t.text),
    ['[CLS]', '[unused1]', 'q', '##dran', '##t', 'a', 'database', '[SEP]'],
  );
});

test('the PyLate layout of the same seed gives the same vectors as the ONNX layout', async () => {
  await makeSyntheticModel(join(root, 'pylate'), { arch: 'tiny', kind: 'colbert', dim: 128, seed: 11, layout: 'pylate' });
  const pylate = await LateInteractionTextEmbedding.load(join(root, 'pylate'), { threads: 1 });
  try {
    assert.equal(pylate.dim, 128);
    const text = seeds[1].documents[0];
    const [a] = await pylate.embed([text], false);
    const [b] = await model.embed([text], false);
    assert.equal(a.rows, b.rows);
    let worst = 0;
    for (let k = 0; k < a.data.length; k++) worst = Math.max(worst, Math.abs(a.data[k] - b.data[k]));
    assert.ok(worst < 1e-4, `max difference ${worst}`);
  } finally {
    await pylate.dispose();
  }
});

test('bad input gives the coded error', async () => {
  const code = (c: string) => (e: unknown) => isTartanError(e) && e.code === c;
  await assert.rejects(collect(model.passageEmbed([''])), code(ErrorCodes.EMPTY_TEXT));
  await assert.rejects(collect(model.queryEmbed([42 as unknown as string])), code(ErrorCodes.NOT_A_STRING));
  await assert.rejects(collect(model.passageEmbed(['x'.repeat(1_000_001)])), code(ErrorCodes.TEXT_TOO_LONG));
  // Long but normal: truncated to the document length (300 tokens in the synthetic settings).
  const [long] = await model.embed(['word '.repeat(2000)], false);
  assert.equal(long.rows, 300);
  assert.throws(() => model.vectorTokens('', false), code(ErrorCodes.EMPTY_TEXT));
});
