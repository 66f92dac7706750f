/**
 * The MUVERA side index: one fixed-dimensional encoding (FDE) per document, built from the
 * vectors the ColBERT index scores with (its stored, possibly projected and compressed vectors),
 * searched by exact dot product, so `muvera>colbert` is the MUVERA paper's retrieval: FDE
 * candidates, then MaxSim. Saved as `muvera/dense.bin`; the FDE parameters are its signature, so
 * other parameters rebuild it from the index.
 */
import { ErrorCodes, TartanError } from '../core/errors.js';
import { packMatrices, type TokenMatrix } from '../core/tensors.js';
import { FdeEncoder, parseFdeParams, type FdeParams } from '../representations/fde.js';
import { canExplain, type Explainable } from '../stores/capabilities.js';
import type { VectorStore } from '../stores/types.js';
import { VectorSide } from './vector-side.js';
import type { ScoredId } from './fusion.js';
import type { Index } from './index-facade.js';
import type { SideDocument, SideIndex, SideQuery } from './side-index.js';

/** The FDE parameters in the form `parseFdeParams` reads and the signature records. */
export function fdeSignature(p: FdeParams): string {
  return `k_sim=${p.kSim},dim_proj=${p.dimProj},r_reps=${p.rReps},seed=${p.seed}`;
}

export class MuveraSide extends VectorSide implements SideIndex {
  readonly name = 'muvera';

  private constructor(
    private readonly colbert: Index,
    private readonly store: VectorStore & Explainable,
    private readonly fde: FdeEncoder,
  ) {
    super(fde.outputDim);
  }

  /**
   * A MUVERA side index over `index`, with FDE parameters `params` (fastembed's names, e.g.
   * `k_sim=4,dim_proj=8`; '' for the defaults).
   * @example const c = await Collection.open('./idx', { muvera: 'k_sim=5,dim_proj=16,r_reps=20' }); await c.search(q, { pipeline: 'muvera>colbert' });
   */
  static async open(index: Index, params = ''): Promise<MuveraSide> {
    const store = index.store;
    const { kind, dim } = await store.info();
    if (!canExplain(store))
      throw new TartanError(ErrorCodes.INVALID_ARGUMENT, `a ${kind} index cannot hand out its vectors, which MUVERA encodes; use a folder index`);
    return new MuveraSide(index, store, new FdeEncoder(dim, parseFdeParams(params)));
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
    for (const [id, passages] of documents) this.current.add(id, this.fde.encodeDocument(allRows(passages, this.fde.dim)));
  }

  /** The query in the index's stored space (projected when the index projects), encoded, then exact dot products. */
  async search(query: SideQuery, k: number): Promise<ScoredId[]> {
    const encoded = await this.colbert.encodeQuery(query.text);
    if (encoded.rows === 0) return [];
    const { query: stored } = await this.store.scoredVectors(encoded, []);
    return this.current.search(this.fde.encodeQuery(stored), k, query.candidates);
  }
}

/** A document's passages as one matrix (MUVERA encodes the document, not each passage). */
function allRows(passages: readonly TokenMatrix[], dim: number): TokenMatrix {
  if (passages.length === 1) return passages[0];
  const packed = packMatrices(passages, dim);
  return { data: packed.data, rows: packed.offsets[passages.length], dim };
}
