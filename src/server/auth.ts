/**
 * API-key check for write routes. The key comes from `--api-key` or
 * `TARTAN_API_KEY`; clients send it as `x-api-key: <key>` or
 * `Authorization: Bearer <key>`. Both sides are hashed to equal-length
 * digests before `timingSafeEqual`, so neither the key's content nor its
 * length leaks through response timing.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import { ErrorCodes, TartanError } from '../core/errors.js';

function digest(value: string): Buffer {
  return createHash('sha256').update(value, 'utf8').digest();
}

/** The key a request presents, or undefined. */
export function presentedKey(request: FastifyRequest): string | undefined {
  const header = request.headers['x-api-key'];
  if (typeof header === 'string' && header.length > 0) return header;
  const auth = request.headers.authorization;
  if (typeof auth === 'string') {
    const m = /^Bearer\s+(.+)$/i.exec(auth.trim());
    if (m) return m[1];
  }
  return undefined;
}

/** True when `presented` equals `expected`, compared in constant time. */
export function keyMatches(expected: string, presented: string | undefined): boolean {
  if (presented === undefined) return false;
  return timingSafeEqual(digest(expected), digest(presented));
}

/**
 * A preHandler that refuses requests without the configured key.
 * With no key configured it lets everything through (loopback default bind).
 *
 * @example
 * app.post('/api/indexes', { preHandler: requireApiKey(key) }, handler)
 */
export function requireApiKey(expected: string | undefined): (request: FastifyRequest) => Promise<void> {
  return async (request) => {
    if (!expected) return;
    if (!keyMatches(expected, presentedKey(request))) {
      throw new TartanError(ErrorCodes.UNAUTHORIZED, 'this write needs the server API key; send it as "x-api-key: <key>" or "Authorization: Bearer <key>"');
    }
  };
}
