/**
 * Per-segment document records: external id and user metadata in a JSON-lines
 * file (loaded, it is small), the texts concatenated in a separate file read
 * on demand with positioned reads (texts can be large).
 */
import type { DocumentInput, MetadataValue } from '../types.js';
import type { PositionedFile } from './read-positioned.js';

/** The in-memory part of a segment's documents. `textRefs` holds [byteOffset, byteLength] pairs (-1 = no text). */
export interface DocumentTable {
  ids: string[];
  metadata: Array<Record<string, MetadataValue> | undefined>;
  textRefs: Float64Array;
}

/** Serialises documents: the JSON-lines records and the concatenated texts. */
export function encodeDocuments(docs: readonly DocumentInput[]): { records: string; texts: Uint8Array } {
  const lines: string[] = [];
  const parts: Buffer[] = [];
  let offset = 0;
  for (const d of docs) {
    const rec: { id: string; m?: Record<string, MetadataValue>; t?: [number, number] } = { id: d.id };
    if (d.metadata && Object.keys(d.metadata).length > 0) rec.m = d.metadata;
    if (d.text !== undefined) {
      const b = Buffer.from(d.text, 'utf8');
      rec.t = [offset, b.length];
      parts.push(b);
      offset += b.length;
    }
    lines.push(JSON.stringify(rec));
  }
  return { records: lines.join('\n') + (lines.length ? '\n' : ''), texts: Buffer.concat(parts) };
}

/** Parses the JSON-lines records of a segment. */
export function decodeDocuments(records: string): DocumentTable {
  const lines = records.split('\n').filter((l) => l.length > 0);
  const ids: string[] = new Array(lines.length);
  const metadata: DocumentTable['metadata'] = new Array(lines.length);
  const textRefs = new Float64Array(lines.length * 2).fill(-1);
  lines.forEach((line, i) => {
    const rec = JSON.parse(line) as { id: string; m?: Record<string, MetadataValue>; t?: [number, number] };
    ids[i] = rec.id;
    metadata[i] = rec.m;
    if (rec.t) {
      textRefs[2 * i] = rec.t[0];
      textRefs[2 * i + 1] = rec.t[1];
    }
  });
  return { ids, metadata, textRefs };
}

/** Reads the text of document `i` (undefined when it was stored without text). */
export function readText(table: DocumentTable, texts: PositionedFile | undefined, i: number): string | undefined {
  const off = table.textRefs[2 * i],
    len = table.textRefs[2 * i + 1];
  if (off < 0 || !texts) return undefined;
  if (len === 0) return '';
  return Buffer.from(texts.read(off, len)).toString('utf8');
}
