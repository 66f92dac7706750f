/**
 * What the single-vector side indexes share (dense vectors, MUVERA encodings): one vector per
 * document in a {@link DenseIndex} of a fixed dimension, saved as `<dir>/dense.bin`, replaced on
 * clear and load. Subclasses say how a document and a query become vectors.
 */
import { DenseIndex } from './dense-index.js';

export abstract class VectorSide {
  protected current: DenseIndex;

  protected constructor(private readonly vectorDim: number) {
    this.current = new DenseIndex(vectorDim);
  }

  /** The vectors behind it (replaced by {@link clear} and {@link load}). */
  get index(): DenseIndex {
    return this.current;
  }

  delete(ids: readonly string[]): void {
    for (const id of ids) this.current.delete(id);
  }

  clear(): void {
    this.current = new DenseIndex(this.vectorDim);
  }

  save(dir: string): void {
    this.current.save(dir);
  }

  /** False when nothing is saved, or the saved vectors have another dimension (another model or parameters). */
  load(dir: string): boolean {
    if (!DenseIndex.exists(dir)) return false;
    const loaded = DenseIndex.load(dir);
    if (loaded.dim !== this.vectorDim) return false;
    this.current = loaded;
    return true;
  }
}
