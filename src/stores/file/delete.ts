/**
 * Deleting documents: tombstones. The deleted global document numbers are
 * written to a new `tombstones-g<generation>.u32` file; data stays in place
 * until `compact()` rewrites the live documents.
 */
import type { Manifest } from './manifest.js';
import type { Snapshot } from './snapshot.js';
import { writeFiles } from './segment-files.js';
import { checkIds } from './options-check.js';

/** Writes the tombstones file for `ids` and returns the next manifest, or undefined when none of the ids exist. */
export function prepareDelete(dir: string, snap: Snapshot, ids: readonly string[]): { manifest?: Manifest; removed: number } {
  // A bare string would be iterated character by character, deleting documents "a", "b", ... instead.
  checkIds(ids);
  const docs = new Set<number>();
  for (const id of ids) {
    const d = snap.idToDoc.get(id);
    if (d !== undefined) docs.add(d);
  }
  if (docs.size === 0) return { removed: 0 };
  const all: number[] = [];
  for (let d = 0; d < snap.deleted.length; d++) if (snap.deleted[d] || docs.has(d)) all.push(d);
  const m: Manifest = structuredClone(snap.manifest);
  m.generation += 1;
  const table = Uint32Array.from(all);
  const files = writeFiles(dir, `tombstones-g${m.generation}`, { u32: new Uint8Array(table.buffer) });
  m.tombstones = files.u32;
  m.deleted = all.length;
  return { manifest: m, removed: docs.size };
}
