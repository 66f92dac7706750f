/**
 * Maps errors to HTTP: every error response is `{error: {code, message}}`
 * with a TartanError code, so clients branch on the same codes as the CLI.
 */
import type { FastifyError } from 'fastify';
import { ErrorCodes, TartanError, isTartanError, type ErrorCode } from '../core/errors.js';

const STATUS_BY_CODE: Partial<Record<ErrorCode, number>> = {
  [ErrorCodes.INVALID_ARGUMENT]: 400,
  [ErrorCodes.EMPTY_TEXT]: 400,
  [ErrorCodes.NOT_A_STRING]: 400,
  [ErrorCodes.TEXT_TOO_LONG]: 400,
  [ErrorCodes.NON_FINITE_VALUE]: 400,
  [ErrorCodes.DIMENSION_MISMATCH]: 400,
  [ErrorCodes.INVALID_FILTER]: 400,
  [ErrorCodes.INPUT_FORMAT]: 400,
  [ErrorCodes.UNKNOWN_PIPELINE]: 400,
  [ErrorCodes.UNKNOWN_MODEL]: 400,
  [ErrorCodes.UNSUPPORTED_MODEL]: 400,
  [ErrorCodes.UNAUTHORIZED]: 401,
  [ErrorCodes.INDEX_NOT_FOUND]: 404,
  [ErrorCodes.DOCUMENT_NOT_FOUND]: 404,
  [ErrorCodes.ROUTE_NOT_FOUND]: 404,
  [ErrorCodes.INDEX_EXISTS]: 409,
  [ErrorCodes.DUPLICATE_ID]: 409,
  [ErrorCodes.INDEX_LOCKED]: 423,
  [ErrorCodes.PAYLOAD_TOO_LARGE]: 413,
  [ErrorCodes.MODEL_FILES_MISSING]: 503,
  [ErrorCodes.OFFLINE]: 503,
  [ErrorCodes.DB_UNREACHABLE]: 503,
  [ErrorCodes.TIMEOUT]: 503,
};

/** The JSON body of every error response. */
export interface ErrorBody {
  error: { code: ErrorCode; message: string; details?: Record<string, unknown> };
}

/** HTTP status and body for any thrown value (fastify's own errors included). */
export function toHttpError(err: unknown): { status: number; body: ErrorBody } {
  if (isTartanError(err)) {
    return { status: STATUS_BY_CODE[err.code] ?? 500, body: { error: err.toJSON() } };
  }
  const fe = err as Partial<FastifyError> & { validation?: unknown; validationContext?: string };
  if (fe && fe.validation) {
    return bad(ErrorCodes.INVALID_ARGUMENT, `invalid request: ${fe.message}; see /openapi.json for the expected shape`);
  }
  switch (fe?.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return {
        status: 413,
        body: {
          error: {
            code: ErrorCodes.PAYLOAD_TOO_LARGE,
            message: 'request body is larger than the server accepts; send smaller batches (or raise --body-limit)',
          },
        },
      };
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return {
        status: 415,
        body: { error: { code: ErrorCodes.INPUT_FORMAT, message: 'unsupported content type; send JSON with content-type: application/json' } },
      };
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return bad(ErrorCodes.INPUT_FORMAT, 'the JSON body is empty; send a JSON object as described in /openapi.json');
  }
  if (fe?.statusCode === 400 || err instanceof SyntaxError) {
    return bad(ErrorCodes.INPUT_FORMAT, `malformed request body (${fe?.message ?? 'bad JSON'}); send valid JSON`);
  }
  if (typeof fe?.statusCode === 'number' && fe.statusCode >= 400 && fe.statusCode < 500) {
    return { status: fe.statusCode, body: { error: { code: ErrorCodes.INVALID_ARGUMENT, message: `${fe.message ?? 'bad request'}` } } };
  }
  return { status: 500, body: { error: { code: ErrorCodes.INTERNAL, message: 'internal error; the server log has the details (report it if it persists)' } } };
}

function bad(code: ErrorCode, message: string): { status: number; body: ErrorBody } {
  return { status: 400, body: { error: { code, message } } };
}

/** Shorthand for a 400 with E_INVALID_ARGUMENT. */
export function invalid(message: string): TartanError {
  return new TartanError(ErrorCodes.INVALID_ARGUMENT, message);
}
