/**
 * What an open index holds in memory for search, part by part, against what it keeps on disk:
 * `tartan bench search` reports both per token (resident_bytes_per_token, disk_bytes_per_token).
 * Counted: typed arrays and heap-cached file contents the snapshot and the derived scan tables
 * hold; JavaScript strings (ids, metadata) at two bytes per character. Not counted: the operating
 * system's page cache, which serves positioned reads and is given back under memory pressure.
 */
import type { Snapshot } from './snapshot.js';
import { manifestBytes } from './manifest.js';

export interface MemoryReport {
  tokens: number;
  residentBytes: number;
  diskBytes: number;
  residentBytesPerToken: number;
  diskBytesPerToken: number;
  /** Resident bytes by part (centroids, codes, passages, documents, cached files, scan tables). */
  parts: Record<string, number>;
}

function documentBytes(snap: Snapshot): number {
  let n = 0;
  for (const seg of snap.segments) {
    n += seg.docs.textRefs.byteLength;
    for (const id of seg.docs.ids) n += 2 * id.length;
    for (const m of seg.docs.metadata) if (m) n += 2 * JSON.stringify(m).length;
  }
  return n;
}

/** Resident and disk bytes of `snap`; `tables` are the bytes of its derived search tables not already counted as cached files. */
export function memoryOf(snap: Snapshot, tables: number): MemoryReport {
  const cb = snap.codebook;
  const tokens = snap.segments.reduce((t, s) => t + s.entry.tokens, 0);
  const parts: Record<string, number> = {
    centroids: cb
      ? cb.centroids.byteLength +
        (cb.i8 ? cb.i8.data.byteLength + cb.i8.scales.byteLength + cb.i8.sums.byteLength : 0) +
        cb.codec.cutoffs.byteLength +
        cb.codec.weights.byteLength
      : 0,
    codes: snap.segments.reduce((t, s) => t + (s.codes?.byteLength ?? 0), 0),
    passages: snap.segments.reduce((t, s) => t + s.passageDoc.byteLength + s.tokenOffsets.byteLength, 0) + snap.deleted.byteLength,
    documents: documentBytes(snap),
    cachedFiles: snap.segments.reduce(
      (t, s) => t + (s.residuals?.heapBytes ?? 0) + (s.vectors?.heapBytes ?? 0) + (s.text?.heapBytes ?? 0) + (s.scales?.byteLength ?? 0),
      0,
    ),
    scanTables: tables,
  };
  const residentBytes = Object.values(parts).reduce((a, b) => a + b, 0);
  const diskBytes = manifestBytes(snap.manifest);
  return {
    tokens,
    residentBytes,
    diskBytes,
    parts,
    residentBytesPerToken: tokens ? residentBytes / tokens : 0,
    diskBytesPerToken: tokens ? diskBytes / tokens : 0,
  };
}
