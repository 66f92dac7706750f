/** The public API of the embedded index, re-exported from the package root. */
export { Index } from './index.js';
export type { IndexCreateOptions, IndexAddOptions } from './index.js';
export { toTokenMatrix } from './vector-input.js';
export type { VectorDocumentInput, VectorsInput } from './vector-input.js';
export { PlaidStore } from './plaid-store.js';
export { FlatStore } from './flat-store.js';
export { FileStore, DEFAULT_SETTINGS } from './file-store.js';
export type { CreateStoreOptions } from './file-store.js';
export { openFileStore, openStore } from './open-store.js';
export type { IndexSettings, Manifest } from './manifest.js';
export { indexCollection, searchCollection, collectionDir } from './collection.js';
export { checkIndex } from './check.js';
export type { CheckReport, CheckProblem } from './check.js';
