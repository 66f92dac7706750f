/** The public API of retrieval pipelines (stages, fusion, presets, collections), re-exported from the package root. */
export { Collection } from './collection.js';
export type { CollectionOptions, CollectionSearchOptions } from './collection.js';
export { Pipeline } from './pipeline.js';
export type { PipelineComponents, PipelineHit, PipelineResult, PipelineSearchOptions } from './pipeline.js';
export { PIPELINE_PRESETS, parsePipeline } from './pipeline-spec.js';
export type { PipelineSpec } from './pipeline-spec.js';
export { DenseIndex } from './dense-index.js';
export { reciprocalRankFusion, normalizedScoreFusion } from './fusion.js';
export type { ScoredId } from './fusion.js';
