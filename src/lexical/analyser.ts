/**
 * The English analyser used by BM25 and the `lexical` model: an approximation
 * of Anserini's `DefaultEnglishAnalyzer` (Lucene `StandardTokenizer`,
 * `EnglishPossessiveFilter`, `LowerCaseFilter`, `StopFilter` with Lucene's
 * 33 English stopwords, `PorterStemFilter`).
 *
 * Tokenising: a token is a run of Unicode letters, marks, digits and
 * underscores. As in Unicode word segmentation (UAX #29, which Lucene's
 * tokenizer implements) a single `.`, `'` or `’` joins letters on both sides
 * ("u.s", "don't") and a single `.`, `,`, `;`, `'` or `’` joins digits on both
 * sides ("1,000", "3.5"). Unlike Lucene, CJK ideographs are not split into
 * one token per character.
 */
import { porterStem } from './porter-stemmer.js';

/**
 * Lucene's default English stopword set (`EnglishAnalyzer.ENGLISH_STOP_WORDS_SET`),
 * which Anserini's default analyser uses: 33 words.
 */
export const ENGLISH_STOPWORDS: ReadonlySet<string> = new Set([
  'a',
  'an',
  'and',
  'are',
  'as',
  'at',
  'be',
  'but',
  'by',
  'for',
  'if',
  'in',
  'into',
  'is',
  'it',
  'no',
  'not',
  'of',
  'on',
  'or',
  'such',
  'that',
  'the',
  'their',
  'then',
  'there',
  'these',
  'they',
  'this',
  'to',
  'was',
  'will',
  'with',
]);

/** What the analyser does after tokenising. */
export interface AnalyserOptions {
  /** Drop the stopwords in `stopwords`. Default true. */
  removeStopwords?: boolean;
  /** Stopword set (lowercase). Default {@link ENGLISH_STOPWORDS}. */
  stopwords?: ReadonlySet<string>;
  /** Porter-stem every token. Default true. */
  stem?: boolean;
}

/**
 * Matches one token: a run of word characters, optionally joined across single
 * mid-word punctuation as described in the module comment. `u` for Unicode classes.
 */
const TOKEN_PATTERN = /[\p{L}\p{M}\p{N}_]+(?:(?:(?<=\p{L})['’.](?=\p{L})|(?<=\p{N})[.,;'’](?=\p{N}))[\p{L}\p{M}\p{N}_]+)*/gu;

/**
 * Splits text into raw tokens (original case, possessives kept), in order.
 *
 * @example
 * ```ts
 * tokenize("The cell's 1,000 U.S. samples"); // ['The', "cell's", '1,000', 'U.S', 'samples']
 * ```
 */
export function tokenize(text: string): string[] {
  return text.match(TOKEN_PATTERN) ?? [];
}

/**
 * Lowercases, drops possessives and stopwords, and Porter-stems.
 * Terms are cached per analyser because corpora repeat words constantly.
 *
 * @example
 * ```ts
 * const a = new EnglishAnalyser();
 * a.analyse('The running of the experiments'); // ['run', 'experi']
 * ```
 */
export class EnglishAnalyser {
  private readonly removeStopwords: boolean;
  private readonly stopwords: ReadonlySet<string>;
  private readonly stem: boolean;
  /** Raw token -> term (null for stopwords). */
  private readonly termCache = new Map<string, string | null>();
  /** Bounds the cache so an unbounded vocabulary cannot grow memory without limit. */
  private static readonly MAX_CACHE = 500_000;

  constructor(options: AnalyserOptions = {}) {
    this.removeStopwords = options.removeStopwords ?? true;
    this.stopwords = options.stopwords ?? ENGLISH_STOPWORDS;
    this.stem = options.stem ?? true;
  }

  /** The analysed terms of `text`, in order (duplicates kept). */
  analyse(text: string): string[] {
    const out: string[] = [];
    this.forEachTerm(text, (term) => out.push(term));
    return out;
  }

  /**
   * Calls `visit(term, position)` for each analysed term; `position` counts raw
   * tokens, stopwords included, so it points back into {@link tokenize}'s output.
   */
  forEachTerm(text: string, visit: (term: string, position: number) => void): void {
    // matchAll clones the pattern, so nested or concurrent calls cannot share lastIndex.
    let position = 0;
    for (const m of text.matchAll(TOKEN_PATTERN)) {
      const term = this.normalise(m[0]);
      if (term !== null) visit(term, position);
      position++;
    }
  }

  /** One raw token to its term, or null when it is a stopword (or empty after the possessive is dropped). */
  normalise(token: string): string | null {
    // one lookup per token in the common case: corpora repeat raw tokens constantly
    const cached = this.termCache.get(token);
    if (cached !== undefined) return cached;
    const term = this.computeTerm(token);
    if (this.termCache.size < EnglishAnalyser.MAX_CACHE) this.termCache.set(token, term);
    return term;
  }

  private computeTerm(token: string): string | null {
    const lower = stripPossessive(token).toLowerCase();
    if (lower.length === 0) return null;
    if (this.removeStopwords && this.stopwords.has(lower)) return null;
    return this.stem ? porterStem(lower) : lower;
  }
}

/** Drops a trailing 's (straight, curly or fullwidth apostrophe), as Lucene's EnglishPossessiveFilter does. */
function stripPossessive(token: string): string {
  const n = token.length;
  if (n < 2) return token;
  const last = token.charCodeAt(n - 1);
  if (last !== 0x73 && last !== 0x53) return token; // s or S
  const mark = token.charCodeAt(n - 2);
  return mark === 0x27 || mark === 0x2019 || mark === 0xff07 ? token.slice(0, n - 2) : token;
}
