/** Server options and the context every route file receives. */
import { MAX_K } from '../core/result-count.js';
import type { ServerBackend } from './backend.js';
import type { IndexRegistry } from './index-registry.js';
import type { Metrics } from './metrics.js';

/** Bounds on request size and work; every one has a default in {@link resolveLimits}. */
export interface ServerLimits {
  /** Largest request body in bytes (default 8 MiB). */
  bodyLimit: number;
  /** Time to receive a whole request, ms (default 30 s). */
  requestTimeoutMs: number;
  /** Time one handler may run (search, embed, ...), ms (default 30 s). Long adds stream progress and are bounded per batch. */
  handlerTimeoutMs: number;
  /** Largest k for search (default and ceiling: MAX_K, the one rule of src/core/result-count.ts). */
  maxK: number;
  /** Most documents in one add request (default 10000). */
  maxBatch: number;
  /** Most texts per embed/rerank/compare request (default 256). */
  maxTexts: number;
  /** Longest single text in characters (default 100000). */
  maxTextChars: number;
  /** Most hits explained per search (default 20). */
  maxExplained: number;
}

export function resolveLimits(partial: Partial<ServerLimits> = {}): ServerLimits {
  return {
    bodyLimit: 8 * 1024 * 1024,
    requestTimeoutMs: 30_000,
    handlerTimeoutMs: 30_000,
    maxK: MAX_K,
    maxBatch: 10_000,
    maxTexts: 256,
    maxTextChars: 100_000,
    maxExplained: 20,
    ...partial,
  };
}

/** Models the server uses for embed, rerank and the compare view. */
export interface ServerModels {
  /** Model of newly created indexes (default `lexical`). */
  indexModel: string;
  /** ColBERT model for /api/embed and the compare view (default: indexModel). */
  colbert?: string;
  dense?: string;
  crossEncoder?: string;
}

export interface ServerOptions {
  /** Index and model access; default: the real one (createDefaultBackend). */
  backend?: ServerBackend;
  /** Where indexes created over HTTP live; without it creation is refused. */
  dataDir?: string;
  /** `name=location` or a location, opened at start. */
  indexes?: string[];
  /** API key required for writes; none means open (bind to loopback). */
  apiKey?: string;
  models?: Partial<ServerModels>;
  limits?: Partial<ServerLimits>;
  /** fastify logger: false (default), true, or pino options. */
  logger?: boolean | Record<string, unknown>;
}

export interface ServerContext {
  backend: ServerBackend;
  registry: IndexRegistry;
  metrics: Metrics;
  limits: ServerLimits;
  models: ServerModels;
  apiKey?: string;
}
