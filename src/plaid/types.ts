/**
 * What the PLAID search stages read, as interfaces over typed arrays: a
 * codebook, an optional projection and a list of segments whose residuals and
 * rerank vectors come from any byte source (a file read at positions, a buffer
 * in memory, rows of a database). The file store's snapshot adapts to these;
 * an in-memory or PostgreSQL-backed index can implement them directly.
 */
import type { Codes } from './kernels.js';
import type { ResidualCodec } from './residual-codec.js';
import type { CentroidsI8 } from './centroid-bytes.js';
import type { CentroidEngine } from './centroid-engine.js';
import type { Projection } from './projection.js';

export type { Codes } from './kernels.js';

/**
 * Bytes read by range. A file opened for positioned reads satisfies it, and so does
 * {@link memoryBytes} over a Uint8Array.
 */
export interface ByteSource {
  /** Total bytes. */
  readonly size: number;
  /**
   * `length` bytes at `offset`: copied into `into` when given (and `into` returned), else a view or a new
   * array. Must throw rather than return fewer bytes.
   */
  read(offset: number, length: number, into?: Uint8Array): Uint8Array;
  /** Bytes the source holds in the JavaScript heap, which a whole-range read returns as a view (memory reports count them once). */
  readonly heapBytes?: number;
}

/** The PLAID codebook: centroids plus the residual codec. */
export interface Codebook {
  /** k x codec.dim float32 rows (decoded from int8 when `i8` is set). */
  centroids: Float32Array;
  k: number;
  codec: ResidualCodec;
  /** The centroids as stored in int8, for stage 1 of a search; absent for float codebooks. */
  i8?: CentroidsI8;
  /** The matrix-multiply engine over the centroids, created on first use (see engineOf in codebook.ts). */
  engine?: Promise<CentroidEngine>;
}

/**
 * One segment of an index. Passage p spans tokens tokenOffsets[p]..tokenOffsets[p + 1] and belongs to
 * document docBase + passageDoc[p] (global document numbers index the `allowed` table of a search).
 */
export interface PlaidSegment {
  readonly docBase: number;
  readonly passageDoc: Uint32Array;
  /** passages + 1 entries, from 0 to the token count. */
  readonly tokenOffsets: Uint32Array;
  /** Centroid code per token (Uint16Array while k <= 65536). */
  readonly codes: Codes;
  /** Packed residuals, residualBytes(dim, nbits) per token, token-major. */
  readonly residuals: ByteSource;
  /** The original vectors as float16 (dim x 2 bytes per token), read for the final candidates only; absent: rerank over decompressed codes. */
  readonly vectors?: ByteSource;
  /**
   * Identifies the segment's codes, residuals and passage table by content: the derived scan tables are
   * cached under it (per codebook) and shared by every index view holding an equal key.
   */
  readonly contentKey: string;
}

/** Everything a PLAID search reads. */
export interface PlaidIndex {
  readonly codebook: Codebook;
  /** The dimension reduction applied to stored vectors and queries, if any (queries reach the stages already projected). */
  readonly projection?: Projection;
  readonly segments: readonly PlaidSegment[];
}

/** A candidate passage: segment index and local passage number. */
export interface Candidate {
  seg: number;
  passage: number;
  score: number;
}

/** A document's score: its best passage's raw and normalised MaxSim. */
export interface DocScore {
  doc: number;
  raw: number;
  normalized: number;
}
