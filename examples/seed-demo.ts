/**
 * The seed notebooks as one script: dense (bge-small) vs ColBERT (colbertv2.0, MaxSim) vs
 * cross-encoder (ms-marco-MiniLM-L-6-v2) on the seed documents of seed-cases.json, printing
 * each model's scores and ranking next to the scores Python fastembed produced.
 *
 *   node --import tsx examples/seed-demo.ts               # real models: $TARTAN_REAL_MODELS/<id> or the hub cache
 *   node --import tsx examples/seed-demo.ts --synthetic   # random-weight stand-ins, built fresh (scores meaningless)
 */
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  LateInteractionTextEmbedding,
  TextCrossEncoder,
  TextEmbedding,
  isTartanError,
  makeSyntheticModel,
  type LoadModelOptions,
  type TokenMatrix,
} from 'tartan-search';
import { sharedDir } from '../src/core/paths.js';

interface SeedCase {
  id: string;
  query: string;
  documents: string[];
  dense?: { scores: number[] };
  cross_encoder?: { scores: number[] };
  late_interaction?: { maxsim_scores?: number[] };
}

const MODELS = { dense: 'BAAI/bge-small-en-v1.5', colbert: 'colbert-ir/colbertv2.0', cross: 'Xenova/ms-marco-MiniLM-L-6-v2' } as const;

/** Sum over query rows of the best dot product with any document row. */
function maxSim(q: TokenMatrix, d: TokenMatrix): number {
  let total = 0;
  for (let i = 0; i < q.rows; i++) {
    let best = -Infinity;
    for (let j = 0; j < d.rows; j++) {
      let s = 0;
      for (let k = 0; k < q.dim; k++) s += q.data[i * q.dim + k] * d.data[j * d.dim + k];
      best = Math.max(best, s);
    }
    total += best;
  }
  return total;
}

function printScores(title: string, docs: string[], scores: number[], seed?: number[]): void {
  const order = scores.map((s, i) => i).sort((a, b) => scores[b] - scores[a]);
  console.log(`  ${title}`);
  for (const [rank, i] of order.entries()) {
    const expected = seed ? `  (fastembed: ${seed[i].toFixed(4)})` : '';
    console.log(`    #${rank + 1}  doc ${i + 1}  ${scores[i].toFixed(4)}${expected}  ${docs[i].slice(0, 70)}${docs[i].length > 70 ? '…' : ''}`);
  }
}

/** Where each model comes from: a local folder (real or synthetic) or the hub cache, offline. */
async function sources(synthetic: boolean, dir: string): Promise<Record<keyof typeof MODELS, [string, LoadModelOptions]>> {
  if (synthetic) {
    await makeSyntheticModel(join(dir, 'colbert'), { arch: 'tiny', kind: 'colbert', dim: 128, seed: 1 });
    await makeSyntheticModel(join(dir, 'dense'), { arch: 'tiny', kind: 'dense', seed: 1 });
    await makeSyntheticModel(join(dir, 'cross'), { arch: 'tiny', kind: 'cross-encoder', seed: 1 });
    return { dense: [join(dir, 'dense'), {}], colbert: [join(dir, 'colbert'), {}], cross: [join(dir, 'cross'), {}] };
  }
  const root = process.env.TARTAN_REAL_MODELS;
  const pick = (id: string): [string, LoadModelOptions] => {
    const local = root ? join(root, ...id.split('/')) : undefined;
    return local && existsSync(local) ? [local, { registryId: id }] : [id, { offline: true }];
  };
  return { dense: pick(MODELS.dense), colbert: pick(MODELS.colbert), cross: pick(MODELS.cross) };
}

async function main(): Promise<void> {
  const synthetic = process.argv.includes('--synthetic');
  const cases = (JSON.parse(readFileSync(join(sharedDir(), 'reference', 'seed-cases.json'), 'utf8')) as { cases: SeedCase[] }).cases;
  const dir = await mkdtemp(join(tmpdir(), 'tartan-seed-demo-'));
  try {
    if (synthetic) console.log('SYNTHETIC MODELS: random weights built just now (tiny BERT). Shapes are real; scores carry no meaning.\n');
    const src = await sources(synthetic, dir);
    const dense = await TextEmbedding.load(...src.dense);
    const colbert = await LateInteractionTextEmbedding.load(...src.colbert);
    const cross = await TextCrossEncoder.load(...src.cross);
    for (const c of cases) {
      console.log(`${c.id}\n  query: ${c.query}`);
      const [qv] = await dense.embed([c.query]);
      const dv = await dense.embed(c.documents);
      printScores(
        `dense ${dense.modelId} (cosine)`,
        c.documents,
        dv.map((d) => d.reduce((s, x, k) => s + x * qv[k], 0)),
        synthetic ? undefined : c.dense?.scores,
      );
      const [qm] = await colbert.embed([c.query], true);
      const dm = await colbert.embed(c.documents, false);
      console.log(`  ColBERT shapes: query ${qm.rows}x${qm.dim}, documents ${dm.map((m) => `${m.rows}x${m.dim}`).join(', ')}`);
      printScores(
        `ColBERT ${colbert.modelId} (MaxSim)`,
        c.documents,
        dm.map((d) => maxSim(qm, d)),
        synthetic ? undefined : c.late_interaction?.maxsim_scores,
      );
      printScores(
        `cross-encoder ${cross.modelId} (logit)`,
        c.documents,
        await cross.score(c.query, c.documents),
        synthetic ? undefined : c.cross_encoder?.scores,
      );
      console.log('');
    }
    await Promise.all([dense.dispose(), colbert.dispose(), cross.dispose()]);
  } catch (err) {
    if (!synthetic && isTartanError(err)) {
      console.error(`No real models available (${err.code}): ${err.message}`);
      console.error('Set TARTAN_REAL_MODELS to a folder holding BAAI/bge-small-en-v1.5, colbert-ir/colbertv2.0 and Xenova/ms-marco-MiniLM-L-6-v2,');
      console.error('pull them with `tartan models pull`, or run with --synthetic.');
      process.exitCode = 2;
      return;
    }
    throw err;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

await main();
