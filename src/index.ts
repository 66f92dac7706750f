/**
 * tartan: late-interaction (ColBERT) search for TypeScript and Node.js.
 * The public API is re-exported from here.
 */
export * from './errors.js';
export * from './tensors.js';
export * from './index/exports.js';
export * from './retrieval/exports.js';
export * from './models/synthetic/index.js';
export * from './stores/postgres/index.js';
export * from './models/hub.js';
export * from './models/types.js';
export * from './models/registry-types.js';
export * from './models/tokenizer.js';
export * from './models/colbert-processing.js';
export * from './models/model-folder.js';
export * from './models/late-interaction.js';
export * from './models/dense.js';
export * from './models/cross-encoder.js';
export * from './models/registry.js';
export * from './models/model-loader.js';
export * from './scoring/index.js';
export * from './lexical/index.js';
export * from './eval/index.js';
export * from './server/app.js';
