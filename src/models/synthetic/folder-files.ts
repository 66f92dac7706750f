/**
 * The small metadata files of a synthetic model folder, shaped like the files
 * of the real hub repositories (config.json of BertModel, sentence-transformers
 * and PyLate settings, the tartan marker file).
 */
import type { BertArchitecture, SyntheticKind, SyntheticLayout } from './architectures.js';

/** Bumped whenever the graph, the weights or the folder files change, so cached folders are rebuilt. */
export const SYNTHETIC_BUILDER_VERSION = 1;

/** The Hugging Face `config.json` of the encoder. */
export function bertConfig(arch: BertArchitecture, kind: SyntheticKind): Record<string, unknown> {
  const classifier = kind === 'cross-encoder';
  return {
    architectures: [classifier ? 'BertForSequenceClassification' : 'BertModel'],
    attention_probs_dropout_prob: 0.1,
    hidden_act: 'gelu',
    hidden_dropout_prob: 0.1,
    hidden_size: arch.hidden,
    ...(classifier ? { id2label: { '0': 'LABEL_0' }, label2id: { LABEL_0: 0 } } : {}),
    initializer_range: 0.02,
    intermediate_size: arch.intermediate,
    layer_norm_eps: 1e-12,
    max_position_embeddings: arch.maxPositions,
    model_type: 'bert',
    num_attention_heads: arch.heads,
    num_hidden_layers: arch.layers,
    pad_token_id: 0,
    position_embedding_type: 'absolute',
    torch_dtype: 'float32',
    type_vocab_size: arch.typeVocabSize,
    vocab_size: arch.vocabSize,
  };
}

/** Python's `string.punctuation`, PyLate's default skiplist. */
export const PUNCTUATION_SKIPLIST: readonly string[] = [...'!"#$%&\'()*+,-./:;<=>?@[\\]^_`{|}~'];

/** ColBERT processing settings as PyLate writes them in `config_sentence_transformers.json`. */
export function colbertSettings(arch: BertArchitecture): Record<string, unknown> {
  return {
    prompts: {},
    default_prompt_name: null,
    similarity_fn_name: 'MaxSim',
    query_prefix: '[unused0]',
    document_prefix: '[unused1]',
    query_length: 32,
    // colbertv2.0 was trained with 180-token documents; the small models use 300.
    document_length: arch.name === 'bert-base' ? 180 : 300,
    attend_to_expansion_tokens: false,
    skiplist_words: PUNCTUATION_SKIPLIST,
  };
}

/** sentence-transformers `modules.json` of a PyLate model: the transformer, then the `1_Dense` projection. */
export function pylateModules(): unknown[] {
  return [
    { idx: 0, name: '0', path: '', type: 'sentence_transformers.models.Transformer' },
    { idx: 1, name: '1', path: '1_Dense', type: 'pylate.models.Dense.Dense' },
  ];
}

/** sentence-transformers `modules.json` of a bge-style dense model: transformer, CLS pooling, L2 normalisation. */
export function denseModules(): unknown[] {
  return [
    { idx: 0, name: '0', path: '', type: 'sentence_transformers.models.Transformer' },
    { idx: 1, name: '1', path: '1_Pooling', type: 'sentence_transformers.models.Pooling' },
    { idx: 2, name: '2', path: '2_Normalize', type: 'sentence_transformers.models.Normalize' },
  ];
}

/** `1_Pooling/config.json` of bge-small-en-v1.5: CLS pooling. */
export function clsPoolingConfig(hidden: number): Record<string, unknown> {
  return {
    word_embedding_dimension: hidden,
    pooling_mode_cls_token: true,
    pooling_mode_mean_tokens: false,
    pooling_mode_max_tokens: false,
    pooling_mode_mean_sqrt_len_tokens: false,
  };
}

/** `1_Dense/config.json`: a bias-free identity-activation linear layer. */
export function denseConfig(inFeatures: number, outFeatures: number): Record<string, unknown> {
  return { in_features: inFeatures, out_features: outFeatures, bias: false, activation_function: 'torch.nn.modules.linear.Identity' };
}

/** The marker file that tells tests and tools a folder holds a synthetic (random-weight) model. */
export function syntheticMarker(fields: {
  arch: BertArchitecture;
  kind: SyntheticKind;
  layout: SyntheticLayout;
  dim: number;
  seed: number;
  params: number;
  output: string;
  /** Files written besides the marker, relative to the folder. */
  files: string[];
}): Record<string, unknown> {
  const { arch, ...rest } = fields;
  return {
    synthetic: true,
    generator: 'tartan',
    builderVersion: SYNTHETIC_BUILDER_VERSION,
    note: 'random weights at a real architecture size: outputs carry no meaning, compute cost matches the real model',
    ...rest,
    arch: arch.name,
    standsFor: arch.standsFor,
    layers: arch.layers,
    hidden: arch.hidden,
    heads: arch.heads,
    intermediate: arch.intermediate,
  };
}
