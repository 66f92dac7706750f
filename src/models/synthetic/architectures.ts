/**
 * The BERT shapes the synthetic builder knows, at the sizes of the real models
 * they stand in for, so compute and memory costs match the real thing.
 */

/** The shape of a BERT encoder. */
export interface BertArchitecture {
  readonly name: SyntheticArch;
  readonly layers: number;
  readonly hidden: number;
  readonly heads: number;
  readonly intermediate: number;
  readonly vocabSize: number;
  readonly maxPositions: number;
  readonly typeVocabSize: number;
  /** The real models this shape stands in for. */
  readonly standsFor: string;
}

/** Names of the known architectures. */
export type SyntheticArch = 'tiny' | 'bert-small' | 'bert-base' | 'minilm-l6';

/** What the graph ends in: ColBERT projection, raw hidden states, or a cross-encoder score. */
export type SyntheticKind = 'colbert' | 'dense' | 'cross-encoder' | 'backbone';

/** How the folder is laid out: one ONNX graph with everything, or a PyLate backbone plus `1_Dense`. */
export type SyntheticLayout = 'onnx' | 'pylate';

const BERT_VOCAB = 30522; // bert-base-uncased WordPiece vocabulary
const shared = { vocabSize: BERT_VOCAB, maxPositions: 512, typeVocabSize: 2 } as const;

/** Every known architecture by name. */
export const ARCHITECTURES: Readonly<Record<SyntheticArch, BertArchitecture>> = {
  tiny: { name: 'tiny', layers: 2, hidden: 64, heads: 2, intermediate: 128, ...shared, standsFor: 'nothing real: fast tests' },
  'bert-small': {
    name: 'bert-small',
    layers: 12,
    hidden: 384,
    heads: 12,
    intermediate: 1536,
    ...shared,
    standsFor: 'BAAI/bge-small-en-v1.5, answerdotai/answerai-colbert-small-v1',
  },
  'bert-base': { name: 'bert-base', layers: 12, hidden: 768, heads: 12, intermediate: 3072, ...shared, standsFor: 'colbert-ir/colbertv2.0' },
  'minilm-l6': { name: 'minilm-l6', layers: 6, hidden: 384, heads: 12, intermediate: 1536, ...shared, standsFor: 'cross-encoder/ms-marco-MiniLM-L-6-v2' },
};

/** The known kinds and layouts, for argument checking. */
export const SYNTHETIC_KINDS: readonly SyntheticKind[] = ['colbert', 'dense', 'cross-encoder', 'backbone'];
export const SYNTHETIC_LAYOUTS: readonly SyntheticLayout[] = ['onnx', 'pylate'];
