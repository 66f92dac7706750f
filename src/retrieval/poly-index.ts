/**
 * A poly-encoder index: the store holds M code vectors per document instead of one vector per
 * token (`Index.create(dir, { representation: 'poly:16' })`, `tartan index --representation poly:16`).
 * The code queries are learned (k-means) from the tokens of the first add and recorded with the
 * representation in `<index folder>/representation.json`; every later add, from text or from
 * vectors, is turned into codes with them. Search, filters, deletes and explanations go through the
 * store unchanged: a query's tokens are scored by MaxSim over the codes.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeFileAtomic } from '../core/atomic-file.js';
import { ErrorCodes, TartanError } from '../core/errors.js';
import type { TokenMatrixBatch } from '../core/tensors.js';
import { DEFAULT_TEMPERATURE, learnCodeQueries, MAX_CODES, polyCodesBatch, polyCodesOf } from '../representations/poly.js';

const FILE = 'representation.json';

/** What `representation` may be at creation: the token index, or M poly-encoder codes per document. */
export type IndexRepresentation = 'colbert' | `poly:${number}` | { kind: 'colbert' } | { kind: 'poly'; codes: number; temperature?: number };

interface Recorded {
  kind: 'poly';
  codes: number;
  temperature: number;
  dim: number;
  /** M x dim code queries, learned by the first add with tokens; absent before it. */
  queries?: number[];
}

/** Parses the creation option; undefined for the token index. */
export function parseIndexRepresentation(r: IndexRepresentation | undefined): { codes: number; temperature: number } | undefined {
  if (r === undefined || r === 'colbert' || (typeof r === 'object' && r?.kind === 'colbert')) return undefined;
  const codes = typeof r === 'string' ? (polyCodesOf(r) ?? NaN) : r?.kind === 'poly' ? r.codes : NaN;
  const temperature = typeof r === 'object' && r?.kind === 'poly' && r.temperature !== undefined ? r.temperature : DEFAULT_TEMPERATURE;
  if (!Number.isInteger(codes) || codes < 1 || codes > MAX_CODES || !(temperature > 0) || !Number.isFinite(temperature))
    throw new TartanError(
      ErrorCodes.INVALID_ARGUMENT,
      `representation must be 'colbert' or 'poly:<M>' with M from 1 to ${MAX_CODES} (or { kind: 'poly', codes, temperature > 0 }), got ${JSON.stringify(r)}`,
    );
  return { codes, temperature };
}

export class PolyIndex {
  /** The recorded code queries as the codes use them (converted once, not at every add). */
  private queries: Float32Array | undefined;

  private constructor(
    private readonly dir: string,
    private state: Recorded,
  ) {
    this.queries = state.queries ? Float32Array.from(state.queries) : undefined;
  }

  /** Records a new poly representation in `dir` (the code queries come with the first add). */
  static create(dir: string, dim: number, codes: number, temperature: number): PolyIndex {
    const p = new PolyIndex(dir, { kind: 'poly', codes, temperature, dim });
    p.save();
    return p;
  }

  /** The representation recorded in `dir`, or undefined for a token index. */
  static read(dir: string): PolyIndex | undefined {
    const path = join(dir, FILE);
    if (!existsSync(path)) return undefined;
    let r: Recorded;
    try {
      r = JSON.parse(readFileSync(path, 'utf8')) as Recorded;
    } catch (e) {
      throw new TartanError(ErrorCodes.INDEX_CORRUPT, `${path} is not valid JSON (${(e as Error).message}); restore it from a backup or rebuild the index`);
    }
    const ok =
      r?.kind === 'poly' &&
      Number.isInteger(r.codes) &&
      Number.isInteger(r.dim) &&
      r.temperature > 0 &&
      (r.queries === undefined || (Array.isArray(r.queries) && r.queries.length === r.codes * r.dim && r.queries.every(Number.isFinite)));
    if (!ok)
      throw new TartanError(
        ErrorCodes.INDEX_CORRUPT,
        `${path} does not describe a poly representation (kind, codes, dim, temperature, queries); rebuild the index`,
      );
    return new PolyIndex(dir, r);
  }

  /** `poly:<M>`, as the option and `tartan info` write it. */
  get name(): string {
    return `poly:${this.state.codes}`;
  }

  get codes(): number {
    return this.state.codes;
  }

  /** The documents' codes (M rows each); the first call with tokens learns and records the code queries. */
  represent(batch: TokenMatrixBatch): TokenMatrixBatch {
    const n = batch.offsets.length - 1;
    for (let i = 0; i < n; i++)
      if (batch.offsets[i + 1] === batch.offsets[i])
        throw new TartanError(ErrorCodes.EMPTY_TEXT, `document ${i} of this add has no token vectors; a poly index needs at least one per document`);
    if (!this.queries) {
      const tokens = batch.offsets[n];
      if (tokens < this.state.codes)
        throw new TartanError(
          ErrorCodes.INVALID_ARGUMENT,
          `the first add to a poly:${this.state.codes} index holds ${tokens} tokens; it needs at least ${this.state.codes} to learn the code queries`,
        );
      this.queries = learnCodeQueries(batch.data.subarray(0, tokens * batch.dim), batch.dim, this.state.codes);
      this.state = { ...this.state, queries: Array.from(this.queries) };
      this.save();
    }
    return polyCodesBatch(batch, this.queries, this.state.temperature);
  }

  private save(): void {
    writeFileAtomic(join(this.dir, FILE), [JSON.stringify(this.state)]);
  }
}
