/**
 * tartan: late-interaction (ColBERT) search for TypeScript and Node.js.
 * The public API is re-exported from here.
 */
export * from './core/errors.js';
export * from './core/tensors.js';
export * from './stores/file/exports.js';
export * from './retrieval/exports.js';
export * from './models/synthetic/index.js';
export * from './stores/postgres/index.js';
export * from './models/hub/hub.js';
export * from './models/types.js';
export * from './models/registry-types.js';
export * from './models/encoders/tokenizer.js';
export * from './models/encoders/colbert-processing.js';
export * from './models/encoders/model-folder.js';
export * from './models/encoders/late-interaction.js';
export * from './models/encoders/dense.js';
export * from './models/encoders/cross-encoder.js';
export * from './models/registry.js';
export * from './models/model-loader.js';
export * from './scoring/index.js';
export * from './lexical/index.js';
export * from './eval/index.js';
export * from './server/app.js';
