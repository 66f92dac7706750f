/**
 * One blob's download into the hub cache: resumable (`Range` on
 * `blobs/<etag>.incomplete`), verified (sha256 for LFS files, size otherwise),
 * atomic (renamed to `blobs/<etag>` only when complete) and safe against a
 * second process fetching the same blob (a lock file).
 */
import { type Hash, createHash } from 'node:crypto';
import { createReadStream, createWriteStream, existsSync } from 'node:fs';
import { mkdir, rename, rm, stat } from 'node:fs/promises';
import { dirname } from 'node:path';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ReadableStream as NodeReadableStream } from 'node:stream/web';
import { ErrorCodes, TartanError } from '../../core/errors.js';
import { type RepoCache, SHA256_HEX } from './cache.js';
import { type HubFileRef, HubUnreachableError, httpStatusError, networkFailure } from './http.js';
import { withFileLock } from './lock.js';
import type { ByteProgressBar, DownloadProgress } from './progress.js';

/** Everything needed to fetch one blob. */
export interface BlobDownload {
  cache: RepoCache;
  /** The file being fetched, for messages. */
  ref: HubFileRef;
  /** Where the bytes are (the LFS redirect target, or the resolve URL). */
  location: string;
  etag: string;
  /** Expected size from the hub's metadata, when known. */
  size?: number;
  headers: Record<string, string>;
  /** Give up on a request that sends no data for this long. */
  stallTimeoutMs: number;
  /** Attempts per call; each retry resumes from the bytes already on disk. Default 4. */
  maxAttempts?: number;
  onProgress?: (p: DownloadProgress) => void;
  bar?: ByteProgressBar;
}

// Failures that mean nothing could be fetched at all (as opposed to a dropped transfer).
const CONNECT_FAILURES = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH']);

function transferError(code: string, message: string): Error {
  return Object.assign(new Error(message), { code });
}

async function sizeOnDisk(path: string): Promise<number> {
  return stat(path).then(
    (s) => s.size,
    () => 0,
  );
}

/** The hex sha256 of a file, streamed. */
export async function sha256File(path: string): Promise<string> {
  const hash = createHash('sha256');
  await pipeline(createReadStream(path, { highWaterMark: 1 << 20 }), hash);
  return hash.digest('hex');
}

/** The outcome of one request: the announced total and, for LFS blobs, the sha256 of the whole file on disk. */
interface Fetched {
  total: number | undefined;
  sha256?: string;
}

/** A sha256 already fed with the first `bytes` bytes of `path` (the part kept from an earlier attempt). */
async function hashOfPrefix(path: string, bytes: number): Promise<Hash> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path, { start: 0, end: bytes - 1, highWaterMark: 1 << 20 })) hash.update(chunk as Buffer);
  return hash;
}

/**
 * Appends (206) or rewrites (200) `part` from one HTTP request, hashing as it
 * writes so LFS blobs need no second read; throws a network-type error when cut short.
 */
async function fetchInto(d: BlobDownload, part: string, expected: number | undefined): Promise<Fetched> {
  const wantHash = SHA256_HEX.test(d.etag);
  let have = await sizeOnDisk(part);
  if (expected !== undefined && have > expected) {
    await rm(part, { force: true });
    have = 0;
  }
  if (expected !== undefined && have === expected && have > 0) return { total: expected };
  // Before the stall timer starts: re-reading a large kept part can take a while.
  const prefixHash = wantHash && have > 0 ? await hashOfPrefix(part, have) : undefined;

  const controller = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  const arm = () => {
    clearTimeout(timer);
    timer = setTimeout(() => controller.abort(transferError('ETIMEDOUT', `no data from ${d.location} for ${d.stallTimeoutMs} ms`)), d.stallTimeoutMs);
  };
  arm();
  try {
    const headers = { ...d.headers, ...(have > 0 ? { range: `bytes=${have}-` } : {}) };
    const res = await fetch(d.location, { headers, redirect: 'follow', signal: controller.signal });
    if (res.status === 416) {
      // Our partial file does not fit what the server has: start over.
      await res.body?.cancel();
      await rm(part, { force: true });
      throw transferError('ECONNRESET', 'range not satisfiable; restarting');
    }
    if (res.status >= 400) {
      await res.body?.cancel();
      throw httpStatusError(res.status, { ...d.ref, url: d.location }, res.headers.get('x-error-code'));
    }
    let flags = 'w';
    let total = expected;
    if (res.status === 206) {
      const m = /^bytes (\d+)-\d+\/(\d+|\*)$/.exec(res.headers.get('content-range') ?? '');
      if (!m || Number(m[1]) !== have) {
        await res.body?.cancel();
        await rm(part, { force: true });
        throw transferError('ECONNRESET', 'server resumed at the wrong offset; restarting');
      }
      flags = 'a';
      if (m[2] !== '*') total ??= Number(m[2]);
    } else if (res.status === 200) {
      have = 0;
      const len = res.headers.get('content-length');
      if (len !== null && /^\d+$/.test(len)) total ??= Number(len);
    } else {
      await res.body?.cancel();
      throw new TartanError(ErrorCodes.DOWNLOAD_FAILED, `Unexpected HTTP ${res.status} while downloading ${d.location}; check HF_ENDPOINT and retry.`);
    }
    if (!res.body) throw transferError('ECONNRESET', 'empty response body');

    let loaded = have;
    const file = d.ref.path;
    const hash = wantHash ? ((flags === 'a' ? prefixHash : undefined) ?? createHash('sha256')) : undefined;
    d.bar?.start(file, total, loaded);
    d.onProgress?.({ file, loaded, total });
    const counter = new Transform({
      transform(chunk: Buffer, _enc, done) {
        arm();
        loaded += chunk.length;
        hash?.update(chunk);
        d.onProgress?.({ file, loaded, total });
        d.bar?.update(loaded, total);
        done(null, chunk);
      },
    });
    await pipeline(Readable.fromWeb(res.body as NodeReadableStream<Uint8Array>), counter, createWriteStream(part, { flags }));
    if (total !== undefined && loaded < total) throw transferError('ECONNRESET', `connection closed after ${loaded} of ${total} bytes`);
    return { total, sha256: hash?.digest('hex') };
  } finally {
    clearTimeout(timer);
    d.bar?.stop();
  }
}

/** Checks the finished partial file; deletes it and throws when it is wrong. */
async function verify(d: BlobDownload, part: string, expected: number | undefined, sha256: string | undefined): Promise<void> {
  const bytes = await sizeOnDisk(part);
  const where = `'${d.ref.path}' of ${d.ref.repo}`;
  if (expected !== undefined && bytes !== expected) {
    await rm(part, { force: true });
    throw new TartanError(
      ErrorCodes.DOWNLOAD_FAILED,
      `Downloaded ${where} has ${bytes} bytes but the hub announced ${expected}; the partial file was deleted. Run the command again.`,
      { details: { repo: d.ref.repo, path: d.ref.path, bytes, expected } },
    );
  }
  if (SHA256_HEX.test(d.etag)) {
    const actual = sha256 ?? (await sha256File(part));
    if (actual !== d.etag) {
      await rm(part, { force: true });
      throw new TartanError(
        ErrorCodes.CHECKSUM_MISMATCH,
        `Downloaded ${where} has sha256 ${actual} but the hub says ${d.etag}; the corrupt file was deleted. Run the command again; if it keeps happening, a proxy or the mirror in HF_ENDPOINT is altering the file.`,
        { details: { repo: d.ref.repo, path: d.ref.path, expected: d.etag, actual } },
      );
    }
  }
}

/**
 * Makes sure `blobs/<etag>` exists, downloading it if needed. Returns true
 * when bytes were fetched, false when the blob was already cached.
 *
 * Throws TartanError (HTTP errors, CHECKSUM_MISMATCH, DOWNLOAD_FAILED) or
 * HubUnreachableError when the server cannot be reached at all.
 */
export async function downloadBlob(d: BlobDownload): Promise<boolean> {
  const blob = d.cache.blobPath(d.etag);
  if (existsSync(blob)) return false;
  await mkdir(dirname(blob), { recursive: true });
  return withFileLock(d.cache.lockPath(d.etag), async () => {
    // Another process may have finished it while we waited for the lock.
    if (existsSync(blob)) return false;
    const part = d.cache.incompletePath(d.etag);
    const maxAttempts = d.maxAttempts ?? 4;
    let expected = d.size;
    let sha256: string | undefined;
    for (let attempt = 1; ; attempt++) {
      try {
        ({ total: expected, sha256 } = await fetchInto(d, part, expected));
        break;
      } catch (e) {
        const reason = networkFailure(e);
        if (reason === undefined) throw e;
        const have = await sizeOnDisk(part);
        if (attempt >= maxAttempts) {
          if (CONNECT_FAILURES.has(reason)) throw new HubUnreachableError(d.location, reason, { cause: e });
          throw new TartanError(
            ErrorCodes.DOWNLOAD_FAILED,
            `Downloading '${d.ref.path}' of ${d.ref.repo} failed ${attempt} times (${reason}); ${have} bytes are kept in ${part}. Run the command again to resume from there.`,
            { cause: e, details: { repo: d.ref.repo, path: d.ref.path, partial: part, bytes: have } },
          );
        }
        await new Promise((r) => setTimeout(r, 200 * attempt));
      }
    }
    await verify(d, part, expected, sha256);
    await rename(part, blob);
    return true;
  });
}
