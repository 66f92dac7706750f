/**
 * MUVERA fixed dimensional encodings (Dhulipala et al., 2024, "MUVERA: Multi-Vector Retrieval via
 * Fixed Dimensional Encodings"): a token matrix becomes one long vector whose dot product with
 * another approximates the Chamfer (MaxSim, sum of max) similarity of the two matrices, so a
 * single-vector index can shortlist candidates that MaxSim then re-ranks.
 *
 * Per repetition, `kSim` random Gaussian hyperplanes (SimHash) split the token space into
 * `2^kSim` partitions; a token's partition number has bit `h` set when its dot product with
 * hyperplane `h` is positive. Each partition gets a block of `dimProj` values: the tokens that fall
 * in it, projected by a random ±1/sqrt(dimProj) matrix (skipped when `dimProj === dim`), summed
 * on the query side and averaged on the document side. An empty document partition is filled
 * with the first token (in row order) of the non-empty partition nearest in Hamming distance
 * (ties to the lowest partition number), as the paper and fastembed's `Muvera` do; empty query
 * partitions stay zero. Blocks are laid out repetition-major, then partition, then value.
 * Parameter names and defaults follow fastembed (`k_sim`, `dim_proj`, `r_reps`, `random_seed`);
 * the random matrices come from tartan's own seeded generator, so encodings are reproducible
 * here but not bit-identical to fastembed's.
 */
import { ErrorCodes, TartanError, describeValue } from '../core/errors.js';
import { seededRandom } from '../core/random.js';
import type { TokenMatrix, TokenMatrixBatch } from '../core/tensors.js';

/**
 * The knobs of an FDE. Output length is `rReps * 2^kSim * dimProj` ({@link fdeDimension}).
 * @example const p: FdeParams = { kSim: 4, dimProj: 8, rReps: 10, seed: 1 };
 */
export interface FdeParams {
  /** fastembed `k_sim`: SimHash hyperplanes per repetition, giving `2^kSim` partitions (0 to 10). */
  kSim: number;
  /** fastembed `dim_proj`: values per partition after the inner random projection (1 to the token dim; equal to it means no projection). */
  dimProj: number;
  /** fastembed `r_reps`: independent repetitions, concatenated (at least 1). */
  rReps: number;
  /** fastembed `random_seed`: seed of the hyperplanes and projections (integer 0 to 2^32-1). */
  seed: number;
}

/**
 * fastembed's defaults: `k_sim=5, dim_proj=16, r_reps=20, random_seed=42` (10,240 values).
 * @example new FdeEncoder(128, { ...FDE_DEFAULTS, rReps: 10 });
 */
export const FDE_DEFAULTS: FdeParams = Object.freeze({ kSim: 5, dimProj: 16, rReps: 20, seed: 42 });

/** Longest FDE accepted (64 MiB of float32 per vector): beyond it a typo, not a setting. */
const MAX_OUTPUT_DIM = 1 << 24;
const MAX_K_SIM = 10;

/** Accepted spellings of each key: tartan's camelCase and fastembed's snake_case. */
const KEY_NAMES: Record<keyof FdeParams, readonly string[]> = {
  kSim: ['kSim', 'k_sim'],
  dimProj: ['dimProj', 'dim_proj'],
  rReps: ['rReps', 'r_reps'],
  seed: ['seed', 'random_seed', 'randomSeed'],
};
const ACCEPTED = Object.values(KEY_NAMES).flat().join(', ');

/**
 * Length of the encoding: `rReps * 2^kSim * dimProj`.
 * @example fdeDimension(FDE_DEFAULTS) // 20 * 32 * 16 = 10240
 */
export function fdeDimension(p: FdeParams): number {
  return p.rReps * 2 ** p.kSim * p.dimProj;
}

function bad(message: string): TartanError {
  return new TartanError(ErrorCodes.INVALID_ARGUMENT, message);
}

/** Dot product of `n` values of `a` from `ai` and of `b` from `bi`: the one kernel of the encoder. */
function dot(a: Float32Array, ai: number, b: Float32Array, bi: number, n: number): number {
  let s = 0;
  for (let i = 0; i < n; i++) s += a[ai + i] * b[bi + i];
  return s;
}

/** Checks ranges; `dim` (the token dimension) bounds dimProj when known. */
function checkParams(p: FdeParams, dim?: number): void {
  const int = (v: number, lo: number, hi: number): boolean => Number.isInteger(v) && v >= lo && v <= hi;
  if (!int(p.kSim, 0, MAX_K_SIM)) throw bad(`FDE kSim (k_sim) must be an integer from 0 to ${MAX_K_SIM}, got ${describeValue(p.kSim)}`);
  const hi = dim ?? Number.MAX_SAFE_INTEGER;
  if (!int(p.dimProj, 1, hi)) {
    throw bad(`FDE dimProj (dim_proj) must be an integer from 1 to ${dim === undefined ? 'the token dimension' : dim}, got ${describeValue(p.dimProj)}`);
  }
  if (!int(p.rReps, 1, Number.MAX_SAFE_INTEGER)) throw bad(`FDE rReps (r_reps) must be an integer of at least 1, got ${describeValue(p.rReps)}`);
  if (!int(p.seed, 0, 0xffffffff)) throw bad(`FDE seed (random_seed) must be an integer from 0 to 4294967295, got ${describeValue(p.seed)}`);
  if (fdeDimension(p) > MAX_OUTPUT_DIM) {
    throw bad(`FDE of ${fdeDimension(p)} values (rReps * 2^kSim * dimProj) exceeds ${MAX_OUTPUT_DIM}; lower r_reps, k_sim or dim_proj`);
  }
}

/**
 * Parses `key=value` pairs separated by commas, e.g. `"k_sim=4,dim_proj=8,r_reps=10,seed=1"`;
 * missing keys keep {@link FDE_DEFAULTS}, `""` gives the defaults. Keys may be spelt as in
 * tartan (`kSim`) or fastembed (`k_sim`, `random_seed`).
 * @throws TartanError INVALID_ARGUMENT for an unknown or repeated key, a missing `=`, or a value out of range.
 * @example parseFdeParams('k_sim=4, r_reps=10') // { kSim: 4, dimProj: 16, rReps: 10, seed: 42 }
 */
export function parseFdeParams(text: string): FdeParams {
  const out: FdeParams = { ...FDE_DEFAULTS };
  const seen = new Set<keyof FdeParams>();
  for (const part of text.split(',')) {
    const item = part.trim();
    if (item === '') continue;
    const eq = item.indexOf('=');
    if (eq < 0) throw bad(`FDE parameter ${describeValue(item)} has no value; write key=value (accepted keys: ${ACCEPTED})`);
    const name = item.slice(0, eq).trim(),
      raw = item.slice(eq + 1).trim();
    const key = (Object.keys(KEY_NAMES) as Array<keyof FdeParams>).find((k) => KEY_NAMES[k].includes(name));
    if (key === undefined) throw bad(`unknown FDE parameter ${describeValue(name)}; accepted keys: ${ACCEPTED}`);
    if (seen.has(key)) throw bad(`FDE parameter ${describeValue(name)} is given twice; give each of ${KEY_NAMES[key].join(' / ')} once`);
    seen.add(key);
    // Number('') is 0 and Number('1e3') is 1000: require plain decimal digits so typos are not read as values.
    if (!/^\d+$/.test(raw)) throw bad(`FDE parameter ${describeValue(name)} needs a whole number, got ${describeValue(raw)}`);
    out[key] = Number(raw);
  }
  checkParams(out);
  return out;
}

/**
 * Encodes token matrices of one dimension into MUVERA FDEs; queries and documents are encoded
 * differently (sum vs average and empty-partition filling), so score `encodeQuery(q) · encodeDocument(d)`.
 * A matrix with no rows encodes to zeros (it scores 0, as in MaxSim). One encoder is not re-entrant
 * (it reuses scratch buffers), which is safe on one JS thread.
 * @example
 * ```ts
 * const fde = new FdeEncoder(128);                  // fastembed defaults, 10,240 values
 * const docs = fde.encodeDocuments(batch);          // batchSize(batch) x fde.outputDim, packed
 * const q = fde.encodeQuery(queryMatrix);
 * let s = 0; for (let i = 0; i < q.length; i++) s += q[i] * docs[i]; // ~ MaxSim with document 0
 * ```
 */
export class FdeEncoder {
  readonly dim: number;
  readonly params: FdeParams;
  readonly outputDim: number;
  private readonly partitions: number;
  /** rReps x kSim x dim Gaussian hyperplane normals. */
  private readonly simhash: Float32Array;
  /**
   * rReps x (dim x dimProj) ±1/sqrt(dimProj) projections, each stored transposed (dimProj rows of dim) so a
   * projected value is one contiguous dot product; null when dimProj === dim (fastembed then skips the projection).
   */
  private readonly projection: Float32Array | null;
  private readonly acc: Float64Array;
  private readonly token: Float64Array;
  private readonly firstToken: Float64Array;
  private readonly counts: Uint32Array;
  private readonly source: Int32Array;
  private readonly hops: Int8Array;

  constructor(dim: number, params: Partial<FdeParams> = {}) {
    if (!Number.isInteger(dim) || dim < 1) throw bad(`FDE token dimension must be a positive integer, got ${describeValue(dim)}`);
    const p: FdeParams = { ...FDE_DEFAULTS };
    for (const k of Object.keys(KEY_NAMES) as Array<keyof FdeParams>) if (params[k] !== undefined) p[k] = params[k];
    checkParams(p, dim);
    this.dim = dim;
    this.params = Object.freeze(p);
    this.outputDim = fdeDimension(p);
    const { kSim, dimProj, rReps } = p;
    this.partitions = 1 << kSim;
    const rand = seededRandom(p.seed);
    // All hyperplanes first, then all projections: the partitions then depend on (seed, kSim, rReps) only, not on dimProj.
    this.simhash = new Float32Array(rReps * kSim * dim);
    for (let i = 0; i < this.simhash.length; i += 2) {
      // Box-Muller: two independent standard normals from two uniforms; 1 - u keeps log away from 0.
      const radius = Math.sqrt(-2 * Math.log(1 - rand())),
        angle = 2 * Math.PI * rand();
      this.simhash[i] = radius * Math.cos(angle);
      if (i + 1 < this.simhash.length) this.simhash[i + 1] = radius * Math.sin(angle);
    }
    if (dimProj < dim) {
      const scale = 1 / Math.sqrt(dimProj);
      this.projection = new Float32Array(rReps * dim * dimProj);
      for (let i = 0; i < this.projection.length; i++) this.projection[i] = rand() < 0.5 ? -scale : scale;
    } else this.projection = null;
    const block = this.partitions * dimProj;
    this.acc = new Float64Array(block);
    this.token = new Float64Array(dimProj);
    this.firstToken = new Float64Array(block);
    this.counts = new Uint32Array(this.partitions);
    this.source = new Int32Array(this.partitions);
    this.hops = new Int8Array(this.partitions);
  }

  /**
   * Query FDE: per partition, the sum of its projected tokens; empty partitions stay zero.
   * @example const q = fde.encodeQuery({ data, rows: 32, dim: 128 }); // q.length === fde.outputDim
   */
  encodeQuery(m: TokenMatrix): Float32Array {
    const out = new Float32Array(this.outputDim);
    this.encodeInto(this.checked(m, 'query'), m.rows, out, 0, false);
    return out;
  }

  /**
   * Document FDE: per partition, the average of its projected tokens; an empty partition takes
   * the first token of the nearest (Hamming) non-empty one.
   * @example const d = fde.encodeDocument(docMatrix); // dot with encodeQuery(q) ~ MaxSim(q, doc)
   */
  encodeDocument(m: TokenMatrix): Float32Array {
    const out = new Float32Array(this.outputDim);
    this.encodeInto(this.checked(m, 'document'), m.rows, out, 0, true);
    return out;
  }

  /**
   * Document FDEs of a whole batch, packed row-major: document `i` is `out.subarray(i * outputDim, (i + 1) * outputDim)`.
   * @example const all = fde.encodeDocuments(packMatrices(docs)); // docs.length * fde.outputDim values
   */
  encodeDocuments(batch: TokenMatrixBatch): Float32Array {
    if (batch.dim !== this.dim) throw new TartanError(ErrorCodes.DIMENSION_MISMATCH, `batch has dim ${batch.dim}, the FDE encoder expects ${this.dim}`);
    const n = batch.offsets.length - 1;
    const out = new Float32Array(Math.max(n, 0) * this.outputDim);
    for (let i = 0; i < n; i++) {
      const start = batch.offsets[i],
        end = batch.offsets[i + 1];
      if (end < start || end * this.dim > batch.data.length) {
        throw new TartanError(ErrorCodes.DIMENSION_MISMATCH, `batch offsets of document ${i} (${start} to ${end}) do not fit its ${batch.data.length} values`);
      }
      const m = { data: batch.data.subarray(start * this.dim, end * this.dim), rows: end - start, dim: this.dim };
      this.encodeInto(this.checked(m, `document ${i}`), m.rows, out, i * this.outputDim, true);
    }
    return out;
  }

  /** Validates shape and finiteness (a NaN would silently land in partition 0 and poison a block). */
  private checked(m: TokenMatrix, what: string): Float32Array {
    if (m.dim !== this.dim) throw new TartanError(ErrorCodes.DIMENSION_MISMATCH, `${what} has dim ${m.dim}, the FDE encoder expects ${this.dim}`);
    const n = m.rows * m.dim;
    if (!Number.isInteger(m.rows) || m.rows < 0 || !(m.data instanceof Float32Array) || m.data.length < n) {
      throw new TartanError(ErrorCodes.DIMENSION_MISMATCH, `${what} claims ${m.rows} rows of dim ${m.dim} but holds ${m.data?.length ?? 0} values`);
    }
    const data = m.data;
    for (let i = 0; i < n; i++) {
      if (data[i] - data[i] !== 0) throw new TartanError(ErrorCodes.NON_FINITE_VALUE, `${what} holds NaN or Infinity at value ${i}; embeddings must be finite`);
    }
    return data;
  }

  private encodeInto(data: Float32Array, rows: number, out: Float32Array, offset: number, isDocument: boolean): void {
    const { dim, simhash, projection, acc, token, firstToken, counts, partitions } = this;
    const { kSim, dimProj, rReps } = this.params;
    const block = partitions * dimProj;
    for (let r = 0; r < rReps; r++) {
      acc.fill(0);
      counts.fill(0);
      const hBase = r * kSim * dim,
        pBase = r * dimProj * dim;
      for (let t = 0; t < rows; t++) {
        const x = t * dim;
        let part = 0;
        for (let h = 0; h < kSim; h++) if (dot(simhash, hBase + h * dim, data, x, dim) > 0) part |= 1 << h;
        if (projection === null) for (let j = 0; j < dimProj; j++) token[j] = data[x + j];
        else for (let j = 0; j < dimProj; j++) token[j] = dot(projection, pBase + j * dim, data, x, dim);
        const at = part * dimProj;
        for (let j = 0; j < dimProj; j++) acc[at + j] += token[j];
        // Only the first token of a partition can fill an empty one; keep its projection rather than redo it.
        if (isDocument && counts[part] === 0) firstToken.set(token, at);
        counts[part]++;
      }
      if (isDocument && rows > 0) this.averageAndFill();
      const o = offset + r * block;
      for (let j = 0; j < block; j++) out[o + j] = acc[j];
    }
  }

  /** Divides each occupied block by its count and copies into each empty one the first token of its nearest occupied partition. */
  private averageAndFill(): void {
    const { acc, firstToken, counts, partitions } = this;
    const dimProj = this.params.dimProj;
    for (let p = 0; p < partitions; p++) {
      if (counts[p] < 2) continue;
      const inv = 1 / counts[p];
      for (let j = p * dimProj; j < (p + 1) * dimProj; j++) acc[j] *= inv;
    }
    this.nearestOccupied();
    for (let p = 0; p < partitions; p++) {
      if (counts[p] > 0) continue;
      const q = this.source[p];
      for (let j = 0; j < dimProj; j++) acc[p * dimProj + j] = firstToken[q * dimProj + j];
    }
  }

  /**
   * Sets `source[p]` to the occupied partition nearest `p` in Hamming distance, lowest number on ties.
   * Breadth-first over the hypercube, one bit flip per layer: the nearest occupied partitions of `p` at
   * distance d are the union of those of its neighbours at distance d-1, so the minimum carries over.
   * O(kSim^2 * 2^kSim) rather than the O(4^kSim) of comparing every pair.
   */
  private nearestOccupied(): void {
    const { counts, source, hops, partitions } = this;
    const kSim = this.params.kSim;
    let left = 0;
    for (let p = 0; p < partitions; p++) {
      const occupied = counts[p] > 0;
      source[p] = occupied ? p : -1;
      hops[p] = occupied ? 0 : -1;
      if (!occupied) left++;
    }
    for (let d = 1; d <= kSim && left > 0; d++) {
      for (let p = 0; p < partitions; p++) {
        if (hops[p] !== -1) continue;
        let best = -1;
        for (let b = 0; b < kSim; b++) {
          const q = p ^ (1 << b);
          if (hops[q] === d - 1 && (best < 0 || source[q] < best)) best = source[q];
        }
        if (best >= 0) {
          source[p] = best;
          hops[p] = d;
          left--;
        }
      }
    }
  }
}
