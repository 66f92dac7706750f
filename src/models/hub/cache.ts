/**
 * The on-disk layout of the Hugging Face hub cache, identical to Python's
 * huggingface_hub so that files fetched by either side are reused by the other:
 *
 * ```text
 * <cache>/models--{org}--{name}/
 *   blobs/<etag>                      the file contents (etag = sha256 for LFS files, git sha1 otherwise)
 *   blobs/<etag>.incomplete           a download in progress (resumable)
 *   snapshots/<commit>/<path>         relative symlink to ../../blobs/<etag>
 *   refs/<revision>                   the commit sha the revision pointed to
 * <cache>/.locks/models--{org}--{name}/<etag>.tartan.lock
 * ```
 */
import { existsSync, readFileSync } from 'node:fs';
import { copyFile, lstat, mkdir, readlink, rename, rm, symlink, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { ErrorCodes, TartanError } from '../../core/errors.js';

/** A full 40-hex git commit sha. */
export const COMMIT_SHA = /^[0-9a-f]{40}$/;
/** A 64-hex sha256 (the etag of LFS files). */
export const SHA256_HEX = /^[0-9a-f]{64}$/;

const REPO_ID = /^(?:[\w.-]+\/)?[\w.-]{1,96}$/;
/** One safe folder or file name: what a commit sha, a hand-written ref ('local') or an etag may be. */
export const SAFE_SEGMENT = /^(?!\.{1,2}$)[\w.-]{1,128}$/;

function expandHome(p: string): string {
  return p === '~' || p.startsWith('~/') ? join(homedir(), p.slice(1)) : p;
}

/**
 * The hub cache folder, resolved like Python's huggingface_hub:
 * `$HF_HUB_CACHE`, else `$HF_HOME/hub`, else `$XDG_CACHE_HOME/huggingface/hub`,
 * else `~/.cache/huggingface/hub`.
 */
export function defaultHubCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  const explicit = env.HF_HUB_CACHE || env.HUGGINGFACE_HUB_CACHE;
  if (explicit) return resolve(expandHome(explicit));
  return join(hfHomeDir(env), 'hub');
}

/** `$HF_HOME`, else `$XDG_CACHE_HOME/huggingface`, else `~/.cache/huggingface`. */
export function hfHomeDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.HF_HOME) return resolve(expandHome(env.HF_HOME));
  const xdg = env.XDG_CACHE_HOME ? expandHome(env.XDG_CACHE_HOME) : join(homedir(), '.cache');
  return resolve(xdg, 'huggingface');
}

/** Checks a repository id (`org/name` or `name`); throws INVALID_ARGUMENT otherwise. */
export function assertRepoId(repo: string): void {
  if (!REPO_ID.test(repo) || repo.includes('--') || repo.includes('..')) {
    throw new TartanError(
      ErrorCodes.INVALID_ARGUMENT,
      `'${repo}' is not a Hugging Face repository id; use the form 'org/name' (letters, digits, '-', '_', '.'), e.g. 'colbert-ir/colbertv2.0'.`,
    );
  }
}

/** Checks a path inside a repository: relative, '/'-separated, no '..' or empty segments. */
export function assertRepoPath(path: string): void {
  const parts = path.split('/');
  if (path.length === 0 || path.startsWith('/') || path.includes('\\') || parts.some((s) => s === '' || s === '.' || s === '..')) {
    throw new TartanError(
      ErrorCodes.INVALID_ARGUMENT,
      `'${path}' is not a file path inside a repository; give a relative path with '/' separators, e.g. 'onnx/model.onnx'.`,
    );
  }
}

/** Checks a revision (branch, tag or commit): no '..' or empty segments, since it names a file under refs/. */
export function assertRevision(revision: string): void {
  const parts = revision.split('/');
  if (revision.length === 0 || parts.some((s) => s === '' || s === '.' || s === '..') || revision.includes('\\')) {
    throw new TartanError(ErrorCodes.INVALID_ARGUMENT, `'${revision}' is not a revision; give a branch, tag or commit sha, e.g. 'main'.`);
  }
}

/** Python's folder name for a model repository: `models--{org}--{name}`. */
export function repoFolderName(repo: string): string {
  return ['models', ...repo.split('/')].join('--');
}

/**
 * One repository's folder in the hub cache. Paths only; the methods that
 * write keep Python's invariants (relative symlinks, refs written last).
 */
export class RepoCache {
  /** `<cache>/models--{org}--{name}` */
  readonly root: string;

  constructor(
    readonly cacheDir: string,
    readonly repo: string,
  ) {
    assertRepoId(repo);
    this.root = join(cacheDir, repoFolderName(repo));
  }

  blobPath(etag: string): string {
    return join(this.root, 'blobs', etag);
  }

  incompletePath(etag: string): string {
    return `${this.blobPath(etag)}.incomplete`;
  }

  /** Our own lock (Python's filelock leaves `<etag>.lock` behind, so we cannot share that name). */
  lockPath(etag: string): string {
    return join(this.cacheDir, '.locks', repoFolderName(this.repo), `${etag}.tartan.lock`);
  }

  snapshotDir(commit: string): string {
    return join(this.root, 'snapshots', commit);
  }

  snapshotFile(commit: string, path: string): string {
    return join(this.snapshotDir(commit), ...path.split('/'));
  }

  refPath(revision: string): string {
    return join(this.root, 'refs', ...revision.split('/'));
  }

  /** The commit a revision resolved to last time, or undefined when never resolved here. */
  readRef(revision: string): string | undefined {
    if (COMMIT_SHA.test(revision)) return revision;
    const p = this.refPath(revision);
    if (!existsSync(p)) return undefined;
    const commit = readFileSync(p, 'utf8').trim();
    // The ref names a folder under snapshots/: "../x" or "/etc" must not lead out of the cache.
    if (!SAFE_SEGMENT.test(commit)) return undefined;
    return commit;
  }

  /** Records `revision -> commit`; a no-op when the revision is the commit itself (as in Python). */
  async writeRef(revision: string, commit: string): Promise<void> {
    if (revision === commit) return;
    if (this.readRef(revision) === commit) return;
    const p = this.refPath(revision);
    await mkdir(dirname(p), { recursive: true });
    // Write-then-rename so a reader never sees a half-written sha.
    const tmp = `${p}.${process.pid}.${Date.now()}.tmp`;
    await writeFile(tmp, commit);
    await rename(tmp, p);
  }

  /** Files of `paths` not present (or dangling) in the snapshot of `commit`. */
  missingFiles(commit: string, paths: readonly string[]): string[] {
    return paths.filter((p) => !existsSync(this.snapshotFile(commit, p)));
  }

  /**
   * Points `snapshots/<commit>/<path>` at `blobs/<etag>` with a relative
   * symlink (`../../blobs/<etag>` for a top-level file), replacing whatever was
   * there. Falls back to a copy where symlinks are not allowed.
   */
  async linkSnapshotFile(commit: string, path: string, etag: string): Promise<string> {
    const dst = this.snapshotFile(commit, path);
    const blob = this.blobPath(etag);
    const target = relative(dirname(dst), blob);
    await mkdir(dirname(dst), { recursive: true });
    const current = await lstat(dst).catch(() => undefined);
    if (current?.isSymbolicLink() && (await readlink(dst)) === target) return dst;
    // Build the link beside its final name and rename over it: concurrent writers never see a missing file.
    const tmp = `${dst}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`;
    try {
      await symlink(target, tmp);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EPERM') throw e;
      await copyFile(blob, tmp);
    }
    try {
      await rename(tmp, dst);
    } catch (e) {
      await rm(tmp, { force: true });
      throw e;
    }
    return dst;
  }
}
