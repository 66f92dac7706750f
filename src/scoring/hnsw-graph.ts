/**
 * An HNSW graph over one vector per document (inner product), from usearch (Unum's single-file
 * vector search engine, prebuilt for Linux and macOS). usearch is an optional dependency: where it
 * is not installed or does not load (a platform without its prebuilt addon and no compiler),
 * {@link hnswUnavailable} says why and callers keep the exact scan.
 */
import { createRequire } from 'node:module';
import { ErrorCodes, TartanError } from '../core/errors.js';

/** The part of usearch's `Index` this module uses. */
interface UsearchIndex {
  add(keys: BigUint64Array, vectors: Float32Array, threads?: number): void;
  search(vector: Float32Array, k: number, threads: number): { keys: BigUint64Array; distances: Float32Array };
  remove(keys: bigint): number;
  size(): number;
  save(path: string): void;
  load(path: string): void;
}

interface UsearchModule {
  Index: new (config: {
    dimensions: number;
    metric: string;
    quantization: string;
    connectivity: number;
    expansion_add: number;
    expansion_search: number;
  }) => UsearchIndex;
}

let loaded: UsearchModule | string | undefined;

/** usearch, or why it is not available (loaded once; usearch ships CommonJS, so `require` keeps this synchronous). */
function usearch(): UsearchModule | string {
  if (loaded === undefined) {
    try {
      loaded = createRequire(import.meta.url)('usearch') as UsearchModule;
    } catch (e) {
      loaded = `usearch did not load (${(e as Error).message.split('\n')[0]}); install it with \`npm install usearch@~2.25.3\``;
    }
  }
  return loaded;
}

/**
 * Why HNSW cannot be used here, or undefined when it can.
 * @example if (hnswUnavailable() === undefined) graph = new HnswGraph(1280);
 */
export function hnswUnavailable(): string | undefined {
  const u = usearch();
  return typeof u === 'string' ? u : undefined;
}

/** Graph construction and search knobs (usearch's names in snake case). */
export interface HnswOptions {
  /** Links per node (HNSW's M); default 32. */
  connectivity?: number;
  /** Candidate list while inserting (efConstruction); default 256. */
  expansionAdd?: number;
  /** Candidate list while searching (ef); default 1024. */
  expansionSearch?: number;
}

/**
 * Defaults for FDEs, which inner-product HNSW finds harder than normalised embeddings: on the SciFact
 * fixture (1,280-dim FDEs) the graph's top 100 held 0.73 of the exact top 100 at M 16 / 128 / 256
 * and 0.88 at these, for 3 ms instead of 1.7 (docs/benchmarks.md).
 */
export const HNSW_DEFAULTS: Required<HnswOptions> = Object.freeze({ connectivity: 32, expansionAdd: 256, expansionSearch: 1024 });

/**
 * Approximate maximum inner product search over `dim`-dimensional float32 vectors keyed by
 * non-negative integers. Scores are dot products (usearch reports `1 - dot`, converted back).
 * @example
 * ```ts
 * const g = new HnswGraph(3);
 * g.add(Uint32Array.of(7, 8), Float32Array.of(1, 0, 0, 0, 1, 0));
 * g.search(Float32Array.of(1, 0, 0), 1); // { keys: [7], scores: [1] }
 * ```
 */
export class HnswGraph {
  private readonly index: UsearchIndex;

  constructor(
    readonly dim: number,
    options: HnswOptions = {},
  ) {
    const u = usearch();
    if (typeof u === 'string') throw new TartanError(ErrorCodes.INVALID_ARGUMENT, `HNSW needs usearch: ${u}`);
    const o = { ...HNSW_DEFAULTS, ...options };
    this.index = new u.Index({
      dimensions: dim,
      metric: 'ip',
      quantization: 'f32',
      connectivity: o.connectivity,
      expansion_add: o.expansionAdd,
      expansion_search: o.expansionSearch,
    });
  }

  get size(): number {
    return this.index.size();
  }

  /** Adds `keys.length` vectors packed row-major in `vectors` (on all cores). */
  add(keys: Uint32Array, vectors: Float32Array): void {
    if (vectors.length !== keys.length * this.dim)
      throw new TartanError(ErrorCodes.DIMENSION_MISMATCH, `${keys.length} keys need ${keys.length * this.dim} values, got ${vectors.length}`);
    if (keys.length === 0) return;
    this.index.add(
      BigUint64Array.from(keys, (k) => BigInt(k)),
      vectors,
      0,
    );
  }

  remove(key: number): void {
    this.index.remove(BigInt(key));
  }

  /** The `k` keys with the largest dot product with `query`, best first. */
  search(query: Float32Array, k: number): { keys: Uint32Array; scores: Float32Array } {
    if (query.length !== this.dim) throw new TartanError(ErrorCodes.DIMENSION_MISMATCH, `query has ${query.length} values, the graph holds ${this.dim}`);
    if (this.size === 0 || k < 1) return { keys: new Uint32Array(0), scores: new Float32Array(0) };
    const found = this.index.search(query, Math.min(k, this.size), 1);
    const keys = Uint32Array.from(found.keys, (key) => Number(key));
    return { keys, scores: Float32Array.from(found.distances, (d) => 1 - d) };
  }

  save(path: string): void {
    this.index.save(path);
  }

  /** A graph saved by {@link save}, with the same dimension. */
  static load(path: string, dim: number, options: HnswOptions = {}): HnswGraph {
    const g = new HnswGraph(dim, options);
    g.index.load(path);
    return g;
  }
}
