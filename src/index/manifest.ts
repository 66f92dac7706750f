/**
 * The index manifest: one versioned JSON file naming every data file of the
 * current generation with its size and sha256, plus counts and settings.
 * It is written last (atomically), so the manifest on disk always describes
 * a complete set of files; files of a new generation carry new names.
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { ErrorCodes, TartanError } from '../errors.js';
import { writeFileAtomic } from './atomic-file.js';

export const MANIFEST_NAME = 'manifest.json';
export const FORMAT_NAME = 'tartan-index';
/** 2: the manifest ends with a sha256 of its own bytes (version 1 manifests, without it, are still read). */
export const FORMAT_VERSION = 2;

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

/**
 * The self-checksum trailer: the manifest's last member is the sha256 of every
 * byte before it, so any flipped or missing byte of the manifest is detected
 * (a checksum of re-serialised JSON would miss changes JSON.parse forgives).
 */
const TRAILER = /,\n "sha256": "([0-9a-f]{64})"\n\}\n$/;

function manifestCorrupt(path: string, why: string, cause?: unknown): TartanError {
  return new TartanError(ErrorCodes.INDEX_CORRUPT, `the manifest ${path} ${why}; restore the index folder from a backup or rebuild the index`, {
    ...(cause !== undefined ? { cause } : {}), details: { file: MANIFEST_NAME, reason: why },
  });
}

/** Parses and validates manifest text (from `path`, named in errors). */
export function parseManifest(text: string, path: string): Manifest {
  let m: Manifest & { sha256?: string };
  try {
    m = JSON.parse(text) as Manifest & { sha256?: string };
  } catch (e) {
    throw manifestCorrupt(path, 'is not valid JSON (truncated or damaged)', e);
  }
  if (m === null || typeof m !== 'object' || m.format !== FORMAT_NAME) throw new TartanError(ErrorCodes.INDEX_CORRUPT, `${path} is not a tartan index manifest; point at an index folder`, { details: { file: MANIFEST_NAME } });
  const newer = typeof m.version === 'number' && m.version > FORMAT_VERSION;
  const trailer = TRAILER.exec(text);
  if (trailer) {
    if (sha256(text.slice(0, trailer.index)) !== trailer[1]) throw manifestCorrupt(path, 'does not match its checksum (damaged)');
  } else if (!newer && (m.sha256 !== undefined || m.version !== 1)) {
    // Only version 1 manifests were written without the trailer.
    throw manifestCorrupt(path, 'has no valid checksum trailer (damaged)');
  }
  if (typeof m.version !== 'number' || newer) {
    throw new TartanError(ErrorCodes.INDEX_VERSION, `index format version ${m.version} is newer than this tartan supports (${FORMAT_VERSION}); upgrade tartan`);
  }
  delete m.sha256;
  return m;
}

/** Reads and validates the manifest of `dir` (format, version and its own checksum). */
export function readManifest(dir: string): Manifest {
  const path = join(dir, MANIFEST_NAME);
  if (!existsSync(path)) {
    throw new TartanError(ErrorCodes.INDEX_NOT_FOUND, `no index at ${dir} (missing ${MANIFEST_NAME}); create one with \`tartan index ${dir} <input...>\``);
  }
  let text: string;
  try { text = readFileSync(path, 'utf8'); } catch (e) {
    throw new TartanError(ErrorCodes.INDEX_NOT_FOUND, `cannot read ${path}: ${(e as Error).message}`, { cause: e });
  }
  return parseManifest(text, path);
}

/** The manifest's bytes: JSON with the sha256 trailer. */
export function serializeManifest(m: Manifest): string {
  const { sha256: _old, ...rest } = m as Manifest & { sha256?: string };
  const body = JSON.stringify({ ...rest, version: FORMAT_VERSION, updatedAt: new Date().toISOString() }, null, 1);
  // body ends with "\n}": the trailer goes in as the last member.
  const head = body.slice(0, -2);
  return `${head},\n "sha256": "${sha256(head)}"\n}\n`;
}

/**
 * Identity of the manifest file now (inode, size, modification time in ns; '' when absent).
 * Every write renames a new file into place, so a changed stamp means a new manifest.
 */
export function manifestStamp(dir: string): string {
  try {
    const st = statSync(join(dir, MANIFEST_NAME), { bigint: true });
    return `${st.ino}:${st.size}:${st.mtimeNs}`;
  } catch { return ''; }
}

/** Writes the manifest atomically (temp file, fsync, rename, fsync dir). Call after every data file is in place. */
export function writeManifest(dir: string, m: Manifest): void {
  writeFileAtomic(join(dir, MANIFEST_NAME), [serializeManifest(m)]);
}

/** Every file name the manifest references. */
export function referencedFiles(m: Manifest): Set<string> {
  const names = new Set<string>([MANIFEST_NAME]);
  for (const f of Object.values(m.codebook?.files ?? {})) names.add(f.name);
  for (const s of m.segments) for (const f of Object.values(s.files)) names.add(f.name);
  if (m.tombstones) names.add(m.tombstones.name);
  return names;
}

/**
 * True for the names of data files and temporary files an index writer creates
 * (the ones a writer may remove when no manifest names them). Side files of
 * other components in the folder (BM25, dense, their temp files) are not ours.
 */
export function isIndexWriterFile(name: string): boolean {
  return /^(seg-\d+|codebook-g\d+|tombstones-g\d+)\./.test(name) || /^\.(manifest\.json|(seg-\d+|codebook-g\d+|tombstones-g\d+)\.[a-z0-9]+)\.\d+\.tmp$/.test(name);
}

/** Total bytes of the referenced data files, optionally only those whose role passes `role`. */
export function manifestBytes(m: Manifest, role: (r: string) => boolean = () => true): number {
  let n = 0;
  for (const [r, f] of Object.entries(m.codebook?.files ?? {})) if (role(r)) n += f.bytes;
  for (const s of m.segments) for (const [r, f] of Object.entries(s.files)) if (role(r)) n += f.bytes;
  return n;
}
