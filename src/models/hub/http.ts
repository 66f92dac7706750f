/**
 * HTTP details shared by the hub metadata request and the file download:
 * request headers, telling "the hub is unreachable" apart from HTTP errors,
 * and turning HTTP statuses into TartanErrors that say what to do.
 */
import { ErrorCodes, TartanError } from '../../core/errors.js';
import { version } from '../../core/version.js';

/** Where one file of a repository is being fetched from. */
export interface HubFileRef {
  repo: string;
  path: string;
  revision: string;
  url: string;
}

/** Thrown (internally) when the hub cannot be reached at all; hub.ts turns it into OFFLINE. */
export class HubUnreachableError extends Error {
  /** The commit being fetched when the hub went away, when known. */
  commit?: string;

  constructor(
    readonly url: string,
    readonly reason: string,
    options?: { cause?: unknown },
  ) {
    super(`cannot reach ${url}: ${reason}`, options);
    this.name = 'HubUnreachableError';
  }
}

const UNREACHABLE_CODES = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ECONNRESET',
  'EPIPE',
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
  'UND_ERR_SOCKET',
  'UND_ERR_CLOSED',
]);

function errorCode(e: unknown): string | undefined {
  for (let cur: unknown = e, depth = 0; cur && depth < 5; depth++) {
    const c = cur as { code?: unknown; name?: unknown; cause?: unknown; errors?: unknown[] };
    if (typeof c.code === 'string') return c.code;
    if (c.name === 'TimeoutError' || c.name === 'AbortError') return 'ETIMEDOUT';
    // Happy-eyeballs connects report an AggregateError of per-address failures.
    if (Array.isArray(c.errors) && c.errors.length > 0) return errorCode(c.errors[0]);
    cur = c.cause;
  }
  return undefined;
}

/**
 * The reason text when `e` (from fetch or a body read) means the network or
 * server could not be reached or dropped us; undefined for anything else.
 */
export function networkFailure(e: unknown): string | undefined {
  if (e instanceof TartanError) return undefined;
  const code = errorCode(e);
  if (code && UNREACHABLE_CODES.has(code)) return code;
  // undici reports "fetch failed" / "terminated" TypeErrors for socket-level failures.
  if (e instanceof TypeError && /fetch failed|terminated|other side closed/i.test(e.message)) return code ?? e.message;
  return undefined;
}

/** Headers sent with every hub request. The token only goes to the hub's own origin. */
export function hubHeaders(token: string | undefined, url: string, endpoint: string): Record<string, string> {
  const h: Record<string, string> = {
    'user-agent': `tartan/${version}; node/${process.versions.node}`,
    // Compressed responses would change the ETag and the length we check against.
    'accept-encoding': 'identity',
  };
  if (token && new URL(url).origin === new URL(endpoint).origin) h.authorization = `Bearer ${token}`;
  return h;
}

/** The TartanError for an HTTP error status while fetching `ref`. */
export function httpStatusError(status: number, ref: HubFileRef, errorCodeHeader: string | null): TartanError {
  const where = `'${ref.path}' of ${ref.repo} at revision '${ref.revision}'`;
  const details = { repo: ref.repo, path: ref.path, revision: ref.revision, status, url: ref.url };
  if (status === 401 || status === 403) {
    const notFound = errorCodeHeader === 'RepoNotFound' ? ` The hub says the repository does not exist or is private.` : '';
    return new TartanError(
      ErrorCodes.AUTH_REQUIRED,
      `The hub refused ${where} (HTTP ${status}).${notFound} If the repository is private or gated, accept its terms on the hub and set HF_TOKEN to an access token with read permission (or log in once with 'hf auth login', whose token file is read too); otherwise check the repository id.`,
      { details },
    );
  }
  if (status === 404) {
    const what =
      errorCodeHeader === 'RevisionNotFound'
        ? `revision '${ref.revision}' does not exist in ${ref.repo}; check --revision`
        : `file '${ref.path}' does not exist in ${ref.repo} at revision '${ref.revision}'; check the file list or the revision`;
    return new TartanError(ErrorCodes.MODEL_FILES_MISSING, `Cannot download: ${what} (HTTP 404 from ${ref.url}).`, { details });
  }
  return new TartanError(
    ErrorCodes.DOWNLOAD_FAILED,
    `Downloading ${where} failed with HTTP ${status} from ${ref.url}. Retry later; a partial download resumes where it stopped.`,
    { details },
  );
}
