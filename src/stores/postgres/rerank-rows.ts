/**
 * The float16 originals of a plaid-layout collection, fetched for the final
 * candidates of a search. A document's rows never change once written (a
 * document is replaced by deleting it and adding it under a new doc_key), so
 * a process may keep fetched rows without revalidating them; deleted
 * documents simply stop being candidates. The cache is bounded by bytes and
 * evicts the least recently used document.
 */
import type pg from 'pg';
import type { ByteSource, Candidate, PlaidIndex, PlaidSegment } from '../../plaid/types.js';
import { ErrorCodes, TartanError } from '../../core/errors.js';
import { quoteIdent } from './connection.js';
import type { CachedSegment } from './plaid-cache.js';

/** Least-recently-used float16 rows by doc_key, within a byte budget. */
export class RerankRowCache {
  private readonly rows = new Map<number, Uint8Array>();
  private bytes = 0;
  hits = 0;
  misses = 0;

  constructor(readonly budgetBytes: number) {}

  get(key: number): Uint8Array | undefined {
    const v = this.rows.get(key);
    if (v) {
      this.rows.delete(key);
      this.rows.set(key, v);
    }
    return v;
  }

  set(key: number, value: Uint8Array): void {
    if (value.byteLength > this.budgetBytes) return;
    const old = this.rows.get(key);
    if (old) this.bytes -= old.byteLength;
    this.rows.delete(key);
    this.rows.set(key, value);
    this.bytes += value.byteLength;
    for (const [k, v] of this.rows) {
      if (this.bytes <= this.budgetBytes) break;
      this.rows.delete(k);
      this.bytes -= v.byteLength;
    }
  }

  /** Bytes held. */
  get size(): number {
    return this.bytes;
  }
}

/** Rows of one segment's candidates, read by token offset as {@link ByteSource} (the exact rerank reads whole passages). */
function fetchedSource(seg: PlaidSegment, byPassage: Map<number, Uint8Array>, rowBytes: number): ByteSource {
  const total = seg.tokenOffsets[seg.tokenOffsets.length - 1] * rowBytes;
  const startOf = new Map<number, number>();
  for (const p of byPassage.keys()) startOf.set(seg.tokenOffsets[p] * rowBytes, p);
  return {
    size: total,
    read(offset: number, length: number, into?: Uint8Array): Uint8Array {
      const p = startOf.get(offset);
      const bytes = p === undefined ? undefined : byPassage.get(p);
      if (!bytes || bytes.byteLength !== length) throw new RangeError(`no fetched rerank rows at byte ${offset} (${length} bytes)`);
      if (!into) return bytes;
      into.set(bytes);
      return into;
    },
  };
}

/**
 * `index` with each candidate's float16 rows attached (from the cache, the rest in one query in
 * `client`'s snapshot). Throws INTERNAL when a candidate's rows are missing or of the wrong size:
 * the tables disagree, which a search must not paper over.
 */
export async function withRerankRows(
  client: pg.PoolClient,
  table: string,
  index: PlaidIndex,
  segments: readonly CachedSegment[],
  cands: readonly Candidate[],
  cache: RerankRowCache,
): Promise<PlaidIndex> {
  const rowBytes = index.codebook.codec.dim * 2;
  const wanted = new Map<number, { seg: number; passage: number }>();
  const found = new Map<number, Uint8Array>();
  for (const c of cands) {
    const key = segments[c.seg].docKeys[c.passage];
    const hit = cache.get(key);
    if (hit) {
      cache.hits++;
      found.set(key, hit);
    } else wanted.set(key, c);
  }
  if (wanted.size > 0) {
    cache.misses += wanted.size;
    const r = await client.query<{ doc_key: string; vecs: Buffer }>(`SELECT doc_key::text, vecs FROM ${quoteIdent(table)} WHERE doc_key = ANY($1::bigint[])`, [
      [...wanted.keys()].map(String),
    ]);
    for (const row of r.rows) {
      const key = Number(row.doc_key);
      const copy = new Uint8Array(row.vecs.byteLength);
      copy.set(row.vecs);
      found.set(key, copy);
      cache.set(key, copy);
    }
  }
  const perSegment = new Map<number, Map<number, Uint8Array>>();
  for (const c of cands) {
    const seg = index.segments[c.seg];
    const key = segments[c.seg].docKeys[c.passage];
    const bytes = found.get(key);
    const expected = (seg.tokenOffsets[c.passage + 1] - seg.tokenOffsets[c.passage]) * rowBytes;
    if (!bytes || bytes.byteLength !== expected) {
      throw new TartanError(
        ErrorCodes.INTERNAL,
        `the rerank rows of document key ${key} are ${bytes ? `${bytes.byteLength} bytes, expected ${expected}` : 'missing'} in ${table}; ` +
          'the collection was changed outside tartan. Rebuild it from its source documents.',
      );
    }
    let m = perSegment.get(c.seg);
    if (!m) perSegment.set(c.seg, (m = new Map()));
    m.set(c.passage, bytes);
  }
  return {
    ...index,
    segments: index.segments.map((seg, i) => {
      const m = perSegment.get(i);
      return m ? { ...seg, vectors: fetchedSource(seg, m, rowBytes) } : seg;
    }),
  };
}
