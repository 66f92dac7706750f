/**
 * A process's copy of a plaid-layout collection's search data: the codebook
 * and every segment's codes and residuals, with the live-document table.
 *
 * The database is the only state: the copy is revalidated at the start of
 * every search, inside the search's own snapshot, by the collection's
 * generation counter. Writers bump it in their transaction while holding the
 * state row's lock, so generations follow commit order: a search at generation
 * G loads the segments and tombstones written after the generation it holds
 * (all of them visible in its snapshot) and nothing else.
 */
import type pg from 'pg';
import { codecFromJson } from '../../plaid/residual-codec.js';
import { centroidsI8Of } from '../../plaid/centroid-bytes.js';
import { dequantizeRowsInt8 } from '../../scoring/quantize.js';
import { memoryBytes } from '../../plaid/segment-encoding.js';
import type { Codebook, PlaidIndex, PlaidSegment } from '../../plaid/types.js';
import { quoteIdent } from './connection.js';
import type { CollectionTables } from './schema.js';

/** The codebook as stored in the state row: k and the residual codec (centroids are a bytea beside it). */
export interface StoredCodebook {
  k: number;
  codec: { nbits: number; dim: number; cutoffs: number[]; weights: number[] };
}

/** A loaded segment: its search view and the doc_key of each of its documents. */
export interface CachedSegment {
  docKeys: readonly number[];
  segment: PlaidSegment;
}

interface StateRow {
  generation: string;
  trained: boolean;
}

interface SegmentRow {
  seg_id: string;
  documents: number;
  doc_keys: Buffer;
  token_offsets: Buffer;
  codes: Buffer;
  residuals: Buffer;
}

/** Copies bytes into a fresh, aligned typed array (bytea buffers may start at any offset). */
function aligned<T>(bytes: Uint8Array, make: (buf: ArrayBuffer) => T): T {
  const copy = new Uint8Array(bytes.byteLength);
  copy.set(bytes);
  return make(copy.buffer);
}

/** Rebuilds the codebook from its stored form (int8 centroids, decoded exactly as they were encoded against). */
export function codebookOf(stored: StoredCodebook, centroids: Uint8Array): Codebook {
  // centroidsI8Of copies the values out, from any byte offset.
  const i8 = centroidsI8Of(centroids, stored.k, stored.codec.dim);
  return { centroids: dequantizeRowsInt8(i8, stored.codec.dim), k: stored.k, codec: codecFromJson(stored.codec), i8 };
}

/** The process-local search copy of one collection. */
export class PlaidCache {
  codebook?: Codebook;
  /** Generation the copy reflects; -1 before the first load. */
  generation = -1;
  segments: CachedSegment[] = [];
  /** doc_key of each global document number (segment docBase + local number). */
  docKeys: number[] = [];
  readonly docOf = new Map<number, number>();
  /** 1 for each global document number that is not deleted. */
  live = new Uint8Array(0);
  liveCount = 0;
  private view?: PlaidIndex;

  constructor(private readonly tables: CollectionTables) {}

  /**
   * Brings the copy up to the generation visible in `client`'s transaction (REPEATABLE READ, so the
   * caller's later reads agree) and returns that generation. A copy already newer than the snapshot
   * is left as it is (the caller takes a new snapshot), unless `reload`: then it is rebuilt from it.
   */
  async refresh(client: pg.PoolClient, reload = false): Promise<number> {
    const t = this.tables;
    // Only the counter on the common path: the codebook (a few KB of JSON) is read once, when first needed.
    const st = (await client.query<StateRow>(`SELECT generation::text, codebook IS NOT NULL AS trained FROM ${quoteIdent(t.state)}`)).rows[0];
    if (!st) return this.generation;
    const generation = Number(st.generation);
    if (generation === this.generation) return generation;
    if (generation < this.generation && !reload) return generation;
    if (reload) this.reset();
    if (!this.codebook && st.trained) {
      const r = await client.query<{ codebook: StoredCodebook; centroids: Buffer }>(`SELECT codebook, centroids FROM ${quoteIdent(t.state)}`);
      this.codebook = codebookOf(r.rows[0].codebook, r.rows[0].centroids);
    }
    const since = this.generation;
    const segs = await client.query<SegmentRow>(
      `SELECT seg_id::text, documents, doc_keys, token_offsets, codes, residuals FROM ${quoteIdent(t.segments)} WHERE generation > $1 ORDER BY seg_id`,
      [since],
    );
    for (const row of segs.rows) this.append(row);
    const dead = await client.query<{ doc_key: string }>(`SELECT doc_key::text FROM ${quoteIdent(t.tombstones)} WHERE generation > $1`, [since]);
    for (const row of dead.rows) this.kill(Number(row.doc_key));
    this.generation = generation;
    this.view = undefined;
    return generation;
  }

  /** The copy as the PLAID stages read it (no rerank vectors: the store attaches the fetched ones per search). */
  index(): PlaidIndex | undefined {
    if (!this.codebook) return undefined;
    this.view ??= { codebook: this.codebook, segments: this.segments.map((s) => s.segment) };
    return this.view;
  }

  private reset(): void {
    this.codebook = undefined;
    this.generation = -1;
    this.segments = [];
    this.docKeys = [];
    this.docOf.clear();
    this.live = new Uint8Array(0);
    this.liveCount = 0;
  }

  private append(row: SegmentRow): void {
    const cb = this.codebook;
    if (!cb) return;
    const docBase = this.docKeys.length;
    const keys = aligned(row.doc_keys, (b) => new BigInt64Array(b));
    const tokenOffsets = aligned(row.token_offsets, (b) => new Uint32Array(b));
    const codes = cb.k <= 65536 ? aligned(row.codes, (b) => new Uint16Array(b)) : aligned(row.codes, (b) => new Uint32Array(b));
    const docKeys = Array.from(keys, Number);
    const passageDoc = new Uint32Array(row.documents);
    for (let i = 0; i < passageDoc.length; i++) passageDoc[i] = i;
    const segment: PlaidSegment = {
      docBase,
      passageDoc,
      tokenOffsets,
      codes,
      residuals: memoryBytes(aligned(row.residuals, (b) => new Uint8Array(b))),
      contentKey: `pg:${this.tables.name}:${row.seg_id}`,
    };
    this.segments.push({ docKeys, segment });
    const live = new Uint8Array(docBase + docKeys.length);
    live.set(this.live);
    live.fill(1, docBase);
    this.live = live;
    docKeys.forEach((key, i) => {
      this.docKeys.push(key);
      this.docOf.set(key, docBase + i);
    });
    this.liveCount += docKeys.length;
  }

  private kill(docKey: number): void {
    const doc = this.docOf.get(docKey);
    if (doc === undefined || !this.live[doc]) return;
    this.live[doc] = 0;
    this.liveCount--;
  }
}
