/**
 * The original Porter (1980) suffix-stripping stemmer, with the behaviour of
 * Martin Porter's reference C release (and so of Lucene's `PorterStemFilter`,
 * which Anserini's BM25 baselines use): the departures from the paper that
 * release made are kept on purpose ("-bli" -> "-ble" instead of "-abli" ->
 * "-able", the extra "-logi" -> "-log" rule), because index-compatible stems
 * matter more here than fidelity to the paper's text.
 *
 * Input is expected lowercased. Words of one or two characters are returned
 * unchanged, as in the reference release.
 *
 * @example
 * ```ts
 * porterStem('relational'); // 'relat'
 * porterStem('caresses');   // 'caress'
 * ```
 */
export function porterStem(word: string): string {
  if (word.length <= 2) return word;
  const s = new PorterState(word);
  s.step1ab();
  s.step1c();
  s.step2();
  s.step3();
  s.step4();
  s.step5();
  return s.result();
}

/**
 * Mutable working state for one word: a char buffer `b`, the current end
 * `k` (inclusive) and `j`, the end of the stem left by the last suffix match.
 */
class PorterState {
  private readonly b: string[];
  private k: number;
  private j = 0;

  constructor(word: string) {
    this.b = word.split('');
    this.k = word.length - 1;
  }

  result(): string {
    return this.b.slice(0, this.k + 1).join('');
  }

  /** True when the letter at i is a consonant; 'y' is one at the start or after a vowel. */
  private isConsonant(i: number): boolean {
    const c = this.b[i];
    if (c === 'a' || c === 'e' || c === 'i' || c === 'o' || c === 'u') return false;
    if (c === 'y') return i === 0 ? true : !this.isConsonant(i - 1);
    return true;
  }

  /** Porter's m: the number of vowel-consonant sequences in b[0..j]. */
  private measure(): number {
    let n = 0;
    let i = 0;
    // skip the optional leading consonants
    while (i <= this.j && this.isConsonant(i)) i++;
    while (i <= this.j) {
      while (i <= this.j && !this.isConsonant(i)) i++;
      if (i > this.j) return n;
      n++;
      while (i <= this.j && this.isConsonant(i)) i++;
    }
    return n;
  }

  private stemHasVowel(): boolean {
    for (let i = 0; i <= this.j; i++) if (!this.isConsonant(i)) return true;
    return false;
  }

  /** True when b[i-1..i] is a doubled consonant. */
  private doubleConsonant(i: number): boolean {
    return i >= 1 && this.b[i] === this.b[i - 1] && this.isConsonant(i);
  }

  /** True when b[i-2..i] is consonant-vowel-consonant and b[i] is not w, x or y. */
  private cvc(i: number): boolean {
    if (i < 2 || !this.isConsonant(i) || this.isConsonant(i - 1) || !this.isConsonant(i - 2)) return false;
    const c = this.b[i];
    return c !== 'w' && c !== 'x' && c !== 'y';
  }

  /** True when b[..k] ends with `suffix`; sets j to the index before it. */
  private endsWith(suffix: string): boolean {
    const start = this.k - suffix.length + 1;
    if (start < 0) return false;
    for (let i = 0; i < suffix.length; i++) if (this.b[start + i] !== suffix[i]) return false;
    this.j = start - 1;
    return true;
  }

  /** Replaces b[j+1..k] with `replacement`. */
  private setTo(replacement: string): void {
    for (let i = 0; i < replacement.length; i++) this.b[this.j + 1 + i] = replacement[i];
    this.k = this.j + replacement.length;
  }

  /** Replaces the matched suffix only when the stem's measure is positive. */
  private replaceIfMeasured(replacement: string): void {
    if (this.measure() > 0) this.setTo(replacement);
  }

  /** Step 1a/1b: plurals, -ed and -ing (caresses -> caress, ponies -> poni, agreed -> agree, hopping -> hop). */
  step1ab(): void {
    if (this.b[this.k] === 's') {
      if (this.endsWith('sses')) this.k -= 2;
      else if (this.endsWith('ies')) this.setTo('i');
      else if (this.b[this.k - 1] !== 's') this.k--;
    }
    if (this.endsWith('eed')) {
      if (this.measure() > 0) this.k--;
      return;
    }
    if ((this.endsWith('ed') || this.endsWith('ing')) && this.stemHasVowel()) {
      this.k = this.j;
      if (this.endsWith('at')) this.setTo('ate');
      else if (this.endsWith('bl')) this.setTo('ble');
      else if (this.endsWith('iz')) this.setTo('ize');
      else if (this.doubleConsonant(this.k)) {
        const c = this.b[this.k];
        if (c !== 'l' && c !== 's' && c !== 'z') this.k--;
      } else {
        this.j = this.k;
        if (this.measure() === 1 && this.cvc(this.k)) this.setTo('e');
      }
    }
  }

  /** Step 1c: terminal y -> i when the stem holds a vowel (happy -> happi). */
  step1c(): void {
    if (this.endsWith('y') && this.stemHasVowel()) this.b[this.k] = 'i';
  }

  /** Step 2: double suffixes to single ones (-ational -> -ate, -iveness -> -ive), given m > 0. */
  step2(): void {
    if (this.k === 0) return;
    const rules = STEP2_RULES[this.b[this.k - 1]];
    if (rules) this.applyFirst(rules);
  }

  /** Step 3: -icate, -ative, -alize, -iciti, -ical, -ful, -ness, given m > 0. */
  step3(): void {
    const rules = STEP3_RULES[this.b[this.k]];
    if (rules) this.applyFirst(rules);
  }

  /** Step 4: drops -ant, -ence, -ment, -ion (after s or t), ... when m > 1. */
  step4(): void {
    if (this.k === 0) return;
    const suffixes = STEP4_SUFFIXES[this.b[this.k - 1]];
    if (!suffixes) return;
    let matched = false;
    for (const suffix of suffixes) {
      if (!this.endsWith(suffix)) continue;
      if (suffix === 'ion' && !(this.j >= 0 && (this.b[this.j] === 's' || this.b[this.j] === 't'))) continue;
      matched = true;
      break;
    }
    if (matched && this.measure() > 1) this.k = this.j;
  }

  /** Step 5: drops a final -e when m > 1 (or m = 1 and not cvc), and -ll -> -l when m > 1. */
  step5(): void {
    this.j = this.k;
    if (this.b[this.k] === 'e') {
      const m = this.measure();
      if (m > 1 || (m === 1 && !this.cvc(this.k - 1))) this.k--;
    }
    if (this.b[this.k] === 'l' && this.doubleConsonant(this.k) && this.measure() > 1) this.k--;
  }

  /** Applies the first rule whose suffix matches (the later rules are not tried, even if m = 0). */
  private applyFirst(rules: ReadonlyArray<readonly [string, string]>): void {
    for (const [suffix, replacement] of rules) {
      if (this.endsWith(suffix)) {
        this.replaceIfMeasured(replacement);
        return;
      }
    }
  }
}

/** Step 2 rules keyed by the penultimate letter of the word, in the reference release's order. */
const STEP2_RULES: Record<string, ReadonlyArray<readonly [string, string]>> = {
  a: [
    ['ational', 'ate'],
    ['tional', 'tion'],
  ],
  c: [
    ['enci', 'ence'],
    ['anci', 'ance'],
  ],
  e: [['izer', 'ize']],
  l: [
    ['bli', 'ble'],
    ['alli', 'al'],
    ['entli', 'ent'],
    ['eli', 'e'],
    ['ousli', 'ous'],
  ],
  o: [
    ['ization', 'ize'],
    ['ation', 'ate'],
    ['ator', 'ate'],
  ],
  s: [
    ['alism', 'al'],
    ['iveness', 'ive'],
    ['fulness', 'ful'],
    ['ousness', 'ous'],
  ],
  t: [
    ['aliti', 'al'],
    ['iviti', 'ive'],
    ['biliti', 'ble'],
  ],
  g: [['logi', 'log']],
};

/** Step 3 rules keyed by the last letter of the word. */
const STEP3_RULES: Record<string, ReadonlyArray<readonly [string, string]>> = {
  e: [
    ['icate', 'ic'],
    ['ative', ''],
    ['alize', 'al'],
  ],
  i: [['iciti', 'ic']],
  l: [
    ['ical', 'ic'],
    ['ful', ''],
  ],
  s: [['ness', '']],
};

/** Step 4 suffixes keyed by the penultimate letter of the word. */
const STEP4_SUFFIXES: Record<string, readonly string[]> = {
  a: ['al'],
  c: ['ance', 'ence'],
  e: ['er'],
  i: ['ic'],
  l: ['able', 'ible'],
  n: ['ant', 'ement', 'ment', 'ent'],
  o: ['ion', 'ou'],
  s: ['ism'],
  t: ['ate', 'iti'],
  u: ['ous'],
  v: ['ive'],
  z: ['ize'],
};
