/**
 * The index manifest: one versioned JSON file naming every data file of the
 * current generation with its size and sha256, plus counts and settings.
 * It is written last (atomically), so the manifest on disk always describes
 * a complete set of files; files of a new generation carry new names.
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ErrorCodes, TartanError } from '../errors.js';
import { writeFileAtomic } from './atomic-file.js';

export const MANIFEST_NAME = 'manifest.json';
export const FORMAT_NAME = 'tartan-index';
export const FORMAT_VERSION = 1;

/** A data file of the index: name relative to the index folder, size, sha256. */
export interface FileEntry { name: string; bytes: number; sha256: string }

/** Settings fixed at creation. */
export interface IndexSettings {
  mode: 'plaid' | 'flat';
  dim: number;
  /** plaid: residual bits per dimension (1, 2, 4 or 8). */
  nbits: number;
  /** flat: storage type of the vectors. */
  flatDtype: 'f16' | 'i8';
  /** plaid: number of centroids; 0 = chosen from the first add (power of two near 16*sqrt(tokens), capped). */
  centroids: number;
  /** Token pooling factor (1 = none). */
  poolFactor: number;
  /** Long documents are split into windows of this many tokens (0 = never). */
  chunkTokens: number;
  chunkOverlap: number;
  /** Default search knobs. */
  nprobe: number;
  ndocs: number;
  /** Model id or path the vectors came from (for the Index facade). */
  model?: string;
}

/** One segment: the documents added by one `add` (or the output of a compaction). */
export interface SegmentEntry {
  id: number;
  docBase: number;
  documents: number;
  passages: number;
  tokens: number;
  files: Record<string, FileEntry>;
}

/** Quality of the centroids for drift detection: mean squared residual norm at training vs. of later adds. */
export interface DriftStats { trainResidual: number; trainTokens: number; addedResidualSum: number; addedTokens: number }

export interface Manifest {
  format: typeof FORMAT_NAME;
  version: number;
  generation: number;
  updatedAt: string;
  settings: IndexSettings;
  /** plaid: centroid and codec files (absent until the first add). */
  codebook?: { centroids: number; files: Record<string, FileEntry> };
  segments: SegmentEntry[];
  nextSegmentId: number;
  nextDocBase: number;
  tombstones?: FileEntry;
  deleted: number;
  drift?: DriftStats;
}

/** sha256 of a byte array as hex. */
export function sha256(data: Uint8Array | string): string {
  return createHash('sha256').update(data).digest('hex');
}

/** Reads and validates the manifest of `dir`. */
export function readManifest(dir: string): Manifest {
  const path = join(dir, MANIFEST_NAME);
  if (!existsSync(path)) {
    throw new TartanError(ErrorCodes.INDEX_NOT_FOUND, `no index at ${dir} (missing ${MANIFEST_NAME}); create one with \`tartan index ${dir} <input...>\``);
  }
  let m: Manifest;
  try {
    m = JSON.parse(readFileSync(path, 'utf8')) as Manifest;
  } catch (e) {
    throw new TartanError(ErrorCodes.INDEX_CORRUPT, `the manifest ${path} is not valid JSON; restore it from a backup or rebuild the index`, { cause: e });
  }
  if (m.format !== FORMAT_NAME) throw new TartanError(ErrorCodes.INDEX_CORRUPT, `${path} is not a tartan index manifest; point at an index folder`);
  if (m.version > FORMAT_VERSION) {
    throw new TartanError(ErrorCodes.INDEX_VERSION, `index format version ${m.version} is newer than this tartan supports (${FORMAT_VERSION}); upgrade tartan`);
  }
  return m;
}

/** Writes the manifest atomically (temp file, fsync, rename, fsync dir). Call after every data file is in place. */
export function writeManifest(dir: string, m: Manifest): void {
  writeFileAtomic(join(dir, MANIFEST_NAME), [JSON.stringify({ ...m, updatedAt: new Date().toISOString() }, null, 1)]);
}

/** Every file name the manifest references. */
export function referencedFiles(m: Manifest): Set<string> {
  const names = new Set<string>([MANIFEST_NAME]);
  for (const f of Object.values(m.codebook?.files ?? {})) names.add(f.name);
  for (const s of m.segments) for (const f of Object.values(s.files)) names.add(f.name);
  if (m.tombstones) names.add(m.tombstones.name);
  return names;
}

/** Total bytes of the referenced data files, optionally only those whose role passes `role`. */
export function manifestBytes(m: Manifest, role: (r: string) => boolean = () => true): number {
  let n = 0;
  for (const [r, f] of Object.entries(m.codebook?.files ?? {})) if (role(r)) n += f.bytes;
  for (const s of m.segments) for (const [r, f] of Object.entries(s.files)) if (role(r)) n += f.bytes;
  return n;
}
