/**
 * tartan: late-interaction (ColBERT) search for TypeScript and Node.js.
 * The public API is re-exported from here.
 */
export * from './errors.js';
export * from './tensors.js';
export * from './models/synthetic/index.js';
export * from './stores/postgres/index.js';
export * from './models/hub.js';
