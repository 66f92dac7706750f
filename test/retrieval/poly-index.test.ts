import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ErrorCodes, isTartanError } from '../../src/core/errors.js';
import { Index } from '../../src/retrieval/index-facade.js';
import { CORPUS } from '../integrations/shared/corpus.js';
import { tartanSync } from '../cli/run-cli.js';
import { packMatrices } from '../../src/core/tensors.js';
import { polyCodeModelBytes } from '../../src/models/encoders/poly-code-model.js';
import { polyCodesBatch } from '../../src/representations/poly.js';
import { maxsim } from '../../src/scoring/maxsim.js';
import { randomQuery, randomRows, rng } from '../scoring/random-data.js';

// A folder index that stores M poly-encoder codes per document instead of its token vectors.

function tempDir(t: { after: (fn: () => void) => void }): string {
  const dir = mkdtempSync(join(tmpdir(), 'tartan-poly-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

const QUERY = 'what lowers blood pressure';

test('a poly:4 index stores 4 codes per document, learns its code queries once, and searches, filters, explains and deletes', async (t) => {
  const dir = join(tempDir(t), 'idx');
  const index = await Index.create(dir, { model: 'lexical', representation: 'poly:4' });
  await index.add(CORPUS.slice(0, 6));
  const info = await index.info();
  assert.equal(info.representation, 'poly:4');
  assert.equal(info.documents, 6);
  assert.equal(info.tokens, 6 * 4, 'the store holds M rows per document');
  const recorded = JSON.parse(readFileSync(join(dir, 'representation.json'), 'utf8')) as { codes: number; dim: number; queries: number[] };
  assert.equal(recorded.codes, 4);
  assert.equal(recorded.queries.length, 4 * recorded.dim);

  const hits = await index.search(QUERY, { k: 3, explain: true });
  assert.equal(hits.length, 3);
  for (const h of hits) {
    assert.ok(h.explanation, `hit ${h.id} is explained`);
    assert.ok(Math.abs(h.explanation.raw - h.score) < 1e-3, `${h.id}: explanation ${h.explanation.raw} vs score ${h.score}`);
    assert.deepEqual(h.explanation.docTokens, ['code 1', 'code 2', 'code 3', 'code 4']);
  }
  const filtered = await index.search(QUERY, { k: 9, filter: { topic: 'lab' } });
  assert.ok(filtered.length > 0 && filtered.every((h) => h.metadata?.topic === 'lab'));
  assert.equal(await index.delete([hits[0].id]), 1);
  assert.ok(!(await index.search(QUERY, { k: 9 })).some((h) => h.id === hits[0].id));
  await index.close();

  // Reopened, it is still a poly index: later adds use the recorded code queries, not new ones.
  const reopened = await Index.open(dir);
  assert.equal(reopened.representation, 'poly:4');
  await reopened.add(CORPUS.slice(6));
  const after = await reopened.info();
  assert.equal(after.documents, 6 - 1 + 3);
  assert.equal(after.tokens % 4, 0, 'still M rows per document');
  const again = JSON.parse(readFileSync(join(dir, 'representation.json'), 'utf8')) as { queries: number[] };
  assert.deepEqual(again.queries, recorded.queries);
  const phone = await reopened.search('adults own a phone', { k: 1 });
  assert.equal(phone[0].id, 'phone');
  await reopened.close();
});

test('a poly index from a poly-encoder code export: M from the export, copied into the index, its codes stored', async (t) => {
  const root = tempDir(t);
  const DIM = 128; // the lexical model's
  const rand = rng(9);
  const queries = randomRows(rand, 3, DIM);
  const exportPath = join(root, 'trained-codes.onnx');
  writeFileSync(exportPath, polyCodeModelBytes(queries, DIM, 0.1));
  const dir = join(root, 'idx');
  const index = await Index.create(dir, { model: 'lexical', representation: { kind: 'poly', model: exportPath, temperature: 0.1 } });
  assert.equal(index.representation, 'poly:3');
  rmSync(exportPath); // the index keeps its own copy
  const docs = Array.from({ length: 5 }, (_, i) => randomQuery(rand, 4 + i, DIM));
  await index.addVectors(docs.map((m, i) => ({ id: `v${i}`, vectors: m })));
  const recorded = JSON.parse(readFileSync(join(dir, 'representation.json'), 'utf8')) as { codes: number; model?: string; queries?: number[] };
  assert.deepEqual([recorded.codes, recorded.model, recorded.queries], [3, 'poly-codes.onnx', undefined], 'no k-means when the export gives the codes');
  // The stored rows are the export's codes: search scores are MaxSim of the query over them.
  const codes = polyCodesBatch(packMatrices(docs, DIM), queries, 0.1);
  const query = randomQuery(rand, 5, DIM);
  const want = maxsim(query, { dtype: 'f32', ...codes }).raw;
  const hits = await index.searchVectors(query, { k: 5 });
  for (const h of hits) {
    const i = Number(h.id.slice(1));
    assert.ok(Math.abs(h.score - want[i]) < 2e-2, `${h.id}: ${h.score} vs ${want[i]}`);
  }
  await index.close();
  const reopened = await Index.open(dir);
  await reopened.addVectors([{ id: 'later', vectors: docs[0] }]);
  assert.equal((await reopened.info()).tokens, 6 * 3);
  await reopened.close();

  // A mismatched M, or a file that is not an export, is refused before the folder is written.
  writeFileSync(exportPath, polyCodeModelBytes(queries, DIM, 0.1));
  await assert.rejects(
    Index.create(join(root, 'mismatch'), { model: 'lexical', representation: { kind: 'poly', codes: 4, model: exportPath } }),
    (e) => isTartanError(e, ErrorCodes.INVALID_ARGUMENT) && /gives 3 codes/.test(e.message),
  );
  assert.equal(existsSync(join(root, 'mismatch')), false);
  await assert.rejects(Index.create(join(root, 'missing'), { model: 'lexical', representation: { kind: 'poly', model: join(root, 'nope.onnx') } }), (e) =>
    isTartanError(e, ErrorCodes.MODEL_FILES_MISSING),
  );
  assert.equal(existsSync(join(root, 'missing')), false);
});

test('a token index says colbert and writes no representation file', async (t) => {
  const dir = join(tempDir(t), 'idx');
  const index = await Index.create(dir, { model: 'lexical' });
  await index.add(CORPUS.slice(0, 2));
  assert.equal(index.representation, 'colbert');
  assert.equal((await index.info()).representation, undefined);
  assert.equal(existsSync(join(dir, 'representation.json')), false);
  await index.close();
});

test('poly: bad M, a PostgreSQL location, and a first add with fewer tokens than M are coded errors', async (t) => {
  const root = tempDir(t);
  for (const bad of ['poly:0', 'poly:65', 'poly:x', 'tokens'] as const) {
    await assert.rejects(
      Index.create(join(root, `bad-${bad}`), { model: 'lexical', representation: bad as 'poly:1' }),
      (e) => isTartanError(e, ErrorCodes.INVALID_ARGUMENT) && /poly:<M>/.test(e.message),
      bad,
    );
  }
  await assert.rejects(
    Index.create('postgres://nobody@127.0.0.1:1/none', { model: 'lexical', representation: 'poly:4' }),
    (e) => isTartanError(e, ErrorCodes.INVALID_ARGUMENT) && /folder indexes only/.test(e.message),
  );
  const index = await Index.create(join(root, 'small'), { model: 'lexical', representation: 'poly:64' });
  await assert.rejects(
    index.add([{ id: 'a', text: 'one short text' }]),
    (e) => isTartanError(e, ErrorCodes.INVALID_ARGUMENT) && /needs at least 64/.test(e.message),
  );
  await index.close();
});

test('tartan index --representation poly:4, then info and search from the CLI', (t) => {
  const root = tempDir(t);
  const input = join(root, 'docs.jsonl');
  writeFileSync(input, CORPUS.map((d) => JSON.stringify({ id: d.id, text: d.text, ...d.metadata })).join('\n') + '\n');
  const dir = join(root, 'idx');
  const made = tartanSync(['index', dir, input, '--model', 'lexical', '--representation', 'poly:4', '--no-progress']);
  assert.equal(made.status, 0, made.stderr);
  const info = JSON.parse(tartanSync(['info', dir, '--json']).stdout) as { representation?: string; codesFrom?: string; tokens: number; documents: number };
  assert.equal(info.representation, 'poly:4');
  assert.equal(info.codesFrom, 'k-means code queries');
  assert.equal(info.tokens, info.documents * 4);
  const found = tartanSync(['search', dir, 'adults own a phone', '-k', '1', '--json']);
  assert.equal(found.status, 0, found.stderr);
  assert.equal((JSON.parse(found.stdout) as { hits: Array<{ id: string }> }).hits[0].id, 'phone');
  const exportPath = join(root, 'codes.onnx');
  writeFileSync(exportPath, polyCodeModelBytes(randomRows(rng(4), 2, 128), 128, 0.01));
  const trained = tartanSync(['index', join(root, 'trained'), input, '--model', 'lexical', '--poly-model', exportPath, '--no-progress']);
  assert.equal(trained.status, 0, trained.stderr);
  const trainedInfo = JSON.parse(tartanSync(['info', join(root, 'trained'), '--json']).stdout) as { representation?: string; codesFrom?: string };
  assert.equal(trainedInfo.representation, 'poly:2');
  assert.equal(trainedInfo.codesFrom, join(root, 'trained', 'poly-codes.onnx'));
  const clash = tartanSync(['index', join(root, 'clash'), input, '--model', 'lexical', '--poly-model', exportPath, '--representation', 'colbert']);
  assert.notEqual(clash.status, 0);
  assert.match(clash.stderr, /E_INVALID_ARGUMENT.*--poly-model makes a poly index/);
  const bad = tartanSync(['index', join(root, 'bad'), input, '--model', 'lexical', '--representation', 'poly:99']);
  assert.notEqual(bad.status, 0);
  assert.match(bad.stderr, /E_INVALID_ARGUMENT.*poly:<M>/);
});
