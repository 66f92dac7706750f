/**
 * The BM25 side index: a {@link Bm25Index} over the documents' texts, saved as
 * `bm25/bm25.bin`. It also serves document frequencies, so the lexical ColBERT
 * model can weight query terms by IDF over the same texts.
 */
import { Bm25Index, type Bm25Params } from '../lexical/bm25.js';
import { hasBm25, loadBm25, saveBm25 } from '../lexical/bm25-file.js';
import type { DocumentFrequencySource } from '../lexical/lexical-colbert.js';
import type { ScoredId } from './fusion.js';
import type { SideDocument, SideIndex, SideQuery } from './side-index.js';

export class Bm25Side implements SideIndex, DocumentFrequencySource {
  readonly name = 'bm25';
  readonly signature: string;
  private current: Bm25Index;

  /** An empty BM25 side index; parameters other than the defaults are part of its signature. */
  constructor(private readonly params: Bm25Params = {}) {
    this.current = new Bm25Index(params);
    this.signature = params.k1 === undefined && params.b === undefined ? '' : `k1=${this.current.k1},b=${this.current.b}`;
  }

  /** The index behind it (replaced by {@link clear} and {@link load}). */
  get index(): Bm25Index {
    return this.current;
  }

  get size(): number {
    return this.current.size;
  }

  documentFrequency(term: string): number {
    return this.current.documentFrequency(term);
  }

  add(docs: readonly SideDocument[]): void {
    for (const d of docs) this.current.add(d.id, d.text);
  }

  delete(ids: readonly string[]): void {
    for (const id of ids) this.current.delete(id);
  }

  /** BM25 ignores metadata filters. With candidates it ranks every match, then keeps the candidates. */
  search(query: SideQuery, k: number): ScoredId[] {
    if (!query.candidates) return this.current.search(query.text, k);
    const wanted = new Set(query.candidates);
    if (wanted.size === 0 || this.current.size === 0) return [];
    return this.current
      .search(query.text, this.current.size)
      .filter((h) => wanted.has(h.id))
      .slice(0, k);
  }

  clear(): void {
    this.current = new Bm25Index(this.params);
  }

  save(dir: string): void {
    saveBm25(this.current, dir);
  }

  load(dir: string): boolean {
    if (!hasBm25(dir)) return false;
    this.current = loadBm25(dir);
    return true;
  }
}
