/**
 * Writing a segment's (or the codebook's) files: each under a fresh name of
 * the form `seg-000007.codes`, atomically, with its sha256 for the manifest.
 */
import { join } from 'node:path';
import { writeFileAtomic } from '../../core/atomic-file.js';
import type { FileEntry } from './manifest.js';
import { sha256 } from './manifest.js';

/** Writes `buffers` as `<prefix>.<role>` files in `dir`; returns the manifest entries by role. */
export function writeFiles(dir: string, prefix: string, buffers: Record<string, Uint8Array>): Record<string, FileEntry> {
  const out: Record<string, FileEntry> = {};
  for (const [role, data] of Object.entries(buffers)) {
    const name = `${prefix}.${role}`;
    writeFileAtomic(join(dir, name), [data]);
    out[role] = { name, bytes: data.byteLength, sha256: sha256(data) };
  }
  return out;
}

/** The file-name prefix of segment `id`. */
export function segmentPrefix(id: number): string {
  return `seg-${String(id).padStart(6, '0')}`;
}
