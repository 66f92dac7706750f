/**
 * Score checks against the seed cases (scores the Python fastembed library produced with the
 * real weights). They run where $TARTAN_REAL_MODELS holds real model folders named by
 * repository id (e.g. $TARTAN_REAL_MODELS/colbert-ir/colbertv2.0) and are skipped otherwise.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { sharedDir } from '../../src/core/paths.js';
import { TextCrossEncoder } from '../../src/models/encoders/cross-encoder.js';
import { TextEmbedding } from '../../src/models/encoders/dense.js';
import { LateInteractionTextEmbedding } from '../../src/models/encoders/late-interaction.js';
import { SHARED, sharedSkipReason } from '../shared-fixtures.js';
import { oracleMaxSim } from '../scoring/random-data.js';

interface SeedCase {
  id: string;
  query: string;
  documents: string[];
  dense?: { model: string; scores: number[] };
  cross_encoder?: { model: string; scores: number[] };
  late_interaction?: { model: string; query_shape: number[]; document_shapes: number[][]; maxsim_scores?: number[] };
}
// The seed cases come from the shared folder; without it these tests skip with that reason instead.
const seedsMissing = sharedSkipReason(SHARED.seedCases);
const cases = seedsMissing ? [] : (JSON.parse(readFileSync(join(sharedDir(), 'reference', 'seed-cases.json'), 'utf8')) as { cases: SeedCase[] }).cases;
const REASON = 'skipped: no model files (set TARTAN_REAL_MODELS)';

function modelDir(id: string): string | undefined {
  const root = process.env.TARTAN_REAL_MODELS;
  const dir = root ? join(root, ...id.split('/')) : undefined;
  return dir && existsSync(dir) ? dir : undefined;
}

function assertClose(actual: number, expected: number, what: string): void {
  const tolerance = 1e-3 * Math.max(1, Math.abs(expected));
  assert.ok(Math.abs(actual - expected) <= tolerance, `${what}: got ${actual}, seed has ${expected}`);
}

const denseId = 'BAAI/bge-small-en-v1.5';
test('dense seed scores (bge-small-en-v1.5)', { skip: seedsMissing ?? (modelDir(denseId) ? false : REASON) }, async () => {
  const model = await TextEmbedding.load(modelDir(denseId), { registryId: denseId });
  try {
    for (const c of cases.filter((x) => x.dense)) {
      const [q] = await model.embed([c.query]);
      const docs = await model.embed(c.documents);
      docs.forEach((d, i) =>
        assertClose(
          d.reduce((s, x, k) => s + x * q[k], 0),
          c.dense!.scores[i],
          `${c.id} doc ${i}`,
        ),
      );
    }
  } finally {
    await model.dispose();
  }
});

const colbertId = 'colbert-ir/colbertv2.0';
test('ColBERT seed shapes and MaxSim scores (colbertv2.0)', { skip: seedsMissing ?? (modelDir(colbertId) ? false : REASON) }, async () => {
  const model = await LateInteractionTextEmbedding.load(modelDir(colbertId), { registryId: colbertId });
  try {
    for (const c of cases.filter((x) => x.late_interaction)) {
      const li = c.late_interaction!;
      const [q] = await model.embed([c.query], true);
      const docs = await model.embed(c.documents, false);
      assert.deepEqual([q.rows, q.dim], li.query_shape);
      assert.deepEqual(
        docs.map((d) => [d.rows, d.dim]),
        li.document_shapes,
      );
      li.maxsim_scores?.forEach((s, i) => assertClose(oracleMaxSim(q, docs[i]), s, `${c.id} doc ${i}`));
    }
  } finally {
    await model.dispose();
  }
});

const crossId = 'Xenova/ms-marco-MiniLM-L-6-v2';
test('cross-encoder seed scores (ms-marco-MiniLM-L-6-v2)', { skip: seedsMissing ?? (modelDir(crossId) ? false : REASON) }, async () => {
  const model = await TextCrossEncoder.load(modelDir(crossId), { registryId: crossId });
  try {
    for (const c of cases.filter((x) => x.cross_encoder)) {
      const scores = await model.score(c.query, c.documents);
      scores.forEach((s, i) => assertClose(s, c.cross_encoder!.scores[i], `${c.id} doc ${i}`));
    }
  } finally {
    await model.dispose();
  }
});
