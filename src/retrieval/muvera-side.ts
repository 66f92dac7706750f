/**
 * The MUVERA side index: one fixed-dimensional encoding (FDE) per document, built from the
 * vectors the ColBERT index scores with (its stored, possibly projected and compressed vectors),
 * searched by exact dot product or, from {@link HNSW_MIN_DOCUMENTS} documents on (or when asked
 * with `ann=hnsw`), an HNSW graph, so `muvera>colbert` is the MUVERA paper's retrieval: FDE
 * candidates, then MaxSim. Saved as `muvera/dense.bin` (and the graph beside it once built); the
 * FDE parameters are its signature, so other parameters rebuild it from the index.
 */
import { ErrorCodes, TartanError } from '../core/errors.js';
import { packMatrices, type TokenMatrix } from '../core/tensors.js';
import { FdeEncoder, parseFdeParams, type FdeParams } from '../representations/fde.js';
import { canExplain, type Explainable } from '../stores/capabilities.js';
import type { VectorStore } from '../stores/types.js';
import { VectorSide } from './vector-side.js';
import { IdGraph } from './id-graph.js';
import { hnswUnavailable } from '../scoring/hnsw-graph.js';
import type { ScoredId } from './fusion.js';
import type { Index } from './index-facade.js';
import type { SideDocument, SideIndex, SideQuery } from './side-index.js';

/** The FDE parameters in the form `parseFdeParams` reads and the signature records. */
export function fdeSignature(p: FdeParams): string {
  return `k_sim=${p.kSim},dim_proj=${p.dimProj},r_reps=${p.rReps},seed=${p.seed}`;
}

/**
 * Collections from this many documents search their FDEs through an HNSW graph when usearch loads
 * (below it the exact scan is fast enough and exact; measured in docs/benchmarks.md).
 */
export const HNSW_MIN_DOCUMENTS = 20_000;

/** How FDE candidates are found: `exact` (every document), `hnsw` (the graph), `auto` (by size). */
export type FdeSearch = 'exact' | 'hnsw' | 'auto';

/** Splits `ann=exact|hnsw|auto` off a MUVERA parameter string (the rest are FDE parameters). */
function splitSearchMode(params: string): { fde: string; ann: FdeSearch } {
  let ann: FdeSearch = 'auto';
  const rest: string[] = [];
  for (const part of params.split(',')) {
    const m = /^\s*ann\s*=\s*(\S*)\s*$/.exec(part);
    if (!m) {
      rest.push(part);
      continue;
    }
    if (m[1] !== 'exact' && m[1] !== 'hnsw' && m[1] !== 'auto')
      throw new TartanError(ErrorCodes.INVALID_ARGUMENT, `MUVERA ann must be exact, hnsw or auto, got "${m[1]}"`);
    ann = m[1];
  }
  if (ann === 'hnsw') {
    const why = hnswUnavailable();
    if (why !== undefined) throw new TartanError(ErrorCodes.INVALID_ARGUMENT, `MUVERA ann=hnsw: ${why}; or use ann=exact`);
  }
  return { fde: rest.join(','), ann };
}

export class MuveraSide extends VectorSide implements SideIndex {
  readonly name = 'muvera';
  /** The HNSW graph over the FDEs, once built or loaded; kept in step with adds and deletes. */
  private graph: IdGraph | undefined;

  private constructor(
    private readonly colbert: Index,
    private readonly store: VectorStore & Explainable,
    private readonly fde: FdeEncoder,
    private readonly ann: FdeSearch,
  ) {
    super(fde.outputDim);
  }

  /**
   * A MUVERA side index over `index`, with FDE parameters `params` (fastembed's names, e.g.
   * `k_sim=4,dim_proj=8`; '' for the defaults) and optionally `ann=exact|hnsw|auto` (default auto:
   * HNSW from {@link HNSW_MIN_DOCUMENTS} documents when usearch loads).
   * @example const c = await Collection.open('./idx', { muvera: 'k_sim=5,dim_proj=16,r_reps=20,ann=hnsw' }); await c.search(q, { pipeline: 'muvera>colbert' });
   */
  static async open(index: Index, params = ''): Promise<MuveraSide> {
    const store = index.store;
    const { kind, dim } = await store.info();
    if (!canExplain(store))
      throw new TartanError(ErrorCodes.INVALID_ARGUMENT, `a ${kind} index cannot hand out its vectors, which MUVERA encodes; use a folder index`);
    const { fde, ann } = splitSearchMode(params);
    return new MuveraSide(index, store, new FdeEncoder(dim, parseFdeParams(fde)), ann);
  }

  /** Whether searches without a candidate list go through the graph. */
  get usesGraph(): boolean {
    if (this.ann === 'exact') return false;
    if (this.ann === 'hnsw') return true;
    return this.current.size >= HNSW_MIN_DOCUMENTS && hnswUnavailable() === undefined;
  }

  override delete(ids: readonly string[]): void {
    super.delete(ids);
    for (const id of ids) this.graph?.delete(id);
  }

  override clear(): void {
    super.clear();
    this.graph = undefined;
  }

  override save(dir: string): void {
    super.save(dir);
    if (this.graph) this.graph.save(dir);
    else IdGraph.removeFiles(dir);
  }

  override load(dir: string): boolean {
    if (!super.load(dir)) return false;
    this.graph = this.ann !== 'exact' && hnswUnavailable() === undefined ? IdGraph.load(dir, this.fde.outputDim, this.current.rows().ids) : undefined;
    return true;
  }

  get signature(): string {
    return fdeSignature(this.fde.params);
  }

  /** Encodes each document's stored vectors (all its passages together). */
  async add(docs: readonly SideDocument[]): Promise<void> {
    if (docs.length === 0) return;
    const probe: TokenMatrix = { data: new Float32Array(this.fde.dim), rows: 1, dim: this.fde.dim };
    const { documents } = await this.store.scoredVectors(
      probe,
      docs.map((d) => d.id),
    );
    for (const [id, passages] of documents) {
      const vector = this.fde.encodeDocument(allRows(passages, this.fde.dim));
      this.current.add(id, vector);
      this.graph?.set(id, vector);
    }
    // Built here rather than at the first search so the collection's save after this add keeps it.
    this.ensureGraph();
  }

  private ensureGraph(): IdGraph | undefined {
    if (this.graph === undefined && this.usesGraph) {
      const { ids, data } = this.current.rows();
      this.graph = IdGraph.build(this.fde.outputDim, ids, data);
    }
    return this.graph;
  }

  /** The query in the index's stored space (projected when the index projects), encoded, then exact dot products. */
  async search(query: SideQuery, k: number): Promise<ScoredId[]> {
    const encoded = await this.colbert.encodeQuery(query.text);
    if (encoded.rows === 0) return [];
    const { query: stored } = await this.store.scoredVectors(encoded, []);
    const vector = this.fde.encodeQuery(stored);
    // A candidate list is a filter: scan exactly what it names.
    const graph = query.candidates === undefined && this.usesGraph ? this.ensureGraph() : undefined;
    return graph ? graph.search(vector, k) : this.current.search(vector, k, query.candidates);
  }
}

/** A document's passages as one matrix (MUVERA encodes the document, not each passage). */
function allRows(passages: readonly TokenMatrix[], dim: number): TokenMatrix {
  if (passages.length === 1) return passages[0];
  const packed = packMatrices(passages, dim);
  return { data: packed.data, rows: packed.offsets[passages.length], dim };
}
