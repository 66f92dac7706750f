/**
 * Centroid drift of a plaid index: do the vectors added after training sit as
 * close to the centroids as vectors like the training data would?
 *
 * The reference is measured on documents held out of training: the first add
 * trains on 7 of every 8 documents and measures the mean squared residual of
 * the 8th. A residual measured on the training rows themselves is far smaller
 * (the centroids were fitted to those very tokens: on SciFact with the lexical
 * model 0.084 against 0.119 for unseen documents of the same corpus), so every
 * later add, even of the same corpus, looked drifted (1.4) and a fresh build
 * made of several segments advised a rebuild.
 */
import { defaultCentroidCount } from '../../plaid/kmeans.js';
import { assignBulk, residualsOf } from '../../plaid/codebook.js';
import type { Codebook } from '../../plaid/codebook.js';
import type { DriftStats } from './manifest.js';
import type { PassageBatch } from './segment-builder.js';

/** One document in this many is held out of training (the last of each group). */
const HOLDOUT_EVERY = 8;
/** Fewer documents than this in the first add: train on all of them (too few to spare). */
const HOLDOUT_MIN_DOCS = 32;
/** Rows the training copy keeps at most (k-means samples at most 16 x 8192 rows, the codec 65,536): bounds its memory. */
const TRAIN_MAX_ROWS = 1 << 18;
/** Held-out rows the reference residual is measured on at most. */
const HELD_MAX_ROWS = 1 << 14;
/** Drift above this recommends a rebuild. */
export const DRIFT_REBUILD = 1.25;
/** The index has grown so that its size calls for this many times the centroids it has: rebuild. */
const CENTROID_SHORTFALL = 4;

/** The tokens of the passages whose document `keep` accepts; evenly thinned to at most `max` rows. */
function rowsOf(p: PassageBatch, dim: number, keep: (doc: number) => boolean, max: number): Float32Array {
  let count = 0;
  for (let i = 0; i < p.passageDoc.length; i++) if (keep(p.passageDoc[i])) count += p.offsets[i + 1] - p.offsets[i];
  const step = Math.max(1, Math.ceil(count / max));
  const out = new Float32Array(Math.ceil(count / step) * dim);
  let seen = 0,
    o = 0;
  for (let i = 0; i < p.passageDoc.length; i++) {
    if (!keep(p.passageDoc[i])) continue;
    for (let r = p.offsets[i]; r < p.offsets[i + 1]; r++, seen++) {
      if (seen % step !== 0) continue;
      out.set(p.data.subarray(r * dim, r * dim + dim), o);
      o += dim;
    }
  }
  return out;
}

/**
 * Splits the first add into the rows the codebook trains on and the held-out rows its reference
 * residual is measured on (none when the add has too few documents, or the held-out ones no tokens).
 */
export function splitForTraining(p: PassageBatch, dim: number, documents: number): { train: Float32Array; held?: Float32Array } {
  const heldOut = (doc: number) => doc % HOLDOUT_EVERY === HOLDOUT_EVERY - 1;
  if (documents >= HOLDOUT_MIN_DOCS) {
    const held = rowsOf(p, dim, heldOut, HELD_MAX_ROWS);
    const train = rowsOf(p, dim, (d) => !heldOut(d), TRAIN_MAX_ROWS);
    if (held.length > 0 && train.length > 0) return { train, held };
  }
  return { train: p.data.length / dim <= TRAIN_MAX_ROWS ? p.data : rowsOf(p, dim, () => true, TRAIN_MAX_ROWS) };
}

/** Mean squared residual of `rows` against the codebook's centroids. */
export async function meanResidual(codebook: Pick<Codebook, 'centroids' | 'codec'>, rows: Float32Array): Promise<number> {
  const dim = codebook.codec.dim;
  const n = rows.length / dim;
  if (n === 0) return 0;
  return residualsOf(rows, dim, codebook.centroids, await assignBulk(codebook, rows)).sqNormSum / n;
}

/**
 * The drift figure (mean squared residual of the tokens added after training over the reference;
 * 1 when nothing was added since) and whether a rebuild is recommended: drift above
 * {@link DRIFT_REBUILD}, or an index grown so much that it calls for {@link CENTROID_SHORTFALL}
 * times its centroids (when their number was left automatic).
 */
export function driftAdvice(
  drift: DriftStats | undefined,
  centroids: number,
  tokens: number,
  automaticCentroids: boolean,
): { drift: number; rebuildRecommended: boolean } {
  const value = drift && drift.addedTokens > 0 ? drift.addedResidualSum / drift.addedTokens / Math.max(1e-12, drift.trainResidual) : 1;
  const outgrown = automaticCentroids && centroids > 0 && defaultCentroidCount(tokens) >= CENTROID_SHORTFALL * centroids;
  return { drift: value, rebuildRecommended: value > DRIFT_REBUILD || outgrown };
}
