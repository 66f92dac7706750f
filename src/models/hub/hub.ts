/**
 * Fetching model files from the Hugging Face hub into the cache shared with
 * Python's huggingface_hub (see hub-cache.ts for the layout).
 *
 * @example
 * ```ts
 * const dir = await ensureModelFiles(getModelSpec('colbert-ir/colbertv2.0'));
 * // dir = ~/.cache/huggingface/hub/models--colbert-ir--colbertv2.0/snapshots/<commit>
 * ```
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ErrorCodes, TartanError } from '../../core/errors.js';
import { RepoCache, assertRepoPath, assertRevision, defaultHubCacheDir, hfHomeDir } from './cache.js';
import { downloadBlob } from './download.js';
import { type HubFileRef, HubUnreachableError, hubHeaders } from './http.js';
import { type HubFileMetadata, fetchFileMetadata } from './metadata.js';
import { ByteProgressBar, type DownloadProgress, wantsProgressBar } from './progress.js';
import type { ModelSpec } from '../registry-types.js';

export type { DownloadProgress } from './progress.js';

/** Options for hub downloads; every field has an environment-variable default as in Python. */
export interface HubOptions {
  /** Branch, tag or full commit sha. Default 'main'. */
  revision?: string;
  /** Cache folder. Default `$HF_HUB_CACHE`, else `$HF_HOME/hub`, else `~/.cache/huggingface/hub`. */
  cacheDir?: string;
  /** Hub URL. Default `$HF_ENDPOINT`, else https://huggingface.co. */
  endpoint?: string;
  /** Access token sent as `Authorization: Bearer`. Default `$HF_TOKEN`, else the token file Python's `hf auth login` writes. */
  token?: string;
  /** Never touch the network. Default true when `$HF_HUB_OFFLINE` is 1/true/yes/on. */
  offline?: boolean;
  /** Ask the hub for the revision's current commit even when a cached snapshot exists (falls back to it when unreachable). */
  refresh?: boolean;
  /** Seconds to wait for the hub's answer about a file. Default `$HF_HUB_ETAG_TIMEOUT` or 10. */
  timeoutSeconds?: number;
  /** Seconds a download may go without receiving bytes. Default `$HF_HUB_DOWNLOAD_TIMEOUT` or 10. */
  downloadTimeoutSeconds?: number;
  /** Called as bytes arrive, whether or not a bar is drawn. */
  onProgress?: (p: DownloadProgress) => void;
  /** Show download progress on stderr (a bar on a terminal, a line every few seconds elsewhere). Default true. */
  progressBar?: boolean;
}

const TRUE_VALUES = new Set(['1', 'true', 'yes', 'on']);

function envFlag(v: string | undefined): boolean {
  return v !== undefined && TRUE_VALUES.has(v.trim().toLowerCase());
}

function defaultToken(env: NodeJS.ProcessEnv): string | undefined {
  const fromEnv = env.HF_TOKEN || env.HUGGING_FACE_HUB_TOKEN;
  if (fromEnv) return fromEnv.trim();
  const file = env.HF_TOKEN_PATH || join(hfHomeDir(env), 'token');
  if (!existsSync(file)) return undefined;
  const t = readFileSync(file, 'utf8').trim();
  return t.length > 0 ? t : undefined;
}

interface Resolved {
  revision: string;
  cacheDir: string;
  endpoint: string;
  token?: string;
  offline: boolean;
  refresh: boolean;
  timeoutMs: number;
  stallTimeoutMs: number;
  onProgress?: (p: DownloadProgress) => void;
  progressBar: boolean;
}

function resolveOptions(opts: HubOptions, env: NodeJS.ProcessEnv = process.env): Resolved {
  const timeoutSeconds = opts.timeoutSeconds ?? (Number(env.HF_HUB_ETAG_TIMEOUT) || 10);
  return {
    revision: opts.revision ?? 'main',
    cacheDir: opts.cacheDir ?? defaultHubCacheDir(env),
    endpoint: (opts.endpoint ?? env.HF_ENDPOINT ?? 'https://huggingface.co').replace(/\/+$/, ''),
    token: opts.token ?? defaultToken(env),
    offline: opts.offline ?? envFlag(env.HF_HUB_OFFLINE),
    refresh: opts.refresh ?? false,
    timeoutMs: timeoutSeconds * 1000,
    stallTimeoutMs: (opts.downloadTimeoutSeconds ?? (Number(env.HF_HUB_DOWNLOAD_TIMEOUT) || 10)) * 1000,
    onProgress: opts.onProgress,
    progressBar: wantsProgressBar(opts.progressBar),
  };
}

/** `{endpoint}/{repo}/resolve/{revision}/{path}` with the revision and path segments escaped. */
export function hubFileUrl(endpoint: string, repo: string, revision: string, path: string): string {
  const file = path.split('/').map(encodeURIComponent).join('/');
  return `${endpoint.replace(/\/+$/, '')}/${repo}/resolve/${encodeURIComponent(revision)}/${file}`;
}

// Folder name suggested for hand-placed files when no commit is known yet.
const MANUAL_SNAPSHOT = 'local';

function offlineError(cache: RepoCache, o: Resolved, commit: string | undefined, missing: string[], reason: string, cause?: unknown): TartanError {
  const folder = cache.snapshotDir(commit ?? MANUAL_SNAPSHOT);
  const refFile = cache.refPath(o.revision);
  const refStep = commit !== undefined && cache.readRef(o.revision) === commit ? '' : ` and write the word '${commit ?? MANUAL_SNAPSHOT}' into ${refFile}`;
  return new TartanError(
    ErrorCodes.OFFLINE,
    `Cannot download ${cache.repo} (revision '${o.revision}'): ${reason}. ` +
      `Missing from the cache: ${missing.join(', ')}. ` +
      `Copy these files into ${folder}${refStep}, or run once ${o.offline ? 'with HF_HUB_OFFLINE unset ' : ''}where ${o.endpoint} is reachable, ` +
      `or pass --model <local folder> pointing at a folder that holds them.`,
    { cause, details: { repo: cache.repo, revision: o.revision, missing, folder, ...(refStep ? { refFile } : {}) } },
  );
}

function assertFiles(files: readonly string[]): void {
  if (files.length === 0) throw new TartanError(ErrorCodes.INVALID_ARGUMENT, 'No files to download: give at least one repository file path.');
  files.forEach(assertRepoPath);
}

/** Returns the cached snapshot folder holding every file, without touching the network, or undefined. */
function cachedSnapshot(cache: RepoCache, revision: string, files: readonly string[]): string | undefined {
  const commit = cache.readRef(revision);
  if (commit === undefined || cache.missingFiles(commit, files).length > 0) return undefined;
  return cache.snapshotDir(commit);
}

/** Resolves every file at one commit and fills the snapshot; returns its folder. */
async function fetchSnapshot(cache: RepoCache, files: readonly string[], o: Resolved): Promise<string> {
  const bar = o.progressBar ? await ByteProgressBar.open() : undefined;
  const ref = (path: string, revision: string): HubFileRef => ({ repo: cache.repo, path, revision, url: hubFileUrl(o.endpoint, cache.repo, revision, path) });
  const first = ref(files[0], o.revision);
  const firstMeta = await fetchFileMetadata(first, hubHeaders(o.token, first.url, o.endpoint), o.timeoutMs);
  // Every other file is resolved at that exact commit, so a push in between cannot mix two versions.
  const commit = firstMeta.commit;
  try {
    await fillSnapshot(cache, files, o, commit, first, firstMeta, bar);
  } catch (e) {
    if (e instanceof HubUnreachableError) e.commit = commit;
    throw e;
  }
  // Last, so a reader that trusts refs/<revision> finds a complete snapshot.
  await cache.writeRef(o.revision, commit);
  return cache.snapshotDir(commit);
}

async function fillSnapshot(
  cache: RepoCache,
  files: readonly string[],
  o: Resolved,
  commit: string,
  first: HubFileRef,
  firstMeta: HubFileMetadata,
  bar: ByteProgressBar | undefined,
): Promise<void> {
  const ref = (path: string): HubFileRef => ({ repo: cache.repo, path, revision: commit, url: hubFileUrl(o.endpoint, cache.repo, commit, path) });
  for (const path of files) {
    if (cache.missingFiles(commit, [path]).length === 0) continue;
    const fileRef = path === files[0] ? first : ref(path);
    const meta = path === files[0] ? firstMeta : await fetchFileMetadata(fileRef, hubHeaders(o.token, fileRef.url, o.endpoint), o.timeoutMs);
    await downloadBlob({
      cache,
      ref: fileRef,
      location: meta.location,
      etag: meta.etag,
      size: meta.size,
      headers: hubHeaders(o.token, meta.location, o.endpoint),
      stallTimeoutMs: o.stallTimeoutMs,
      onProgress: o.onProgress,
      bar,
    });
    await cache.linkSnapshotFile(commit, path, meta.etag);
  }
}

/**
 * Makes sure `files` of the hub repository `repo` are in the local cache and
 * returns the snapshot folder holding them (`.../snapshots/<commit>`).
 *
 * No request is made when `refs/<revision>` points at a snapshot that already
 * holds every file (unless `refresh`). Offline (`HF_HUB_OFFLINE=1`) or with the
 * hub unreachable, missing files raise OFFLINE naming them and the folder to
 * copy them into.
 *
 * @example
 * ```ts
 * const dir = await downloadRepoFiles('BAAI/bge-small-en-v1.5', ['onnx/model.onnx', 'tokenizer.json']);
 * ```
 */
export async function downloadRepoFiles(repo: string, files: string[], opts: HubOptions = {}): Promise<string> {
  const o = resolveOptions(opts);
  const cache = new RepoCache(o.cacheDir, repo);
  assertRevision(o.revision);
  assertFiles(files);
  const unique = [...new Set(files)];
  const cached = cachedSnapshot(cache, o.revision, unique);
  if (cached !== undefined && (!o.refresh || o.offline)) return cached;

  const knownCommit = cache.readRef(o.revision);
  const missingNow = knownCommit === undefined ? unique : cache.missingFiles(knownCommit, unique);
  if (o.offline) throw offlineError(cache, o, knownCommit, missingNow, 'offline mode is on (HF_HUB_OFFLINE=1)');
  try {
    return await fetchSnapshot(cache, unique, o);
  } catch (e) {
    if (!(e instanceof HubUnreachableError)) throw e;
    if (cached !== undefined) return cached;
    const commit = e.commit ?? cache.readRef(o.revision);
    const missing = commit === undefined ? unique : cache.missingFiles(commit, unique);
    throw offlineError(cache, o, commit, missing, `the hub at ${o.endpoint} is unreachable (${e.reason})`, e);
  }
}

/**
 * Makes sure every file of a registry model is cached; returns the snapshot
 * folder holding `spec.files`.
 */
export async function ensureModelFiles(spec: ModelSpec, opts: HubOptions = {}): Promise<string> {
  return downloadRepoFiles(spec.id, spec.files, opts);
}
