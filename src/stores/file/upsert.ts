/**
 * Adding with replacement (upsert): the old versions of the documents are
 * tombstoned and the new ones written, and one manifest publishes both, so
 * readers see the old documents or the new ones, never neither.
 */
import type { DocumentInput } from '../types.js';
import type { TokenMatrixBatch } from '../../core/tensors.js';
import type { Manifest } from './manifest.js';
import { Snapshot } from './snapshot.js';
import { prepareAdd } from './update.js';
import { prepareDelete } from './delete.js';

/** Writes the files of an upsert and returns the manifest that makes them visible, with how many documents it replaces. */
export async function prepareUpsert(
  dir: string,
  snap: Snapshot,
  docs: readonly DocumentInput[],
  vectors: TokenMatrixBatch,
): Promise<{ manifest: Manifest; replaced: number }> {
  const { manifest: withoutOld, removed } = prepareDelete(
    dir,
    snap,
    docs.map((d) => d.id),
  );
  if (!withoutOld) return { manifest: await prepareAdd(dir, snap, docs, vectors), replaced: 0 };
  // The add is prepared against the state without the old versions, which is never published on its own.
  const between = new Snapshot(dir, withoutOld, snap);
  try {
    return { manifest: await prepareAdd(dir, between, docs, vectors), replaced: removed };
  } finally {
    between.retire();
  }
}
