/**
 * Bounded top-k selection with a binary min-heap over packed arrays: O(n log k)
 * instead of sorting every candidate. Ties are ordered like trec_eval orders a
 * run (score descending, then document id descending), so a top-k cut keeps
 * exactly the documents trec_eval would rank first.
 */
import { ErrorCodes, TartanError, describeValue } from '../core/errors.js';

/** The selected items, best first. */
export interface TopKResult {
  readonly ordinals: Uint32Array;
  readonly scores: Float32Array;
}

/**
 * Keeps the k best (ordinal, score) pairs pushed into it.
 *
 * @example
 * ```ts
 * const top = new TopK(10, (o) => ids[o]);
 * for (let o = 0; o < scores.length; o++) top.push(o, scores[o]);
 * const { ordinals, scores: best } = top.drain();
 * ```
 */
export class TopK {
  private readonly ordinals: Uint32Array;
  private readonly scores: Float32Array;
  private size = 0;

  /** `idOf` gives the external id used to break score ties. */
  constructor(
    readonly k: number,
    private readonly idOf: (ordinal: number) => string,
  ) {
    if (!Number.isInteger(k) || k < 0) throw new TartanError(ErrorCodes.INVALID_ARGUMENT, `k must be a non-negative integer, got ${describeValue(k)}`);
    this.ordinals = new Uint32Array(k);
    this.scores = new Float32Array(k);
  }

  /** True when (sa, a) ranks below (sb, b). */
  private worse(sa: number, a: number, sb: number, b: number): boolean {
    if (sa !== sb) return sa < sb;
    return this.idOf(a) < this.idOf(b);
  }

  /** Offers one candidate. The score is rounded to float32, as the kept scores are. */
  push(ordinal: number, score: number): void {
    if (this.k === 0) return;
    const s = Math.fround(score);
    if (this.size < this.k) {
      let i = this.size++;
      while (i > 0) {
        const parent = (i - 1) >> 1;
        if (!this.worse(s, ordinal, this.scores[parent], this.ordinals[parent])) break;
        this.ordinals[i] = this.ordinals[parent];
        this.scores[i] = this.scores[parent];
        i = parent;
      }
      this.ordinals[i] = ordinal;
      this.scores[i] = s;
      return;
    }
    if (!this.worse(this.scores[0], this.ordinals[0], s, ordinal)) return;
    this.siftDown(ordinal, s, this.size);
  }

  /** Places (ordinal, s) at the root and restores the heap over the first n slots. */
  private siftDown(ordinal: number, s: number, n: number): void {
    let i = 0;
    for (;;) {
      const left = 2 * i + 1;
      if (left >= n) break;
      const right = left + 1;
      let child = left;
      if (right < n && this.worse(this.scores[right], this.ordinals[right], this.scores[left], this.ordinals[left])) child = right;
      if (!this.worse(this.scores[child], this.ordinals[child], s, ordinal)) break;
      this.ordinals[i] = this.ordinals[child];
      this.scores[i] = this.scores[child];
      i = child;
    }
    this.ordinals[i] = ordinal;
    this.scores[i] = s;
  }

  /** Returns the kept items best first and empties the selector. */
  drain(): TopKResult {
    const n = this.size;
    const ordinals = new Uint32Array(n);
    const scores = new Float32Array(n);
    // pop the worst repeatedly, filling the output from the back
    for (let end = n; end > 0; end--) {
      ordinals[end - 1] = this.ordinals[0];
      scores[end - 1] = this.scores[0];
      const lastOrdinal = this.ordinals[end - 1];
      const lastScore = this.scores[end - 1];
      if (end - 1 > 0) this.siftDown(lastOrdinal, lastScore, end - 1);
    }
    this.size = 0;
    return { ordinals, scores };
  }
}
