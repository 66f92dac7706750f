/** Bounds the time of one unit of work (a handler) so a slow request cannot hold a client forever. */
import { ErrorCodes, TartanError } from '../core/errors.js';

/**
 * Resolves with `work`, or rejects with E_TIMEOUT after `ms`. The work itself
 * is not cancelled (encoders are not interruptible); its result is dropped.
 */
export async function withDeadline<T>(work: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () =>
        reject(
          new TartanError(ErrorCodes.TIMEOUT, `${what} took longer than ${ms} ms; send less work per request (smaller k, fewer texts) or raise --timeout`),
        ),
      ms,
    );
  });
  try {
    return await Promise.race([work, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
