/**
 * tartan-search: late-interaction (ColBERT) search for TypeScript and Node.js.
 *
 * The root entry point: the embedded index, collections and pipelines, the encoders and their
 * loaders, MaxSim scoring, the lexical stage, errors and tensors. It is a deliberate list:
 * kernels, file formats and other internals stay private. Importing it loads no heavy
 * dependency; onnxruntime-node loads with the first model. Other entry points:
 * `tartan-search/server` (the HTTP server, fastify), `tartan-search/postgres` (the PostgreSQL
 * store, pg) and `tartan-search/eval` (BEIR evaluation).
 *
 * @example
 * ```ts
 * import { Index } from 'tartan-search';
 * const index = await Index.create('./papers', { model: 'lexical' });
 * ```
 */

// Errors and tensors.
export { ErrorCodes, TartanError, isTartanError, type ErrorCode } from './core/errors.js';
export { matrixAt, packMatrices, type TokenMatrix, type TokenMatrixBatch } from './core/tensors.js';

// The index: a model plus a store (a folder, or a postgres:// URL opened through tartan-search/postgres).
export { Index, type IndexCreateOptions, type IndexAddOptions } from './retrieval/index-facade.js';
export { toTokenMatrix, type VectorDocumentInput, type VectorsInput } from './retrieval/vector-input.js';
export type { DocumentInput, MetadataFilter, MetadataValue, RangeCondition, SearchHit, StoreInfo, StoreSearchOptions, VectorStore } from './stores/types.js';
export { openFileStore, openStore, dropStore, type DropStoreOptions, type DropStoreResult } from './stores/open.js';
export { DEFAULT_SETTINGS, type CreateStoreOptions } from './stores/file/file-store.js';
export type { IndexSettings } from './stores/file/manifest.js';
export { checkIndex, type CheckReport, type CheckProblem } from './stores/file/check.js';
export { indexCollection, searchCollection, collectionDir } from './retrieval/named-collections.js';

// Collections and pipelines.
export { Collection, type CollectionOptions, type CollectionSearchOptions } from './retrieval/collection.js';
export { Pipeline, type PipelineComponents, type PipelineHit, type PipelineResult, type PipelineSearchOptions } from './retrieval/pipeline.js';
export { PIPELINE_PRESETS, parsePipeline, type PipelineSpec } from './retrieval/pipeline-spec.js';
export { DenseIndex } from './retrieval/dense-index.js';
export { Bm25Side } from './retrieval/bm25-side.js';
export { DenseSide } from './retrieval/dense-side.js';
export type { SideDocument, SideIndex, SideQuery } from './retrieval/side-index.js';
export { normalizedScoreFusion, reciprocalRankFusion, type RrfOptions, type ScoreFusionOptions, type ScoredId } from './retrieval/fusion.js';

// Encoders and their loaders.
export { LateInteractionTextEmbedding } from './models/encoders/late-interaction.js';
export { TextEmbedding } from './models/encoders/dense.js';
export { TextCrossEncoder } from './models/encoders/cross-encoder.js';
export { loadEncoder } from './models/model-loader.js';
export { isLocalModelPath, resolveModelDir, resolveModelFolder, resolveModelInfo, type LoadModelOptions } from './models/resolve-model.js';
export { loadModelFolder, readModelFolder, type LoadFolderOptions, type ModelFolder, type ModelFolderInfo } from './models/encoders/model-folder.js';
export { ModelTokenizer } from './models/encoders/tokenizer.js';
export { ColbertProcessor } from './models/encoders/colbert-processing.js';
export type { Precision, SessionOptions, SessionStats } from './models/runtime/onnx-session.js';
export type { CrossEncoder, DenseEncoder, EmbedOptions, Encoder, LateInteractionEncoder, ModelKind, VectorToken } from './models/types.js';
export { defaultModel, findModelSpec, getModelSpec, listModels } from './models/registry.js';
export type { ColbertSettings, ModelLayout, ModelSpec } from './models/registry-types.js';
export { downloadRepoFiles, ensureModelFiles, type DownloadProgress, type HubOptions } from './models/hub/hub.js';
export { makeSyntheticModel, type SyntheticModelInfo, type SyntheticModelOptions } from './models/synthetic/make-synthetic.js';

// The lexical stage and the built-in `lexical` model.
export { LexicalColbert, type LexicalColbertOptions } from './lexical/lexical-colbert.js';
export { Bm25Index, type Bm25Hit, type Bm25Params } from './lexical/bm25.js';
export { ENGLISH_STOPWORDS, EnglishAnalyser, tokenize, type AnalyserOptions } from './lexical/analyser.js';
export { porterStem } from './lexical/porter-stemmer.js';

// MaxSim scoring and explanations.
export { maxsim, maxsimPair } from './scoring/maxsim.js';
export { nativeStatus, type NativeStatus } from './scoring/maxsim-native.js';
export { explainMaxSim, explainPassages, type ExplainOptions, type Explanation, type PassageExplainOptions, type TokenMatch } from './scoring/explain.js';
export { explainTexts, tokenLabels } from './retrieval/explain-text.js';
export { topK, type TopK } from './scoring/topk.js';
export { floatToHalf, fromFloat16, halfToFloat, toFloat16 } from './scoring/float16.js';
export { dequantizeDocuments, dequantizeRowsInt8, quantizeRowsInt8, toF16Documents, toF32Documents, toI8Documents, type Int8Rows } from './scoring/quantize.js';
export type { F16Documents, F32Documents, I8Documents, MaxSimOptions, MaxSimScores, MaxSimVariant, PackedDocuments } from './scoring/types.js';

// Other multi-vector representations: poly-encoder codes and MUVERA fixed-dimensional encodings.
export { FDE_DEFAULTS, FdeEncoder, fdeDimension, parseFdeParams, type FdeParams } from './representations/fde.js';
export { learnCodeQueries, polyCodes, polyCodesBatch, polyScores, type PolyOptions, type PolyScoring } from './representations/poly.js';
export {
  buildRepresentationSearch,
  representationVariants,
  type EncodingCache,
  type RepresentationSearch,
  type RepresentationSpec,
} from './representations/search.js';
export { PolyCodeModel, polyCodeModelBytes } from './models/encoders/poly-code-model.js';
export { HNSW_DEFAULTS, HnswGraph, hnswUnavailable, type HnswOptions } from './scoring/hnsw-graph.js';
