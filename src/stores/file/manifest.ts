/**
 * The index manifest: one versioned JSON file naming every data file of the
 * current generation with its size and sha256, plus counts and settings.
 * It is written last (atomically), so the manifest on disk always describes
 * a complete set of files; files of a new generation carry new names.
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { ErrorCodes, TartanError, describeValue } from '../../core/errors.js';
import { writeFileAtomic } from '../../core/atomic-file.js';
import { LARGE, MAX_DIM } from './settings.js';
import type { IndexSettings } from './settings.js';
import { SUPPORTED_NBITS, residualBytes } from '../../plaid/residual-codec.js';
import type { CentroidType } from '../../plaid/centroid-bytes.js';
import { centroidFileBytes } from '../../plaid/centroid-bytes.js';
import { projectionFileBytes } from '../../plaid/projection.js';

export type { IndexSettings } from './settings.js';

export const MANIFEST_NAME = 'manifest.json';
export const FORMAT_NAME = 'tartan-index';
/**
 * 2: the manifest ends with a sha256 of its own bytes (version 1 manifests, without it, are still read).
 * 3: codebooks store int8 centroids (codebook.centroidType); version 2 indexes, with float16 centroids, are still read.
 * 4: settings.pcaDim and the projection file. Only indexes that reduce the dimension are written as
 *    version 4 (see {@link manifestVersion}); the others stay version 3, readable by older releases.
 */
export const FORMAT_VERSION = 4;

/** A data file of the index: name relative to the index folder, size, sha256. */
export interface FileEntry {
  name: string;
  bytes: number;
  sha256: string;
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
export interface DriftStats {
  trainResidual: number;
  trainTokens: number;
  addedResidualSum: number;
  addedTokens: number;
}

export interface Manifest {
  format: typeof FORMAT_NAME;
  version: number;
  generation: number;
  updatedAt: string;
  settings: IndexSettings;
  /** plaid: centroid and codec files (absent until the first add). */
  /** centroidType: how the centroids file stores them (absent: 'f16', as written before format 3). */
  codebook?: { centroids: number; centroidType?: CentroidType; files: Record<string, FileEntry> };
  segments: SegmentEntry[];
  /** settings.pcaDim > 0: the learned projection (float32, pcaDim x dim), written by the first add that holds tokens. */
  projection?: FileEntry;
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
    ...(cause !== undefined ? { cause } : {}),
    details: { file: MANIFEST_NAME, reason: why },
  });
}

/** Parses and validates manifest text (from `path`, named in errors): format, version, checksum, then every field. */
export function parseManifest(text: string, path: string): Manifest {
  let m: Manifest & { sha256?: string };
  try {
    m = JSON.parse(text) as Manifest & { sha256?: string };
  } catch (e) {
    throw manifestCorrupt(path, 'is not valid JSON (truncated or damaged)', e);
  }
  if (m === null || typeof m !== 'object' || m.format !== FORMAT_NAME)
    throw new TartanError(ErrorCodes.INDEX_CORRUPT, `${path} is not a tartan index manifest; point at an index folder`, { details: { file: MANIFEST_NAME } });
  const newer = typeof m.version === 'number' && m.version > FORMAT_VERSION;
  const trailer = TRAILER.exec(text);
  if (trailer) {
    if (sha256(text.slice(0, trailer.index)) !== trailer[1]) throw manifestCorrupt(path, 'does not match its checksum (damaged)');
  } else if (!newer && (m.sha256 !== undefined || m.version !== 1)) {
    // Only version 1 manifests were written without the trailer.
    throw manifestCorrupt(path, 'has no valid checksum trailer (damaged)');
  }
  // (a version that is not a positive integer is refused by validateManifest, as a damaged field)
  if (newer) {
    throw new TartanError(ErrorCodes.INDEX_VERSION, `index format version ${m.version} is newer than this tartan supports (${FORMAT_VERSION}); upgrade tartan`);
  }
  delete m.sha256;
  validateManifest(m, path);
  return m;
}

/** Largest count a uint32 table of the index can hold (tombstones, passage tables and token offsets are uint32). */
const U32_MAX = 0xffffffff;
/** Data file names: what writers create (`seg-000001.codes`), never a path: no separator, no `..`, no NUL, no leading dot. */
const PLAIN_NAME = /^[A-Za-z0-9_-][A-Za-z0-9._-]{0,254}$/;
const SHA256_HEX = /^[0-9a-f]{64}$/;

type Json = Record<string, unknown>;

/** Describes a value for a message (never throws, never echoes megabytes). */
function show(v: unknown): string {
  return v === undefined ? 'nothing' : describeValue(v);
}

/**
 * Checks every field of a parsed manifest: types, integer ranges, counts
 * consistent with the sizes of the files named, file names inside the folder.
 * A manifest can pass its checksum and still lie (written by a buggy or
 * hostile tool, or as an unsigned version 1 file): without this a huge
 * nextDocBase allocates gigabytes, a `../x` name reads outside the index, a
 * string nprobe reaches the native kernels, a missing table is a TypeError.
 * Throws INDEX_CORRUPT naming the manifest and the field.
 */
export function validateManifest(m: unknown, path: string): asserts m is Manifest {
  const fail = (field: string, why: string, reason = 'format'): never => {
    throw new TartanError(
      ErrorCodes.INDEX_CORRUPT,
      `the manifest ${path} has an invalid ${field}: ${why}; restore the index folder from a backup or rebuild the index`,
      {
        details: { file: MANIFEST_NAME, field, reason },
      },
    );
  };
  const object = (v: unknown, field: string): Json => {
    if (v === null || typeof v !== 'object' || Array.isArray(v)) fail(field, `expected an object, got ${show(v)}`);
    return v as Json;
  };
  const int = (v: unknown, field: string, min: number, max: number): number => {
    if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) fail(field, `expected an integer from ${min} to ${max}, got ${show(v)}`);
    return v as number;
  };
  const finite = (v: unknown, field: string): number => {
    if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) fail(field, `expected a finite non-negative number, got ${show(v)}`);
    return v as number;
  };
  const oneOf = <T>(v: unknown, field: string, allowed: readonly T[]): T => {
    if (!allowed.includes(v as T)) fail(field, `expected one of ${allowed.map((a) => JSON.stringify(a)).join(', ')}, got ${show(v)}`);
    return v as T;
  };
  // Every file is named once: two entries for one file would let a manifest pass one table off as another.
  const names = new Set<string>();
  const file = (v: unknown, field: string): FileEntry => {
    const f = object(v, field);
    if (typeof f.name !== 'string' || !PLAIN_NAME.test(f.name) || f.name.includes('..') || f.name === MANIFEST_NAME) {
      fail(
        `${field}.name`,
        `expected a plain file name inside the index folder (letters, digits, '.', '_', '-'; no '/', '\\', '..' or NUL), got ${show(f.name)}`,
      );
    }
    if (names.has(f.name as string)) fail(`${field}.name`, `${show(f.name)} is named twice`);
    names.add(f.name as string);
    int(f.bytes, `${field}.bytes`, 0, Number.MAX_SAFE_INTEGER);
    if (typeof f.sha256 !== 'string' || !SHA256_HEX.test(f.sha256)) fail(`${field}.sha256`, `expected 64 lowercase hex digits, got ${show(f.sha256)}`);
    return f as unknown as FileEntry;
  };
  const sized = (f: FileEntry, field: string, expected: number, what: string): void => {
    if (f.bytes !== expected) fail(`${field}.bytes`, `${f.bytes} bytes does not fit ${what} (${expected} bytes)`, 'inconsistent');
  };

  const root = object(m, 'manifest');
  int(root.version, 'version', 1, FORMAT_VERSION);
  int(root.generation, 'generation', 0, Number.MAX_SAFE_INTEGER);
  if (root.updatedAt !== undefined && typeof root.updatedAt !== 'string') fail('updatedAt', `expected a date string, got ${show(root.updatedAt)}`);

  const s = object(root.settings, 'settings');
  const mode = oneOf(s.mode, 'settings.mode', ['plaid', 'flat'] as const);
  const dim = int(s.dim, 'settings.dim', 1, MAX_DIM);
  // The setting of the other mode is unused; only the one the mode reads must be valid.
  const nbits = mode === 'plaid' ? oneOf(s.nbits, 'settings.nbits', SUPPORTED_NBITS) : 0;
  const dtype = mode === 'flat' ? oneOf(s.flatDtype, 'settings.flatDtype', ['f16', 'i8'] as const) : 'f16';
  int(s.centroids, 'settings.centroids', 0, LARGE);
  if (typeof s.poolFactor !== 'number' || !(s.poolFactor >= 1 && s.poolFactor <= 4))
    fail('settings.poolFactor', `expected a number from 1 to 4, got ${show(s.poolFactor)}`);
  const chunkTokens = int(s.chunkTokens, 'settings.chunkTokens', 0, LARGE);
  const overlap = int(s.chunkOverlap, 'settings.chunkOverlap', 0, LARGE);
  if (overlap > 0 && overlap >= chunkTokens) fail('settings.chunkOverlap', `${overlap} is not smaller than chunkTokens ${chunkTokens}`);
  // Searches read these defaults; the native kernels abort the process on non-numbers.
  int(s.nprobe, 'settings.nprobe', 1, LARGE);
  int(s.ndocs, 'settings.ndocs', 1, LARGE);
  if (s.rerankVectors !== undefined) oneOf(s.rerankVectors, 'settings.rerankVectors', ['f16', 'none'] as const);
  if (s.model !== undefined && typeof s.model !== 'string') fail('settings.model', `expected a model id or path, got ${show(s.model)}`);
  const pcaDim = s.pcaDim === undefined ? 0 : int(s.pcaDim, 'settings.pcaDim', 0, dim - 1);
  // Stored data (centroids, residuals, vectors) has the reduced dimension when there is one.
  const sdim = pcaDim || dim;

  let k = 0;
  if (root.codebook !== undefined) {
    if (mode === 'flat') fail('codebook', 'a flat index has no codebook', 'inconsistent');
    const cb = object(root.codebook, 'codebook');
    k = int(cb.centroids, 'codebook.centroids', 1, LARGE);
    const files = object(cb.files, 'codebook.files');
    if (cb.centroidType !== undefined && cb.centroidType !== 'f16' && cb.centroidType !== 'i8')
      fail('codebook.centroidType', `expected "f16" or "i8", got ${show(cb.centroidType)}`);
    const type = (cb.centroidType ?? 'f16') as CentroidType;
    sized(
      file(files.centroids, 'codebook.files.centroids'),
      'codebook.files.centroids',
      centroidFileBytes(type, k, sdim),
      `${k} ${type} centroids of dim ${sdim}`,
    );
    file(files.codec, 'codebook.files.codec');
    for (const [role, f] of Object.entries(files)) if (role !== 'centroids' && role !== 'codec') file(f, `codebook.files.${role}`);
  }

  if (!Array.isArray(root.segments)) fail('segments', `expected an array, got ${show(root.segments)}`);
  const segments = root.segments as unknown[];
  const nextSegmentId = int(root.nextSegmentId, 'nextSegmentId', 1, Number.MAX_SAFE_INTEGER);
  const ids = new Set<number>();
  // Segments tile the document numbers 0..nextDocBase in order (as every writer leaves them), so
  // nextDocBase, which sizes the per-document tables, is bounded by the documents the files hold.
  let docBase = 0,
    holdsTokens = false;
  segments.forEach((v, i) => {
    const at = `segments[${i}]`;
    const seg = object(v, at);
    const id = int(seg.id, `${at}.id`, 0, nextSegmentId - 1);
    if (ids.has(id)) fail(`${at}.id`, `segment id ${id} is repeated`, 'inconsistent');
    ids.add(id);
    if (int(seg.docBase, `${at}.docBase`, 0, U32_MAX) !== docBase)
      fail(
        `${at}.docBase`,
        `segment starts at document ${seg.docBase as number}, expected ${docBase} (segments must tile the document numbers)`,
        'inconsistent',
      );
    const documents = int(seg.documents, `${at}.documents`, 0, U32_MAX);
    const passages = int(seg.passages, `${at}.passages`, documents, U32_MAX);
    const tokens = int(seg.tokens, `${at}.tokens`, 0, U32_MAX);
    holdsTokens ||= tokens > 0;
    docBase += documents;
    if (docBase > U32_MAX) fail(`${at}.documents`, `the segments hold more than ${U32_MAX} documents`, 'inconsistent');
    const files = object(seg.files, `${at}.files`);
    const f = (role: string, required: boolean): FileEntry | undefined => {
      if (files[role] === undefined) {
        if (required) fail(`${at}.files.${role}`, `the ${role} file is missing`);
        return undefined;
      }
      return file(files[role], `${at}.files.${role}`);
    };
    const docs = f('docs', true)!;
    // Every document record is a JSON line of several bytes.
    if (documents > docs.bytes) fail(`${at}.documents`, `${documents} documents cannot fit in ${docs.bytes} bytes of ${docs.name}`, 'inconsistent');
    f('text', true);
    sized(f('passages', true)!, `${at}.files.passages`, passages * 8, `${passages} passages (two uint32 each)`);
    if (mode === 'plaid') {
      // Segments have codes once the first add trained the codebook (an empty compaction before that has none).
      const codes = f('codes', k > 0);
      if (codes) {
        if (k === 0) fail(`${at}.files.codes`, 'the segment has codes but the manifest names no codebook', 'inconsistent');
        sized(codes, `${at}.files.codes`, tokens * (k <= 65536 ? 2 : 4), `${tokens} token codes`);
        const ivf = f('ivf', true)!;
        if (ivf.bytes < (k + 1) * 4) fail(`${at}.files.ivf.bytes`, `${ivf.bytes} bytes is shorter than the list header for ${k} centroids`, 'inconsistent');
        sized(f('residuals', true)!, `${at}.files.residuals`, tokens * residualBytes(sdim, nbits), `${tokens} residuals of dim ${sdim} at ${nbits} bits`);
      } else if (tokens > 0) {
        fail(`${at}.files.codes`, `the segment holds ${tokens} tokens but no codes`, 'inconsistent');
      }
      // Full-fidelity rerank vectors (float16), when the index keeps them.
      const vectors = f('vectors', false);
      if (vectors) sized(vectors, `${at}.files.vectors`, tokens * sdim * 2, `${tokens} f16 rerank vectors of dim ${sdim}`);
      if (files.scales !== undefined) fail(`${at}.files.scales`, 'a plaid index stores no int8 scales', 'inconsistent');
    } else {
      sized(f('vectors', true)!, `${at}.files.vectors`, tokens * sdim * (dtype === 'f16' ? 2 : 1), `${tokens} ${dtype} vectors of dim ${sdim}`);
      if (dtype === 'i8') sized(f('scales', true)!, `${at}.files.scales`, tokens * 4, `${tokens} float32 scales`);
      else if (files.scales !== undefined) fail(`${at}.files.scales`, 'float16 vectors have no int8 scales', 'inconsistent');
      for (const role of ['codes', 'ivf', 'residuals'])
        if (files[role] !== undefined) fail(`${at}.files.${role}`, 'a flat index stores no PLAID codes', 'inconsistent');
    }
    const known = new Set(['docs', 'text', 'passages', 'codes', 'ivf', 'residuals', 'vectors', 'scales']);
    for (const [role, e] of Object.entries(files)) if (!known.has(role)) file(e, `${at}.files.${role}`);
  });
  if (root.projection !== undefined) {
    if (pcaDim === 0) fail('projection', 'the settings reduce no dimension (pcaDim is 0 or absent)', 'inconsistent');
    sized(file(root.projection, 'projection'), 'projection', projectionFileBytes(dim, pcaDim), `a float32 projection from dim ${dim} to ${pcaDim}`);
  } else if (pcaDim > 0 && (k > 0 || holdsTokens)) {
    fail('projection', `settings.pcaDim is ${pcaDim} and the index holds vectors, but no projection file is named`, 'inconsistent');
  }
  const nextDocBase = int(root.nextDocBase, 'nextDocBase', 0, U32_MAX);
  if (nextDocBase !== docBase) fail('nextDocBase', `${nextDocBase} but the segments hold ${docBase} documents`, 'inconsistent');
  const deleted = int(root.deleted, 'deleted', 0, nextDocBase);
  if (root.tombstones !== undefined) {
    const t = file(root.tombstones, 'tombstones');
    // Sorted unique uint32 document numbers below nextDocBase.
    if (t.bytes % 4 !== 0 || t.bytes / 4 > nextDocBase)
      fail('tombstones.bytes', `${t.bytes} bytes is not a list of at most ${nextDocBase} uint32 document numbers`, 'inconsistent');
  } else if (deleted !== 0) {
    fail('deleted', `${deleted} documents are deleted but no tombstones file is named`, 'inconsistent');
  }
  if (root.drift !== undefined) {
    const d = object(root.drift, 'drift');
    for (const key of ['trainResidual', 'trainTokens', 'addedResidualSum', 'addedTokens']) finite(d[key], `drift.${key}`);
  }
}

/** Reads and validates the manifest of `dir` (format, version, its own checksum and every field). */
export function readManifest(dir: string): Manifest {
  const path = join(dir, MANIFEST_NAME);
  if (!existsSync(path)) {
    throw new TartanError(ErrorCodes.INDEX_NOT_FOUND, `no index at ${dir} (missing ${MANIFEST_NAME}); create one with \`tartan index ${dir} <input...>\``);
  }
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new TartanError(ErrorCodes.INDEX_NOT_FOUND, `cannot read ${path}: ${(e as Error).message}`, { cause: e });
  }
  return parseManifest(text, path);
}

/**
 * The version a manifest is written with: the oldest format that describes it, so an index that
 * reduces the dimension is refused (as newer) by releases that would misread it, and others are not.
 */
export function manifestVersion(m: Pick<Manifest, 'settings'>): number {
  return m.settings.pcaDim ? FORMAT_VERSION : 3;
}

/** The manifest's bytes: JSON with the sha256 trailer. */
export function serializeManifest(m: Manifest): string {
  const { sha256: _old, ...rest } = m as Manifest & { sha256?: string };
  const body = JSON.stringify({ ...rest, version: manifestVersion(m), updatedAt: new Date().toISOString() }, null, 1);
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
  } catch {
    return '';
  }
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
  if (m.projection) names.add(m.projection.name);
  return names;
}

/**
 * True for the names of data files and temporary files an index writer creates
 * (the ones a writer may remove when no manifest names them). Side files of
 * other components in the folder (BM25, dense, their temp files) are not ours.
 */
export function isIndexWriterFile(name: string): boolean {
  return (
    /^(seg-\d+|codebook-g\d+|tombstones-g\d+|projection-g\d+)\./.test(name) ||
    /^\.(manifest\.json|(seg-\d+|codebook-g\d+|tombstones-g\d+|projection-g\d+)\.[a-z0-9]+)\.\d+\.tmp$/.test(name)
  );
}

/** Total bytes of the referenced data files, optionally only those whose role passes `role`. */
export function manifestBytes(m: Manifest, role: (r: string) => boolean = () => true): number {
  let n = 0;
  for (const [r, f] of Object.entries(m.codebook?.files ?? {})) if (role(r)) n += f.bytes;
  if (m.projection && role('projection')) n += m.projection.bytes;
  for (const s of m.segments) for (const [r, f] of Object.entries(s.files)) if (role(r)) n += f.bytes;
  return n;
}
