/**
 * The models tartan knows by Hugging Face id: files to fetch, output dimension, settings,
 * licence and approximate size. Entries follow fastembed's model lists (same repositories,
 * files and dimensions) and each repository's own settings files.
 *
 * @example
 * ```ts
 * getModelSpec('colbert-ir/colbertv2.0').dim; // 128
 * defaultModel('dense').id;                  // 'BAAI/bge-small-en-v1.5'
 * ```
 */
import { ErrorCodes, TartanError } from '../core/errors.js';
import { closestName } from '../core/did-you-mean.js';
import type { ColbertSettings, ModelSpec } from './registry-types.js';
import type { ModelKind } from './types.js';
import { DEFAULT_SKIPLIST } from './encoders/colbert-processing.js';

const GB = 1024 ** 3;
const TOKENIZER_FILES = ['tokenizer.json', 'tokenizer_config.json', 'special_tokens_map.json', 'config.json'];

/** bert-base-uncased ColBERT settings: [unused0]/[unused1] markers, [MASK] expansion, punctuation skiplist. */
function bertColbert(documentLength: number): ColbertSettings {
  return {
    queryMarkerId: 1,
    documentMarkerId: 2,
    queryLength: 32,
    documentLength,
    attendToExpansionTokens: false,
    skiplistWords: [...DEFAULT_SKIPLIST],
    maskTokenId: 103,
  };
}

const MODELS: readonly ModelSpec[] = [
  {
    id: 'answerdotai/answerai-colbert-small-v1',
    kind: 'colbert',
    description: 'ColBERT, 33M params, 96-d tokens; strong for its size (BERT-small backbone, ONNX export with projection)',
    dim: 96,
    layout: { type: 'onnx', onnxFile: 'vespa_colbert.onnx' },
    // config_sentence_transformers.json is left out: it has come and gone between revisions; the settings are below.
    files: ['vespa_colbert.onnx', ...TOKENIZER_FILES],
    license: 'apache-2.0',
    sizeBytes: Math.round(0.13 * GB),
    maxLength: 512,
    // PyLate settings of the repository: 32-token queries, 300-token documents.
    colbert: bertColbert(300),
    isDefault: true,
  },
  {
    id: 'colbert-ir/colbertv2.0',
    kind: 'colbert',
    description: 'ColBERTv2, 110M params, 128-d tokens (BERT-base); the model of the seed examples',
    dim: 128,
    layout: { type: 'onnx', onnxFile: 'model.onnx' },
    files: ['model.onnx', ...TOKENIZER_FILES],
    license: 'mit',
    sizeBytes: Math.round(0.44 * GB),
    maxLength: 512,
    // fastembed truncates colbertv2.0 documents at the tokenizer limit (512 with the marker).
    colbert: bertColbert(512),
  },
  {
    id: 'jinaai/jina-colbert-v2',
    kind: 'colbert',
    description: 'Jina ColBERT v2, 560M params, multilingual, 128-d tokens, long context (XLM-RoBERTa tokenizer)',
    dim: 128,
    layout: { type: 'onnx', onnxFile: 'onnx/model.onnx' },
    files: ['onnx/model.onnx', 'onnx/model.onnx_data', ...TOKENIZER_FILES],
    license: 'cc-by-nc-4.0',
    sizeBytes: Math.round(2.24 * GB),
    maxLength: 8192,
    // fastembed's JinaColbert: markers 250002/250003, <mask> (250001) expansion, queries attend to it.
    colbert: {
      queryMarkerId: 250002,
      documentMarkerId: 250003,
      queryLength: 32,
      documentLength: 8192,
      attendToExpansionTokens: true,
      skiplistWords: [...DEFAULT_SKIPLIST],
      maskTokenId: 250001,
    },
  },
  {
    id: 'mixedbread-ai/mxbai-edge-colbert-v0-17m',
    kind: 'colbert',
    description: 'mxbai edge ColBERT, 17M params, 48-d tokens, ModernBERT (Ettin) backbone, PyLate repository',
    dim: 48,
    layout: { type: 'pylate', onnxFile: 'onnx/model.onnx', denseFile: '1_Dense/model.safetensors' },
    files: ['onnx/model.onnx', '1_Dense/model.safetensors', '1_Dense/config.json', 'modules.json', 'config_sentence_transformers.json', ...TOKENIZER_FILES],
    license: 'apache-2.0',
    sizeBytes: Math.round(0.07 * GB),
    maxLength: 8192,
    colbert: bertColbert(300),
    unsupported:
      'the repository is a PyTorch PyLate checkpoint (ModernBERT backbone, multi-layer projection) without a verified ONNX backbone export; export the backbone with optimum to onnx/model.onnx and load the folder by path',
  },
  {
    id: 'BAAI/bge-small-en-v1.5',
    kind: 'dense',
    description: 'BGE small English v1.5, 33M params, 384-d, CLS pooling, normalised',
    dim: 384,
    layout: { type: 'onnx', onnxFile: 'onnx/model.onnx' },
    files: ['onnx/model.onnx', ...TOKENIZER_FILES],
    license: 'mit',
    sizeBytes: Math.round(0.13 * GB),
    maxLength: 512,
    pooling: 'cls',
    normalize: true,
    isDefault: true,
  },
  {
    id: 'Xenova/ms-marco-MiniLM-L-6-v2',
    kind: 'cross-encoder',
    description: 'MS MARCO MiniLM-L-6 cross-encoder, 22M params; raw logit relevance scores',
    dim: 1,
    layout: { type: 'onnx', onnxFile: 'onnx/model.onnx' },
    files: ['onnx/model.onnx', ...TOKENIZER_FILES],
    license: 'apache-2.0',
    sizeBytes: Math.round(0.09 * GB),
    maxLength: 512,
    isDefault: true,
  },
];

/** Every known model, in registry order (defaults first within each kind). */
export function listModels(kind?: ModelKind): ModelSpec[] {
  return MODELS.filter((m) => kind === undefined || m.kind === kind).map(cloneSpec);
}

/**
 * The built-in lexical ColBERT model (src/lexical): no registry entry and no files, the one model that
 * works offline; `--model` and `Index.create` accept it (and `lexical:<dim>`), so unknown-model errors name it.
 */
export const LEXICAL_MODEL_ID = 'lexical';

/**
 * The entry of a known model (ids compare case-insensitively). An unknown id is UNKNOWN_MODEL naming
 * the known models (of `kind` when given; `lexical` among the ColBERT ones) and, for a near miss, the
 * one meant ("did you mean 'lexical'?", by edit distance).
 */
export function getModelSpec(id: string, kind?: ModelKind): ModelSpec {
  const spec = findModelSpec(id);
  if (!spec) throw unknownModel(id, kind);
  return spec;
}

function unknownModel(id: string, kind: ModelKind | undefined): TartanError {
  const ids = MODELS.filter((m) => kind === undefined || m.kind === kind).map((m) => m.id);
  const known = kind === undefined || kind === 'colbert' ? [LEXICAL_MODEL_ID, ...ids] : ids;
  const suggestion = closestName(id, known);
  const listed = known.map((k) => (k === LEXICAL_MODEL_ID ? `${k} (built in, works offline)` : k)).join(', ');
  return new TartanError(
    ErrorCodes.UNKNOWN_MODEL,
    `unknown model '${id}'.${suggestion ? ` Did you mean '${suggestion}'?` : ''} Known ${kind ? `${kind} ` : ''}models: ${listed}. Pass one of these or the path of a local model folder.`,
    { details: { known, ...(suggestion ? { suggestion } : {}) } },
  );
}

/** The entry of a known model, or undefined. */
export function findModelSpec(id: string): ModelSpec | undefined {
  const m = MODELS.find((x) => x.id.toLowerCase() === id.toLowerCase());
  return m ? cloneSpec(m) : undefined;
}

/** The default model of a kind: answerai-colbert-small-v1, bge-small-en-v1.5, ms-marco-MiniLM-L-6-v2. */
export function defaultModel(kind: ModelKind): ModelSpec {
  const m = MODELS.find((x) => x.kind === kind && x.isDefault);
  if (!m) throw new TartanError(ErrorCodes.INTERNAL, `no default model of kind ${kind}; this is a bug in the registry.`);
  return cloneSpec(m);
}

function cloneSpec(m: ModelSpec): ModelSpec {
  return structuredClone(m) as ModelSpec;
}
