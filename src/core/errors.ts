/**
 * The one catalogue of error codes. Every error tartan throws on purpose is a
 * {@link TartanError} carrying one of these codes; codes are stable across
 * releases so scripts and HTTP clients can branch on them.
 *
 * Add new codes to the section of the stage that raises them. Never reuse or
 * renumber a code.
 */
export const ErrorCodes = {
  // input validation (any stage)
  INVALID_ARGUMENT: 'E_INVALID_ARGUMENT',
  EMPTY_TEXT: 'E_EMPTY_TEXT',
  NOT_A_STRING: 'E_NOT_A_STRING',
  TEXT_TOO_LONG: 'E_TEXT_TOO_LONG',
  NON_FINITE_VALUE: 'E_NON_FINITE_VALUE',
  DIMENSION_MISMATCH: 'E_DIMENSION_MISMATCH',

  // models: registry, files, hub, runtime
  UNKNOWN_MODEL: 'E_UNKNOWN_MODEL',
  UNSUPPORTED_MODEL: 'E_UNSUPPORTED_MODEL',
  MODEL_FILES_MISSING: 'E_MODEL_FILES_MISSING',
  MODEL_LAYOUT_UNKNOWN: 'E_MODEL_LAYOUT_UNKNOWN',
  MODEL_CORRUPT: 'E_MODEL_CORRUPT',
  MODEL_RUNTIME: 'E_MODEL_RUNTIME',
  OFFLINE: 'E_OFFLINE',
  DOWNLOAD_FAILED: 'E_DOWNLOAD_FAILED',
  AUTH_REQUIRED: 'E_AUTH_REQUIRED',
  CHECKSUM_MISMATCH: 'E_CHECKSUM_MISMATCH',
  TOKENIZER: 'E_TOKENIZER',

  // scoring
  NATIVE_UNAVAILABLE: 'E_NATIVE_UNAVAILABLE',

  // index and stores
  INDEX_NOT_FOUND: 'E_INDEX_NOT_FOUND',
  INDEX_EXISTS: 'E_INDEX_EXISTS',
  INDEX_CORRUPT: 'E_INDEX_CORRUPT',
  INDEX_LOCKED: 'E_INDEX_LOCKED',
  INDEX_VERSION: 'E_INDEX_VERSION',
  DOCUMENT_NOT_FOUND: 'E_DOCUMENT_NOT_FOUND',
  DUPLICATE_ID: 'E_DUPLICATE_ID',
  INVALID_FILTER: 'E_INVALID_FILTER',
  INPUT_FORMAT: 'E_INPUT_FORMAT',
  /** An input file or folder named by the user does not exist. */
  FILE_NOT_FOUND: 'E_FILE_NOT_FOUND',

  // lexical, retrieval, eval
  UNKNOWN_PIPELINE: 'E_UNKNOWN_PIPELINE',
  DATASET_FORMAT: 'E_DATASET_FORMAT',

  // postgres
  DB_UNREACHABLE: 'E_DB_UNREACHABLE',
  DB_EXTENSION_MISSING: 'E_DB_EXTENSION_MISSING',
  DB_SCHEMA: 'E_DB_SCHEMA',
  /** A shard (a postgres_fdw foreign server holding part of a collection) cannot be reached; the search fails rather than return partial results. */
  DB_SHARD_UNAVAILABLE: 'E_DB_SHARD_UNAVAILABLE',

  // server
  UNAUTHORIZED: 'E_UNAUTHORIZED',
  PAYLOAD_TOO_LARGE: 'E_PAYLOAD_TOO_LARGE',
  TIMEOUT: 'E_TIMEOUT',
  ROUTE_NOT_FOUND: 'E_ROUTE_NOT_FOUND',

  // anything unforeseen
  INTERNAL: 'E_INTERNAL',

  /** A model was named for an index built with another one (an index holds one model's vectors). */
  MODEL_MISMATCH: 'E_MODEL_MISMATCH',
  /** A long-running command was stopped (Ctrl-C, SIGTERM) before it finished. */
  INTERRUPTED: 'E_INTERRUPTED',
  /** Two inputs that describe the same documents disagree on how many there are (vectors and a JSONL, lengths and rows). */
  COUNT_MISMATCH: 'E_COUNT_MISMATCH',
  /** An optional peer dependency a command or integration builds on (e.g. the MCP SDK for `tartan mcp`) is not installed. */
  DEPENDENCY_MISSING: 'E_DEPENDENCY_MISSING',
} as const;

export type ErrorCode = (typeof ErrorCodes)[keyof typeof ErrorCodes];

/**
 * An error with a stable {@link ErrorCode}. The message says what was wrong
 * and what to do about it.
 *
 * @example
 * ```ts
 * try { await model.queryEmbed(['']); }
 * catch (e) { if (isTartanError(e, ErrorCodes.EMPTY_TEXT)) console.log(e.message); }
 * ```
 */
export class TartanError extends Error {
  readonly code: ErrorCode;
  readonly details?: Record<string, unknown>;

  constructor(code: ErrorCode, message: string, options?: { cause?: unknown; details?: Record<string, unknown> }) {
    super(message, options?.cause !== undefined ? { cause: options.cause } : undefined);
    this.name = 'TartanError';
    this.code = code;
    if (options?.details) this.details = options.details;
  }

  toJSON(): { code: ErrorCode; message: string; details?: Record<string, unknown> } {
    return { code: this.code, message: this.message, ...(this.details ? { details: this.details } : {}) };
  }
}

/** True when `e` is a {@link TartanError}, optionally with the given code. */
export function isTartanError(e: unknown, code?: ErrorCode): e is TartanError {
  return e instanceof TartanError && (code === undefined || e.code === code);
}

/**
 * Describes a value for an error message without throwing (String() throws for symbols and for
 * objects without a usable toString) and without echoing megabytes of input.
 * @example describeValue('3') // '"3"'; describeValue({ toString: '' }) // '{"toString":""}'
 */
export function describeValue(v: unknown, max = 60): string {
  let t: string;
  try {
    t = v === undefined ? 'undefined' : typeof v === 'number' || typeof v === 'bigint' ? String(v) : (JSON.stringify(v) ?? String(v));
  } catch {
    t = typeof v;
  }
  return t.length > max ? `${t.slice(0, max - 3)}...` : t;
}
