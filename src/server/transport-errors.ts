/**
 * Errors that happen before a route runs, answered in the same coded format
 * as every other error ({@link ErrorBody}): bodies that are not UTF-8, URLs
 * whose percent-escapes are not UTF-8, and requests Node's HTTP parser
 * rejects (raw non-ASCII bytes in the request line, oversized headers,
 * requests that take too long to arrive).
 */
import { isUtf8 } from 'node:buffer';
import { STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { ErrorCodes, TartanError, type ErrorCode } from '../core/errors.js';

function body(code: ErrorCode, message: string): string {
  return JSON.stringify({ error: { code, message } });
}

/**
 * Replaces the JSON body parser with one that refuses bytes that are not UTF-8
 * (the default decodes them to U+FFFD and goes on), keeping fastify's
 * `__proto__` / `constructor` poisoning checks.
 */
export function strictJsonBodies(app: FastifyInstance, bodyLimit: number): void {
  const parseJson = app.getDefaultJsonParser('error', 'error');
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'buffer', bodyLimit }, (request, raw, done) => {
    const bytes = raw as Buffer;
    if (!isUtf8(bytes)) {
      done(new TartanError(ErrorCodes.INPUT_FORMAT, 'the request body is not valid UTF-8; send JSON encoded as UTF-8'), undefined);
      return;
    }
    parseJson(request, bytes.toString('utf8'), done);
  });
}

/** fastify's `frameworkErrors`: a URL whose percent-escapes do not decode is a coded 400. */
export function frameworkErrors(error: FastifyError, _request: FastifyRequest, reply: FastifyReply): void {
  const bad = error.code === 'FST_ERR_BAD_URL';
  void reply
    .code(400)
    .type('application/json')
    .send(body(ErrorCodes.INPUT_FORMAT, bad ? 'the URL holds percent-escapes that are not UTF-8; encode paths as UTF-8' : `invalid request: ${error.message}`));
}

/** fastify's `clientErrorHandler`: what Node's parser refuses still gets a coded JSON answer. */
export function clientErrorHandler(err: NodeJS.ErrnoException, socket: Socket): void {
  // A reset connection has no one left to answer.
  if (err.code === 'ECONNRESET' || socket.destroyed) return;
  let status = 400;
  let code: ErrorCode = ErrorCodes.INPUT_FORMAT;
  let message = 'the request is not valid HTTP (raw non-ASCII bytes in the request line or headers?); percent-encode paths and send ASCII headers';
  if (err.code === 'ERR_HTTP_REQUEST_TIMEOUT') {
    status = 408;
    code = ErrorCodes.TIMEOUT;
    message = 'the request took too long to arrive; send it faster or raise --timeout';
  } else if (err.code === 'HPE_HEADER_OVERFLOW') {
    status = 431;
    code = ErrorCodes.PAYLOAD_TOO_LARGE;
    message = 'the request headers are larger than the server accepts';
  }
  const text = body(code, message);
  if (socket.writable) {
    socket.write(
      `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nContent-Length: ${Buffer.byteLength(text)}\r\nContent-Type: application/json\r\nConnection: close\r\n\r\n${text}`,
    );
  }
  socket.destroy(err);
}
