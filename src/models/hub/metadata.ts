/**
 * What the hub says about one file before we download it: the commit the
 * revision points to, the file's etag (its blob name in the cache), its size
 * and where its bytes live (the LFS redirect target).
 */
import { ErrorCodes, TartanError } from '../../core/errors.js';
import { type HubFileRef, HubUnreachableError, httpStatusError, networkFailure } from './http.js';
import { SAFE_SEGMENT } from './cache.js';

export interface HubFileMetadata {
  /** Full commit sha from `X-Repo-Commit`. */
  commit: string;
  /** `X-Linked-Etag` (LFS: the sha256) else `ETag` (git blob sha1), quotes and `W/` stripped. */
  etag: string;
  /** `X-Linked-Size` else `Content-Length`, when the hub sent one. */
  size?: number;
  /** The URL to GET the bytes from (the redirect target for LFS files). */
  location: string;
}

/** Strips the weak prefix and quotes of an ETag header value. */
export function normalizeEtag(raw: string): string {
  return raw.replace(/^W\//, '').replace(/^"(.*)"$/, '$1');
}

function parseSize(v: string | null): number | undefined {
  if (v === null || !/^\d+$/.test(v)) return undefined;
  return Number(v);
}

const MAX_REDIRECTS = 5;

/**
 * HEADs `ref.url` and reads the hub's headers. Relative redirects (a renamed
 * repository) are followed; an absolute redirect (the LFS storage) is not:
 * the hub puts its headers on the redirect itself, as Python's client expects.
 *
 * Throws HubUnreachableError when the hub cannot be reached, TartanError for HTTP errors.
 */
export async function fetchFileMetadata(ref: HubFileRef, headers: Record<string, string>, timeoutMs: number): Promise<HubFileMetadata> {
  let url = ref.url;
  for (let hop = 0; hop <= MAX_REDIRECTS; hop++) {
    let res: Response;
    try {
      res = await fetch(url, { method: 'HEAD', headers, redirect: 'manual', signal: AbortSignal.timeout(timeoutMs) });
    } catch (e) {
      const reason = networkFailure(e);
      if (reason) throw new HubUnreachableError(url, reason, { cause: e });
      throw e;
    }
    const location = res.headers.get('location');
    if (res.status >= 300 && res.status < 400 && location && !/^[a-z][a-z0-9+.-]*:/i.test(location)) {
      url = new URL(location, url).href;
      continue;
    }
    if (res.status >= 400) throw httpStatusError(res.status, { ...ref, url }, res.headers.get('x-error-code'));
    const commit = res.headers.get('x-repo-commit');
    const rawEtag = res.headers.get('x-linked-etag') ?? res.headers.get('etag');
    if (!commit || !rawEtag) {
      throw new TartanError(
        ErrorCodes.DOWNLOAD_FAILED,
        `The server at ${url} answered without the hub's X-Repo-Commit/ETag headers, so it is not a Hugging Face hub endpoint (or a proxy strips them). Check HF_ENDPOINT, or place the files in a local folder and pass --model <folder>.`,
        { details: { url, status: res.status } },
      );
    }
    const etag = normalizeEtag(rawEtag);
    // Both become names under the cache folder (snapshots/<commit>, blobs/<etag>): a server must not steer them elsewhere.
    if (!SAFE_SEGMENT.test(commit) || !SAFE_SEGMENT.test(etag)) {
      throw new TartanError(
        ErrorCodes.DOWNLOAD_FAILED,
        `The server at ${url} sent a commit or ETag that is not a plain name (${JSON.stringify(commit.slice(0, 80))}, ${JSON.stringify(etag.slice(0, 80))}); it is not a Hugging Face hub. Check HF_ENDPOINT.`,
        { details: { url } },
      );
    }
    return {
      commit,
      etag,
      size: parseSize(res.headers.get('x-linked-size')) ?? parseSize(res.headers.get('content-length')),
      location: location ? new URL(location, url).href : url,
    };
  }
  throw new TartanError(ErrorCodes.DOWNLOAD_FAILED, `Too many redirects while resolving ${ref.url}; check HF_ENDPOINT.`);
}
