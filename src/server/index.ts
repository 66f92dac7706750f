/**
 * The `tartan-search/server` entry point: the HTTP server behind `tartan serve` (fastify), kept
 * out of the root entry so that importing the library does not load fastify.
 *
 * @example
 * ```ts
 * import { buildServer } from 'tartan-search/server';
 * const app = await buildServer({ indexes: ['papers=./papers'], dataDir: './indexes' });
 * await app.listen({ port: 7700, host: '127.0.0.1' });
 * ```
 */
export { buildServer } from './app.js';
export { createDefaultBackend, type BackendModels } from './default-backend.js';
export { resolveLimits, type ServerLimits, type ServerModels, type ServerOptions } from './context.js';
export type { CreateIndexOptions, PipelineSearchHit, ServedIndex, ServedPipeline, ServerBackend, TokenMatchExplanation } from './backend.js';
