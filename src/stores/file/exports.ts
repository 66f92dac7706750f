/** The public API of the embedded index, re-exported from the package root. */
export { Index } from '../../retrieval/index-facade.js';
export type { IndexCreateOptions, IndexAddOptions } from '../../retrieval/index-facade.js';
export { toTokenMatrix } from '../../retrieval/vector-input.js';
export type { VectorDocumentInput, VectorsInput } from '../../retrieval/vector-input.js';
export { PlaidStore } from './plaid-store.js';
export { FlatStore } from './flat-store.js';
export { FileStore, DEFAULT_SETTINGS } from './file-store.js';
export type { CreateStoreOptions } from './file-store.js';
export { openFileStore, openStore } from '../open.js';
export type { IndexSettings, Manifest } from './manifest.js';
export { indexCollection, searchCollection, collectionDir } from '../../retrieval/named-collections.js';
export { checkIndex } from './check.js';
export type { CheckReport, CheckProblem } from './check.js';
