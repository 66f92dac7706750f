/**
 * Adds and deletes of a plaid-layout collection, each in the caller's
 * transaction. Both start by locking the state row (`FOR UPDATE`): writers of
 * one collection serialise there, so the generation each one writes follows
 * commit order (what the search caches rely on, plaid-cache.ts).
 *
 * An add trains the codebook when the collection has none (from the batch
 * itself, like the embedded index's first add), encodes the tokens (centroid
 * code + packed residual), and writes one segment row, the documents, and the
 * float16 originals for the final rerank.
 */
import type pg from 'pg';
import type { DocumentInput } from '../types.js';
import type { TokenMatrixBatch } from '../../core/tensors.js';
import { ErrorCodes, TartanError } from '../../core/errors.js';
import { trainCodebook } from '../../plaid/codebook.js';
import { codecToJson } from '../../plaid/residual-codec.js';
import { encodeCentroidsI8 } from '../../plaid/centroid-bytes.js';
import { encodeTokens } from '../../plaid/segment-encoding.js';
import { residualBytes } from '../../plaid/residual-codec.js';
import { toFloat16Bulk } from '../../plaid/kernels.js';
import type { Codebook } from '../../plaid/types.js';
import { quoteIdent } from './connection.js';
import { codebookOf, type StoredCodebook } from './plaid-cache.js';
import type { CollectionSettings, CollectionTables } from './schema.js';

/** Documents per INSERT of rerank rows (two parameters each, well under the protocol's 65,535). */
const RERANK_ROWS_PER_INSERT = 2000;

interface LockedState {
  generation: number;
  codebook: StoredCodebook | null;
}

async function lockState(client: pg.PoolClient, t: CollectionTables): Promise<LockedState> {
  const r = await client.query<{ generation: string; codebook: StoredCodebook | null }>(
    `SELECT generation::text, codebook FROM ${quoteIdent(t.state)} FOR UPDATE`,
  );
  if (!r.rows[0]) throw new TartanError(ErrorCodes.DB_SCHEMA, `${t.state} has no row; the collection was changed by hand. Drop and rebuild it.`);
  return { generation: Number(r.rows[0].generation), codebook: r.rows[0].codebook };
}

/**
 * Statements run one after another on the transaction's connection while this process goes on
 * training and encoding (the server writes the rows meanwhile). After a failure the rest are not
 * sent (the transaction is aborted); `drain` waits for the chain and rethrows that failure.
 */
class StatementPipeline {
  private tail: Promise<void> = Promise.resolve();
  private failure: { error: unknown } | undefined;

  constructor(private readonly client: pg.PoolClient) {}

  send(sql: string, params: unknown[]): void {
    this.tail = this.tail.then(async () => {
      if (this.failure) return;
      try {
        await this.client.query(sql, params);
      } catch (error) {
        this.failure = { error };
      }
    });
  }

  async drain(): Promise<void> {
    await this.tail;
    if (this.failure) throw this.failure.error;
  }

  /** Sends nothing more; resolves once the statement in flight (if any) is done. */
  async abort(): Promise<void> {
    this.failure ??= { error: new Error('aborted') };
    await this.tail;
  }
}

/** The stored codebook, decoded once per process. */
async function storedCodebook(client: pg.PoolClient, t: CollectionTables, stored: StoredCodebook, known: Codebook | undefined): Promise<Codebook> {
  if (known && known.k === stored.k) return known;
  const r = await client.query<{ centroids: Buffer }>(`SELECT centroids FROM ${quoteIdent(t.state)}`);
  return codebookOf(stored, r.rows[0].centroids);
}

/** A codebook trained on `data` (the collection's first add), stored by a pipelined UPDATE. */
async function trainedCodebook(pipe: StatementPipeline, t: CollectionTables, s: CollectionSettings, data: Float32Array): Promise<Codebook> {
  if (data.length === 0) {
    throw new TartanError(ErrorCodes.INVALID_ARGUMENT, 'the first add of a plaid collection needs at least one token vector to train its centroids');
  }
  const trained = await trainCodebook(data, s.dim, s.plaid.nbits, s.plaid.centroids);
  const stored: StoredCodebook = { k: trained.k, codec: codecToJson(trained.codec) };
  const centroids = encodeCentroidsI8(trained.centroids, s.dim);
  pipe.send(`UPDATE ${quoteIdent(t.state)} SET codebook = $1, centroids = $2`, [JSON.stringify(stored), Buffer.from(centroids)]);
  return codebookOf(stored, centroids);
}

function bytes(a: ArrayBufferView): Buffer {
  return Buffer.from(a.buffer, a.byteOffset, a.byteLength);
}

/**
 * Writes `docs` (checked by the caller) as one segment; returns the codebook used, for the caller to
 * keep. `rowsPerStatement` bounds the float16 rows sent in one INSERT.
 */
export async function addPlaidDocuments(
  client: pg.PoolClient,
  t: CollectionTables,
  s: CollectionSettings,
  docs: readonly DocumentInput[],
  vectors: TokenMatrixBatch,
  known: Codebook | undefined,
  rowsPerStatement: number,
): Promise<Codebook> {
  const state = await lockState(client, t);
  const n = docs.length;
  const known0 = state.codebook ? await storedCodebook(client, t, state.codebook, known) : undefined;
  const generation = state.generation + 1;
  const keyRows = await client.query<{ k: string }>(`SELECT nextval($1)::text AS k FROM generate_series(1, $2)`, [quoteIdent(t.docKeySeq), n]);
  const keys = keyRows.rows.map((r) => r.k);
  const pipe = new StatementPipeline(client);
  try {
    return await writeSegment(pipe, t, s, docs, vectors, known0, keys, generation, rowsPerStatement);
  } catch (e) {
    // Nothing may run after the caller's ROLLBACK: stop the chain and wait for the statement in flight.
    await pipe.abort();
    throw e;
  }
}

/** The pipelined part of an add: documents, rerank rows, codebook (first add), segment and generation. */
async function writeSegment(
  pipe: StatementPipeline,
  t: CollectionTables,
  s: CollectionSettings,
  docs: readonly DocumentInput[],
  vectors: TokenMatrixBatch,
  known: Codebook | undefined,
  keys: string[],
  generation: number,
  rowsPerStatement: number,
): Promise<Codebook> {
  const n = docs.length;
  const first = vectors.offsets[0],
    last = vectors.offsets[n];
  const data = vectors.data.subarray(first * s.dim, last * s.dim);
  const counts = docs.map((_, i) => vectors.offsets[i + 1] - vectors.offsets[i]);
  pipe.send(
    `INSERT INTO ${quoteIdent(t.documents)} (doc_key, id, text, metadata, n_tokens)
     SELECT * FROM unnest($1::bigint[], $2::text[], $3::text[], $4::jsonb[], $5::int[])`,
    [keys, docs.map((d) => d.id), docs.map((d) => d.text ?? null), docs.map((d) => JSON.stringify(d.metadata ?? {})), counts],
  );
  // Each document's rows as its own binary parameter: node-postgres sends a Buffer as bytes, but an array of
  // them as hex text (twice the size, and encoded in JavaScript).
  const half = toFloat16Bulk(data);
  for (let start = 0; start < n;) {
    let end = start + 1;
    while (end < n && end - start < RERANK_ROWS_PER_INSERT && vectors.offsets[end + 1] - vectors.offsets[start] <= rowsPerStatement) end++;
    const params: unknown[] = [];
    const values: string[] = [];
    for (let i = start; i < end; i++) {
      params.push(keys[i], bytes(half.subarray((vectors.offsets[i] - first) * s.dim, (vectors.offsets[i + 1] - first) * s.dim)));
      values.push(`($${params.length - 1}::bigint, $${params.length}::bytea)`);
    }
    pipe.send(`INSERT INTO ${quoteIdent(t.rerank)} (doc_key, vecs) VALUES ${values.join(', ')}`, params);
    start = end;
  }
  const codebook = known ?? (await trainedCodebook(pipe, t, s, data));
  const { codes, residuals } = await encodeTokens(codebook, data);
  if (residuals.byteLength !== (last - first) * residualBytes(s.dim, codebook.codec.nbits)) {
    throw new TartanError(ErrorCodes.INTERNAL, 'residual encoding returned the wrong number of bytes');
  }
  const tokenOffsets = new Uint32Array(n + 1);
  for (let i = 0; i <= n; i++) tokenOffsets[i] = vectors.offsets[i] - first;
  const docKeys = BigInt64Array.from(keys, (k) => BigInt(k));
  pipe.send(
    `INSERT INTO ${quoteIdent(t.segments)} (seg_id, generation, documents, tokens, doc_keys, token_offsets, codes, residuals)
     VALUES (nextval($1), $2, $3, $4, $5, $6, $7, $8)`,
    [quoteIdent(t.segmentSeq), generation, n, last - first, bytes(docKeys), bytes(tokenOffsets), bytes(codes), bytes(residuals)],
  );
  pipe.send(`UPDATE ${quoteIdent(t.state)} SET generation = $1`, [generation]);
  await pipe.drain();
  return codebook;
}

/** Deletes documents by id: their rows, their rerank rows, and a tombstone each for the search caches. Returns how many existed. */
export async function deletePlaidDocuments(client: pg.PoolClient, t: CollectionTables, ids: readonly string[]): Promise<number> {
  const state = await lockState(client, t);
  const r = await client.query<{ doc_key: string }>(`DELETE FROM ${quoteIdent(t.documents)} WHERE id = ANY($1::text[]) RETURNING doc_key::text`, [[...ids]]);
  if (r.rows.length === 0) return 0;
  const keys = r.rows.map((row) => row.doc_key);
  const generation = state.generation + 1;
  await client.query(`DELETE FROM ${quoteIdent(t.rerank)} WHERE doc_key = ANY($1::bigint[])`, [keys]);
  await client.query(`INSERT INTO ${quoteIdent(t.tombstones)} (doc_key, generation) SELECT unnest($1::bigint[]), $2`, [keys, generation]);
  await client.query(`UPDATE ${quoteIdent(t.state)} SET generation = $1`, [generation]);
  return keys.length;
}
