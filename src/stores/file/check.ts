/**
 * `check`: verifies a file index on disk without writing to it. The manifest's
 * own checksum, then the size and sha256 of every file it names, then the
 * tables against each other and against the manifest's counts: passage tables
 * and document records, codes and inverted lists (rebuilt and compared), doc
 * bases, tombstones and the deleted count, unique live ids. Every problem is
 * reported with a code and the file it concerns; a concurrent writer that
 * replaces the manifest mid-check makes the check start over.
 */
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { ErrorCodes, TartanError, describeValue } from '../../core/errors.js';
import type { ErrorCode } from '../../core/errors.js';
import type { FileEntry, Manifest } from './manifest.js';
import { MANIFEST_NAME, isIndexWriterFile, manifestStamp, readManifest, referencedFiles } from './manifest.js';
import { LOCK_NAME, LOCK_TEMP_PREFIX } from './lock.js';
import { Snapshot } from './snapshot.js';
import { buildInvertedLists } from '../../plaid/inverted-lists.js';
import { SUPPORTED_NBITS } from '../../plaid/residual-codec.js';
import { hashFile, markVerified, readVerified } from './verify.js';

/** One thing wrong with the index. `file` names the file concerned (relative to the index folder). */
export interface CheckProblem {
  code: ErrorCode;
  reason: string;
  file?: string;
  message: string;
}

export interface CheckReport {
  ok: boolean;
  dir: string;
  mode?: 'plaid' | 'flat';
  dim?: number;
  generation?: number;
  segments: number;
  /** Live documents (added minus deleted). */
  documents: number;
  deleted: number;
  passages: number;
  tokens: number;
  /** Files named by the manifest (manifest included) and their bytes. */
  files: number;
  bytes: number;
  problems: CheckProblem[];
  /** Harmless findings: files of an interrupted write, a lock left by a dead writer. */
  warnings: string[];
  seconds: number;
}

class Findings {
  readonly problems: CheckProblem[] = [];
  readonly warnings: string[] = [];
  add(reason: string, file: string | undefined, message: string, code: ErrorCode = ErrorCodes.INDEX_CORRUPT): void {
    this.problems.push({ code, reason, ...(file !== undefined ? { file } : {}), message });
  }
  fromError(e: unknown, fallbackFile?: string): void {
    if (e instanceof TartanError) {
      const d = e.details as { file?: string; reason?: string } | undefined;
      this.add(d?.reason ?? 'format', d?.file ?? fallbackFile, e.message, e.code);
    } else {
      this.add('format', fallbackFile, `unexpected ${(e as Error).name ?? 'error'}: ${(e as Error).message}`);
    }
  }
}

/** Settings and segment bookkeeping of the manifest itself. */
function checkManifest(m: Manifest, f: Findings): void {
  const s = m.settings,
    bad = (msg: string) => f.add('inconsistent', MANIFEST_NAME, msg);
  if (!s || !Number.isInteger(s.dim) || s.dim <= 0) return bad(`settings.dim is ${describeValue(s?.dim)}`);
  if (s.mode !== 'plaid' && s.mode !== 'flat') bad(`settings.mode is ${describeValue(s.mode)}`);
  if (s.mode === 'plaid' && !(SUPPORTED_NBITS as readonly number[]).includes(s.nbits)) bad(`settings.nbits is ${s.nbits}`);
  if (s.mode === 'flat' && s.flatDtype !== 'f16' && s.flatDtype !== 'i8') bad(`settings.flatDtype is ${describeValue(s.flatDtype)}`);
  const roles =
    s.mode === 'plaid'
      ? ['docs', 'text', 'passages', 'codes', 'residuals', 'ivf']
      : ['docs', 'text', 'passages', 'vectors', ...(s.flatDtype === 'i8' ? ['scales'] : [])];
  let docBase = 0;
  const ids = new Set<number>();
  for (const seg of m.segments) {
    if (seg.docBase !== docBase) bad(`segment ${seg.id} starts at document ${seg.docBase}, expected ${docBase} (segments must tile the document numbers)`);
    docBase = seg.docBase + seg.documents;
    if (ids.has(seg.id) || seg.id >= m.nextSegmentId) bad(`segment id ${seg.id} is repeated or not below nextSegmentId ${m.nextSegmentId}`);
    ids.add(seg.id);
    for (const r of roles) if (!seg.files?.[r]) bad(`segment ${seg.id} has no ${r} file`);
    if (seg.passages < seg.documents) bad(`segment ${seg.id} has ${seg.passages} passages for ${seg.documents} documents (every document has one at least)`);
  }
  if (docBase !== m.nextDocBase) bad(`segments hold ${docBase} documents but nextDocBase is ${m.nextDocBase}`);
  if (s.mode === 'plaid' && m.segments.some((g) => g.tokens > 0) && !m.codebook) bad('plaid segments hold tokens but no codebook is named');
  if (m.codebook && (!m.codebook.files?.centroids || !m.codebook.files?.codec)) bad('the codebook lacks its centroids or codec file');
  if (!m.tombstones && m.deleted !== 0) bad(`deleted is ${m.deleted} but no tombstones file is named`);
  if (s.pcaDim && m.segments.some((g) => g.tokens > 0) && !m.projection)
    bad(`settings.pcaDim is ${s.pcaDim} and segments hold tokens, but no projection file is named`);
}

/** Every file the manifest names: present, of the recorded size and sha256. */
function checkFiles(dir: string, m: Manifest, f: Findings): { files: number; bytes: number } {
  const entries: FileEntry[] = [
    ...Object.values(m.codebook?.files ?? {}),
    ...m.segments.flatMap((s) => Object.values(s.files ?? {})),
    ...(m.tombstones ? [m.tombstones] : []),
    ...(m.projection ? [m.projection] : []),
  ];
  let bytes = 0;
  for (const e of entries) {
    if (typeof e?.name !== 'string' || !/^[A-Za-z0-9._-]+$/.test(e.name) || e.name.startsWith('..')) {
      f.add('inconsistent', MANIFEST_NAME, `names a file outside the index folder: ${describeValue(e?.name)}`);
      continue;
    }
    const path = join(dir, e.name);
    let size: number;
    try {
      size = statSync(path).size;
    } catch {
      f.add('missing', e.name, `${e.name} is named by the manifest but missing`);
      continue;
    }
    if (size !== e.bytes) {
      f.add('size', e.name, `${e.name} has ${size} bytes, the manifest says ${e.bytes} (truncated or overwritten)`);
      continue;
    }
    if (hashFile(path).sha256 !== e.sha256) f.add('checksum', e.name, `${e.name} does not match its sha256 in the manifest (damaged)`);
    else markVerified(path, e.sha256); // the table checks below load it without hashing again
    bytes += size;
  }
  return { files: entries.length + 1, bytes: bytes + statSync(join(dir, MANIFEST_NAME)).size };
}

/** The loaded tables against each other (only run when every file matched its checksum). */
function checkTables(dir: string, m: Manifest, snap: Snapshot, f: Findings): void {
  if (m.tombstones) {
    const t = new Uint32Array(readVerified(dir, m.tombstones).slice().buffer);
    for (let i = 1; i < t.length; i++)
      if (t[i] <= t[i - 1]) {
        f.add('inconsistent', m.tombstones.name, `tombstones are not sorted and unique at entry ${i}`);
        break;
      }
    if (t.length !== m.deleted) f.add('inconsistent', m.tombstones.name, `holds ${t.length} tombstones, the manifest counts ${m.deleted} deleted`);
  }
  const cb = snap.codebook;
  if (cb && !cb.centroids.every(Number.isFinite)) f.add('format', m.codebook!.files.centroids.name, 'holds non-finite centroid values');
  if (cb && !(cb.codec.cutoffs.every(Number.isFinite) && cb.codec.weights.every(Number.isFinite)))
    f.add('format', m.codebook!.files.codec.name, 'holds non-finite bucket values');
  const live = new Map<string, string>();
  for (const seg of snap.segments) {
    const files = seg.entry.files;
    // Passages of a document are contiguous and every document has at least one.
    let expect = 0;
    for (let p = 0; p < seg.passageDoc.length; p++) {
      const d = seg.passageDoc[p];
      if (d === expect) expect++;
      else if (d !== expect - 1) {
        f.add('inconsistent', files.passages.name, `passage ${p} belongs to document ${d}, expected ${expect - 1} or ${expect}`);
        break;
      }
    }
    if (expect !== seg.entry.documents && seg.passageDoc.length > 0)
      f.add('inconsistent', files.passages.name, `covers ${expect} of ${seg.entry.documents} documents`);
    seg.docs.ids.forEach((id, i) => {
      if (typeof id !== 'string' || id.length === 0) f.add('format', files.docs.name, `document ${i} has no id`);
      if (snap.deleted[seg.entry.docBase + i]) return;
      const other = live.get(id);
      if (other !== undefined) f.add('inconsistent', files.docs.name, `live id "${id}" is also live in ${other}`);
      live.set(id, files.docs.name);
    });
    if (seg.codes && cb) {
      const k = cb.k;
      const bad = seg.codes.findIndex((c) => c >= k);
      if (bad >= 0) {
        f.add('inconsistent', files.codes.name, `token ${bad} has code ${seg.codes[bad]}, but there are ${k} centroids`);
        continue;
      }
      const rebuilt = buildInvertedLists(seg.codes, seg.tokenOffsets, seg.passageDoc.length, k);
      if (!Buffer.from(rebuilt).equals(readVerified(dir, files.ivf)))
        f.add('inconsistent', files.ivf.name, 'inverted lists disagree with the codes of the segment');
    }
    if (seg.scales && !seg.scales.every((v) => Number.isFinite(v) && v >= 0)) f.add('format', files.scales.name, 'holds invalid int8 scales');
  }
}

/** Files the manifest does not name that a crashed write leaves (the next writer removes them), and a dead writer's lock. */
function leftovers(dir: string, m: Manifest, f: Findings): void {
  const keep = referencedFiles(m);
  const orphans = readdirSync(dir).filter((n) => !keep.has(n) && (isIndexWriterFile(n) || n.startsWith(LOCK_TEMP_PREFIX)));
  if (orphans.length)
    f.warnings.push(
      `${orphans.length} file(s) not named by the manifest (left by an interrupted or superseded write; the next write removes them): ${orphans.slice(0, 5).join(', ')}${orphans.length > 5 ? ', ...' : ''}`,
    );
  if (existsSync(join(dir, LOCK_NAME))) f.warnings.push(`${LOCK_NAME} is present: a writer is active, or one died and the next writer takes the lock over`);
}

function runOnce(dir: string, started: number): { report: CheckReport; stamp: string } {
  const stamp = manifestStamp(dir);
  const f = new Findings();
  const report: CheckReport = {
    ok: false,
    dir,
    segments: 0,
    documents: 0,
    deleted: 0,
    passages: 0,
    tokens: 0,
    files: 1,
    bytes: 0,
    problems: f.problems,
    warnings: f.warnings,
    seconds: 0,
  };
  const finish = () => {
    report.ok = f.problems.length === 0;
    report.seconds = (performance.now() - started) / 1000;
    return { report, stamp };
  };
  let m: Manifest;
  try {
    m = readManifest(dir);
  } catch (e) {
    if (e instanceof TartanError && e.code === ErrorCodes.INDEX_NOT_FOUND) throw e;
    f.fromError(e, MANIFEST_NAME);
    return finish();
  }
  Object.assign(report, {
    mode: m.settings?.mode,
    dim: m.settings?.dim,
    generation: m.generation,
    segments: m.segments.length,
    deleted: m.deleted,
    documents: m.segments.reduce((n, s) => n + s.documents, 0) - m.deleted,
    passages: m.segments.reduce((n, s) => n + s.passages, 0),
    tokens: m.segments.reduce((n, s) => n + s.tokens, 0),
  });
  checkManifest(m, f);
  if (f.problems.length) return finish();
  Object.assign(report, checkFiles(dir, m, f));
  leftovers(dir, m, f);
  if (f.problems.length) return finish();
  let snap: Snapshot | undefined;
  try {
    snap = new Snapshot(dir, m, undefined, stamp);
    checkTables(dir, m, snap, f);
  } catch (e) {
    f.fromError(e);
  } finally {
    snap?.retire();
  }
  return finish();
}

/**
 * Checks the index at `dir` and returns a report (`ok` false with coded problems when damaged).
 * Throws INDEX_NOT_FOUND when there is no index there.
 * @example const r = await checkIndex('./idx'); if (!r.ok) console.log(r.problems);
 */
export async function checkIndex(dir: string): Promise<CheckReport> {
  const started = performance.now();
  for (let attempt = 0; ; attempt++) {
    const { report, stamp } = runOnce(dir, started);
    // A writer replaced the manifest mid-check (and may have removed files of the old one): check the new one.
    if (!report.ok && attempt < 3 && manifestStamp(dir) !== stamp) continue;
    return report;
  }
}
