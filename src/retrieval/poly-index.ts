/**
 * A poly-encoder index: the store holds M code vectors per document instead of one vector per
 * token (`Index.create(dir, { representation: 'poly:16' })`, `tartan index --representation poly:16`).
 * The code queries are learned (k-means) from the tokens of the first add and recorded with the
 * representation in `<index folder>/representation.json`; every later add, from text or from
 * vectors, is turned into codes with them. Given a trained poly-encoder's code export (ONNX, see
 * {@link PolyCodeModel}), the index copies it to `<index folder>/poly-codes.onnx` and its codes are
 * used instead. Search, filters, deletes and explanations go through the store unchanged: a
 * query's tokens are scored by MaxSim over the codes.
 */
import { copyFileSync, existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeFileAtomic } from '../core/atomic-file.js';
import { ErrorCodes, TartanError } from '../core/errors.js';
import type { TokenMatrixBatch } from '../core/tensors.js';
import { DEFAULT_TEMPERATURE, learnCodeQueries, MAX_CODES, polyCodesBatch, polyCodesOf } from '../representations/poly.js';
import { PolyCodeModel } from '../models/encoders/poly-code-model.js';

const FILE = 'representation.json';
/** The poly-encoder code export, copied into the index folder so the index is whole on its own. */
const MODEL_FILE = 'poly-codes.onnx';

/**
 * What `representation` may be at creation: the token index, or M poly-encoder codes per document,
 * learned (k-means code queries) or, with `model`, from a trained poly-encoder's ONNX code export
 * (M is then the export's; `codes`, when given, must match it).
 */
export type IndexRepresentation = 'colbert' | `poly:${number}` | { kind: 'colbert' } | { kind: 'poly'; codes?: number; temperature?: number; model?: string };

interface Recorded {
  kind: 'poly';
  codes: number;
  temperature: number;
  dim: number;
  /** M x dim code queries, learned by the first add with tokens; absent before it and with a model. */
  queries?: number[];
  /** The code export's file in the index folder, when the codes come from a trained poly-encoder. */
  model?: string;
}

/** A poly representation as given at creation. */
export interface PolyRequest {
  /** M; undefined when a model gives it. */
  codes?: number;
  temperature: number;
  model?: string;
}

/** Parses the creation option; undefined for the token index. */
export function parseIndexRepresentation(r: IndexRepresentation | undefined): PolyRequest | undefined {
  if (r === undefined || r === 'colbert' || (typeof r === 'object' && r?.kind === 'colbert')) return undefined;
  const object = typeof r === 'object' && r?.kind === 'poly' ? r : undefined;
  const model = object?.model;
  const codes = typeof r === 'string' ? (polyCodesOf(r) ?? NaN) : object ? (object.codes ?? (model !== undefined ? undefined : NaN)) : NaN;
  const temperature = object?.temperature ?? DEFAULT_TEMPERATURE;
  const badCodes = codes !== undefined && (!Number.isInteger(codes) || codes < 1 || codes > MAX_CODES);
  if (badCodes || !(temperature > 0) || !Number.isFinite(temperature) || (model !== undefined && (typeof model !== 'string' || model === '')))
    throw new TartanError(
      ErrorCodes.INVALID_ARGUMENT,
      `representation must be 'colbert' or 'poly:<M>' with M from 1 to ${MAX_CODES} (or { kind: 'poly', codes, temperature > 0, model: 'codes.onnx' }), got ${JSON.stringify(r)}`,
    );
  return { codes, temperature, ...(model !== undefined ? { model } : {}) };
}

export class PolyIndex {
  /** The recorded code queries as the codes use them (converted once, not at every add). */
  private queries: Float32Array | undefined;
  /** The code export, loaded at the first add. */
  private model: Promise<PolyCodeModel> | undefined;

  private constructor(
    private readonly dir: string,
    private state: Recorded,
  ) {
    this.queries = state.queries ? Float32Array.from(state.queries) : undefined;
  }

  /**
   * Checks a request before anything is written: a `model` is loaded once to check it against
   * `dim` and read M (which `codes`, when given, must match).
   */
  static async resolve(request: PolyRequest, dim: number): Promise<PolyRequest & { codes: number }> {
    if (request.model === undefined) return { ...request, codes: request.codes! };
    const model = await PolyCodeModel.load(request.model, dim);
    await model.release();
    if (request.codes !== undefined && request.codes !== model.codes)
      throw new TartanError(
        ErrorCodes.INVALID_ARGUMENT,
        `the poly-encoder export ${request.model} gives ${model.codes} codes per document, not the ${request.codes} asked for; leave codes out or give ${model.codes}`,
      );
    return { ...request, codes: model.codes };
  }

  /** Records a new poly representation in `dir` (a request checked by {@link resolve}; its model is copied in). */
  static create(dir: string, dim: number, request: PolyRequest & { codes: number }): PolyIndex {
    if (request.model !== undefined) copyFileSync(request.model, join(dir, MODEL_FILE));
    const p = new PolyIndex(dir, {
      kind: 'poly',
      codes: request.codes,
      temperature: request.temperature,
      dim,
      ...(request.model !== undefined ? { model: MODEL_FILE } : {}),
    });
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
      (r.model === undefined || r.model === MODEL_FILE) &&
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

  /** Where the codes come from, as `tartan info` shows it: `k-means code queries` or the export's file in the index. */
  get source(): string {
    return this.state.model !== undefined ? join(this.dir, this.state.model) : 'k-means code queries';
  }

  /** The documents' codes (M rows each): from the export, or with code queries that the first call learns and records. */
  async represent(batch: TokenMatrixBatch): Promise<TokenMatrixBatch> {
    const n = batch.offsets.length - 1;
    for (let i = 0; i < n; i++)
      if (batch.offsets[i + 1] === batch.offsets[i])
        throw new TartanError(ErrorCodes.EMPTY_TEXT, `document ${i} of this add has no token vectors; a poly index needs at least one per document`);
    if (this.state.model !== undefined) {
      this.model ??= PolyCodeModel.load(join(this.dir, this.state.model), this.state.dim);
      return (await this.model).represent(batch);
    }
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

  /** Frees the export's session, if one was loaded. */
  async close(): Promise<void> {
    const model = this.model;
    this.model = undefined;
    if (model) await (await model).release();
  }

  private save(): void {
    writeFileAtomic(join(this.dir, FILE), [JSON.stringify(this.state)]);
  }
}
