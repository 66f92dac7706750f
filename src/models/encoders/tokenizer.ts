/**
 * A model's tokenizer, loaded from its `tokenizer.json` with the pure-JS
 * `@huggingface/tokenizers`. It encodes to ids and token strings, finds the
 * special tokens a model needs (CLS/SEP template, mask, pad) and, on request,
 * the character offsets of each token in the original text (for explanations).
 *
 * @example
 * ```ts
 * const tok = await ModelTokenizer.load('/models/colbertv2.0');
 * const { ids, tokens } = tok.encode('What is Qdrant?'); // [CLS] what is q ##dran ##t ? [SEP]
 * ```
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Tokenizer } from '@huggingface/tokenizers';
import { ErrorCodes, TartanError } from '../../core/errors.js';

/** Ids and token strings of one encoded text. */
export interface EncodedText {
  ids: number[];
  tokens: string[];
}

/** An encoded (query, document) pair for a cross-encoder. */
export interface EncodedPair extends EncodedText {
  typeIds: number[];
}

/** Where a token came from in the input text: `[start, end)` in UTF-16 units, or null for special tokens. */
export type TokenOffset = readonly [number, number] | null;

interface TokenizerJson {
  padding?: { pad_id?: number; pad_token?: string } | null;
  truncation?: { max_length?: number } | null;
  model?: { continuing_subword_prefix?: string; type?: string };
  normalizer?: { type?: string; lowercase?: boolean; strip_accents?: boolean | null } | null;
}

interface TokenizerConfigJson {
  model_max_length?: number;
  mask_token?: string | { content?: string };
  pad_token?: string | { content?: string };
  [key: string]: unknown;
}

function tokenContent(value: string | { content?: string } | undefined): string | undefined {
  return typeof value === 'string' ? value : value?.content;
}

/** The special tokens wrapped around a single sequence and a pair (e.g. `[CLS] A [SEP]`, `[CLS] A [SEP] B [SEP]`). */
interface Template {
  prefix: number[];
  suffix: number[];
  pairPrefix: number[];
  pairMiddle: number[];
  pairSuffix: number[];
  pairPrefixTypes: number[];
  pairMiddleTypes: number[];
  pairSuffixTypes: number[];
  firstTypeId: number;
  secondTypeId: number;
}

/** Tokenizer of a model folder. Immutable after load; safe to share between encoders. */
export class ModelTokenizer {
  /** Largest input the model accepts, from `tokenizer_config.json` (capped at 8192), default 512. */
  readonly modelMaxLength: number;
  /** Id used to pad batches (tokenizer.json `padding.pad_id`, else the pad token, else 0). */
  readonly padId: number;
  /** Id of the mask token (`[MASK]`, `<mask>`), or undefined when the vocabulary has none. */
  readonly maskId: number | undefined;
  private readonly template: Template;
  private readonly subwordPrefix: string;
  private readonly lowercase: boolean;
  private readonly stripAccents: boolean;

  private constructor(
    private readonly inner: Tokenizer,
    json: TokenizerJson,
    config: TokenizerConfigJson,
  ) {
    const max = config.model_max_length;
    this.modelMaxLength = typeof max === 'number' && max > 0 && max <= 8192 ? max : 512;
    const maskToken = tokenContent(config.mask_token) ?? '[MASK]';
    this.maskId = inner.token_to_id(maskToken) ?? inner.token_to_id('<mask>');
    const padToken = tokenContent(config.pad_token) ?? json.padding?.pad_token ?? '[PAD]';
    this.padId = json.padding?.pad_id ?? inner.token_to_id(padToken) ?? inner.token_to_id('<pad>') ?? 0;
    this.subwordPrefix = json.model?.continuing_subword_prefix ?? '##';
    this.lowercase = json.normalizer?.type === 'BertNormalizer' ? json.normalizer.lowercase !== false : false;
    // BertNormalizer strips accents when strip_accents is null and lowercase is on.
    this.stripAccents = json.normalizer?.type === 'BertNormalizer' ? (json.normalizer.strip_accents ?? this.lowercase) === true : false;
    this.template = this.findTemplate();
  }

  /**
   * Loads `tokenizer.json` (required) and `tokenizer_config.json` (optional) from a folder.
   * Throws MODEL_FILES_MISSING when `tokenizer.json` is absent, TOKENIZER when it cannot be parsed.
   */
  static async load(dir: string): Promise<ModelTokenizer> {
    const file = join(dir, 'tokenizer.json');
    if (!existsSync(file)) {
      throw new TartanError(
        ErrorCodes.MODEL_FILES_MISSING,
        `tokenizer.json is missing in ${dir}; copy the model's tokenizer.json into that folder or load the model by its registry id so it is downloaded.`,
        { details: { dir, missing: ['tokenizer.json'] } },
      );
    }
    const configFile = join(dir, 'tokenizer_config.json');
    try {
      const json = JSON.parse(await readFile(file, 'utf8')) as TokenizerJson;
      const config = existsSync(configFile) ? (JSON.parse(await readFile(configFile, 'utf8')) as TokenizerConfigJson) : {};
      // Loaded here rather than at the top: importing tartan should not pay for the tokenizer library.
      const { Tokenizer: HfTokenizer } = await import('@huggingface/tokenizers');
      return new ModelTokenizer(new HfTokenizer(json, config), json, config);
    } catch (err) {
      throw new TartanError(
        ErrorCodes.TOKENIZER,
        `could not load the tokenizer in ${dir}: ${(err as Error).message}; re-download the model's tokenizer.json and tokenizer_config.json.`,
        { cause: err },
      );
    }
  }

  /** Id of a token string, or undefined when it is not in the vocabulary. */
  tokenToId(token: string): number | undefined {
    return this.inner.token_to_id(token);
  }

  /** Token string of an id (empty string for unknown ids). */
  idToToken(id: number): string {
    return this.inner.id_to_token(id) ?? '';
  }

  /** Special ids placed before / after a single sequence (`[CLS]` / `[SEP]` for BERT). */
  get specialPrefix(): readonly number[] {
    return this.template.prefix;
  }
  get specialSuffix(): readonly number[] {
    return this.template.suffix;
  }

  /** Encodes one text; with `addSpecialTokens` (default true) the model's template wraps it. No truncation. */
  encode(text: string, addSpecialTokens = true): EncodedText {
    // The inner tokenizer encodes a number or an object as an empty text: refuse instead.
    if (typeof text !== 'string')
      throw new TartanError(ErrorCodes.NOT_A_STRING, `the tokenizer input is ${text === null ? 'null' : typeof text}, not a string; pass strings only.`);
    if (text.length > MAX_TEXT_CHARS) {
      throw new TartanError(
        ErrorCodes.TEXT_TOO_LONG,
        `the tokenizer input has ${text.length} characters, more than ${MAX_TEXT_CHARS}; split it into passages first.`,
      );
    }
    let e: { ids: number[]; tokens: string[] };
    try {
      e = this.inner.encode(text, { add_special_tokens: addSpecialTokens });
    } catch (err) {
      // A tokenizer.json that loads can still fail on some inputs (a damaged vocabulary or model section).
      throw new TartanError(ErrorCodes.TOKENIZER, `the tokenizer failed on this text (${(err as Error).message}); re-download the model's tokenizer.json.`, {
        cause: err,
      });
    }
    return { ids: e.ids, tokens: e.tokens };
  }

  /**
   * Encodes a (query, document) pair as the model's pair template (`[CLS] q [SEP] d [SEP]`)
   * with token type ids, truncated to `maxLength` tokens by cutting the document first and
   * the query only when the query alone does not fit.
   */
  encodePair(query: string, document: string, maxLength: number): EncodedPair {
    const q = this.encode(query, false);
    const d = this.encode(document, false);
    const t = this.template;
    const specials = t.pairPrefix.length + t.pairMiddle.length + t.pairSuffix.length;
    // NaN would disable truncation and a too-small length would still emit the special tokens.
    if (!Number.isInteger(maxLength) || maxLength < specials + 1) {
      throw new TartanError(
        ErrorCodes.INVALID_ARGUMENT,
        `maxLength must be an integer of at least ${specials + 1} (the pair's special tokens plus one), got ${maxLength}`,
      );
    }
    const budget = maxLength - specials;
    let qLen = q.ids.length;
    let dLen = d.ids.length;
    if (qLen + dLen > budget) {
      dLen = Math.max(0, budget - qLen);
      if (qLen + dLen > budget) qLen = budget;
    }
    const ids = [...t.pairPrefix, ...q.ids.slice(0, qLen), ...t.pairMiddle, ...d.ids.slice(0, dLen), ...t.pairSuffix];
    const typeIds = [
      ...t.pairPrefixTypes,
      ...new Array<number>(qLen).fill(t.firstTypeId),
      ...t.pairMiddleTypes,
      ...new Array<number>(dLen).fill(t.secondTypeId),
      ...t.pairSuffixTypes,
    ];
    return { ids, typeIds, tokens: ids.map((id) => this.idToToken(id)) };
  }

  /**
   * Character offsets of `tokens` (as returned by {@link encode}) in `text`. Special tokens and
   * tokens that cannot be located (e.g. `[UNK]`) get null. Not on the hot path: computed on demand.
   */
  offsets(text: string, tokens: readonly string[]): TokenOffset[] {
    const { normalized, origin } = this.normalizeWithOrigin(text);
    const out: TokenOffset[] = [];
    let cursor = 0;
    for (const token of tokens) {
      if (this.inner.token_to_id(token) !== undefined && this.isSpecialToken(token)) {
        out.push(null);
        continue;
      }
      let piece = token.startsWith(this.subwordPrefix) ? token.slice(this.subwordPrefix.length) : token;
      piece = piece.replace(/^\u2581/, ''); // SentencePiece word-start marker
      const at = piece.length > 0 ? normalized.indexOf(piece, cursor) : -1;
      if (at < 0) {
        out.push(null);
        continue;
      }
      const end = at + piece.length;
      out.push([origin[at], end < origin.length ? origin[end] : text.length]);
      cursor = end;
    }
    return out;
  }

  private isSpecialToken(token: string): boolean {
    return /^\[[A-Za-z0-9_]+\]$/.test(token) || /^<\/?[a-z]+>$/.test(token);
  }

  /** The normalised text and, for each of its UTF-16 units, the index of the source unit. */
  private normalizeWithOrigin(text: string): { normalized: string; origin: number[] } {
    let normalized = '';
    const origin: number[] = [];
    let i = 0;
    for (const ch of text) {
      let n = this.lowercase ? ch.toLowerCase() : ch;
      if (this.stripAccents) n = n.normalize('NFD').replace(/\p{Mn}/gu, '');
      for (let k = 0; k < n.length; k++) origin.push(i);
      normalized += n;
      i += ch.length;
    }
    return { normalized, origin };
  }

  /** Derives the single and pair templates by encoding two one-token texts. */
  private findTemplate(): Template {
    const a = this.inner.encode('a', { add_special_tokens: false }).ids;
    const b = this.inner.encode('b', { add_special_tokens: false }).ids;
    const single = this.inner.encode('a', { add_special_tokens: true }).ids;
    const pos = indexOfRun(single, a, 0);
    const prefix = pos >= 0 ? single.slice(0, pos) : [];
    const suffix = pos >= 0 ? single.slice(pos + a.length) : [];
    const pair = this.inner.encode('a', { text_pair: 'b', add_special_tokens: true, return_token_type_ids: true });
    const types = pair.token_type_ids ?? new Array<number>(pair.ids.length).fill(0);
    const pa = indexOfRun(pair.ids, a, 0);
    const pb = pa >= 0 ? indexOfRun(pair.ids, b, pa + a.length) : -1;
    if (pa < 0 || pb < 0) {
      return {
        prefix,
        suffix,
        pairPrefix: prefix,
        pairMiddle: suffix,
        pairSuffix: suffix,
        pairPrefixTypes: prefix.map(() => 0),
        pairMiddleTypes: suffix.map(() => 0),
        pairSuffixTypes: suffix.map(() => 1),
        firstTypeId: 0,
        secondTypeId: 1,
      };
    }
    return {
      prefix,
      suffix,
      pairPrefix: pair.ids.slice(0, pa),
      pairMiddle: pair.ids.slice(pa + a.length, pb),
      pairSuffix: pair.ids.slice(pb + b.length),
      pairPrefixTypes: types.slice(0, pa),
      pairMiddleTypes: types.slice(pa + a.length, pb),
      pairSuffixTypes: types.slice(pb + b.length),
      firstTypeId: types[pa],
      secondTypeId: types[pb],
    };
  }
}

function indexOfRun(haystack: readonly number[], needle: readonly number[], from: number): number {
  outer: for (let i = from; i + needle.length <= haystack.length; i++) {
    for (let k = 0; k < needle.length; k++) if (haystack[i + k] !== needle[k]) continue outer;
    return i;
  }
  return -1;
}

/** Texts longer than this many characters are refused rather than tokenized (they would only be truncated). */
export const MAX_TEXT_CHARS = 1_000_000;

/**
 * Checks one encoder input: NOT_A_STRING, EMPTY_TEXT (empty or whitespace only) or TEXT_TOO_LONG
 * (over {@link MAX_TEXT_CHARS}). Long-but-normal texts pass and are truncated as the model does.
 */
export function assertText(text: unknown, index?: number): asserts text is string {
  const where = index === undefined ? 'input text' : `input text #${index}`;
  if (typeof text !== 'string') {
    throw new TartanError(ErrorCodes.NOT_A_STRING, `${where} is ${text === null ? 'null' : typeof text}, not a string; pass strings only.`);
  }
  if (text.trim().length === 0) throw new TartanError(ErrorCodes.EMPTY_TEXT, `${where} is empty; remove it or give it some text.`);
  if (text.length > MAX_TEXT_CHARS) {
    throw new TartanError(
      ErrorCodes.TEXT_TOO_LONG,
      `${where} has ${text.length} characters, more than ${MAX_TEXT_CHARS}; split it into passages first (models read at most a few hundred tokens).`,
    );
  }
}
