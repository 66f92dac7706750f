/** Writes a sequence of byte chunks to a file through a fixed buffer, so memory stays flat for any file size. */
import { open, type FileHandle } from 'node:fs/promises';

const BUFFER_BYTES = 4 << 20;

/** A single write() may be short; loop until every byte is on disk. */
async function writeAll(handle: FileHandle, bytes: Uint8Array, length: number): Promise<void> {
  let at = 0;
  while (at < length) {
    const { bytesWritten } = await handle.write(bytes, at, length - at);
    at += bytesWritten;
  }
}

/**
 * Streams `chunks` into `path` (created or truncated) and returns the bytes written.
 * Chunks may be reused by their producer once the iterator is resumed: each is
 * copied or written before the next is requested.
 */
export async function writeChunks(path: string, chunks: Iterable<Uint8Array>): Promise<number> {
  const handle = await open(path, 'w');
  const buffer = Buffer.allocUnsafe(BUFFER_BYTES);
  let filled = 0;
  let total = 0;
  const flush = async (): Promise<void> => {
    if (filled > 0) await writeAll(handle, buffer, filled);
    filled = 0;
  };
  try {
    for (const chunk of chunks) {
      total += chunk.byteLength;
      if (filled + chunk.byteLength > BUFFER_BYTES) await flush();
      if (chunk.byteLength >= BUFFER_BYTES) await writeAll(handle, chunk, chunk.byteLength);
      else {
        buffer.set(chunk, filled);
        filled += chunk.byteLength;
      }
    }
    await flush();
  } finally {
    await handle.close();
  }
  return total;
}
