/** The shape of an entry in the registry of known models (see registry.ts). */
import type { ModelKind } from './types.js';

/** How a ColBERT model turns text into token inputs; taken from the model's own settings. */
export interface ColbertSettings {
  /** Token id inserted after [CLS] for queries (e.g. 1 = [unused0]). */
  queryMarkerId: number;
  /** Token id inserted after [CLS] for documents (e.g. 2 = [unused1]). */
  documentMarkerId: number;
  /** Query length in tokens, markers included; queries are padded with the mask token to it. */
  queryLength: number;
  /** Documents are truncated to this many tokens. */
  documentLength: number;
  /** Whether the attention mask covers the [MASK] expansion tokens of queries. */
  attendToExpansionTokens: boolean;
  /** Tokens whose document vectors are dropped (punctuation by default). */
  skiplistWords: string[];
  /** Id of the mask token used for query expansion (103 for bert-base-uncased). */
  maskTokenId: number;
}

/** Where the ONNX graph and its settings come from in a model repository. */
export type ModelLayout =
  /** ONNX graph whose output is already the final (projected) token matrix or embedding. */
  | { type: 'onnx'; onnxFile: string }
  /** PyLate / sentence-transformers: ONNX backbone plus 1_Dense projection in safetensors. */
  | { type: 'pylate'; onnxFile: string; denseFile: string };

export interface ModelSpec {
  /** Hugging Face repository id, e.g. 'colbert-ir/colbertv2.0'. */
  id: string;
  kind: ModelKind;
  /** Short description for `tartan models list`. */
  description: string;
  /** Output dimension (per token for ColBERT). */
  dim: number;
  layout: ModelLayout;
  /** Every file to fetch from the repository (ONNX graph, tokenizer, configs). */
  files: string[];
  license: string;
  /** Approximate download size in bytes. */
  sizeBytes: number;
  /** Maximum input length in tokens. */
  maxLength: number;
  colbert?: ColbertSettings;
  /** Dense models: pooling and normalisation. */
  pooling?: 'cls' | 'mean';
  normalize?: boolean;
  /** Set when the model is listed but cannot run here; says why. */
  unsupported?: string;
  /** True for the default model of its kind. */
  isDefault?: boolean;
}
