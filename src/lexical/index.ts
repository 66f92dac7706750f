/** Public API of the lexical stage: analyser, Porter stemmer, BM25 and the built-in `lexical` model. */
export { ENGLISH_STOPWORDS, EnglishAnalyser, tokenize, type AnalyserOptions } from './analyser.js';
export { porterStem } from './porter-stemmer.js';
export { Bm25Index, type Bm25Hit, type Bm25Params, type Bm25Snapshot } from './bm25.js';
export { BM25_FILE, BM25_FORMAT_VERSION, hasBm25, loadBm25, saveBm25 } from './bm25-file.js';
export { LexicalColbert, type LexicalColbertOptions } from './lexical-colbert.js';
