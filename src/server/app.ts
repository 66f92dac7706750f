/**
 * Builds the fastify app behind `tartan serve`: JSON-schema-validated routes
 * (which also make up the OpenAPI document), bounded bodies and time,
 * API-key-guarded writes, Prometheus metrics and the web page.
 *
 * @example
 * const app = await buildServer({ dataDir: './indexes' });
 * await app.listen({ port: 7700, host: '127.0.0.1' });
 */
import Fastify, { type FastifyInstance } from 'fastify';
import { ErrorCodes, TartanError } from '../core/errors.js';
import { IndexRegistry, parseIndexArg } from './index-registry.js';
import { Metrics } from './metrics.js';
import { OpenApiCollector } from './openapi.js';
import { toHttpError } from './http-errors.js';
import { clientErrorHandler, frameworkErrors, strictJsonBodies } from './transport-errors.js';
import { createDefaultBackend } from './default-backend.js';
import { resolveLimits, type ServerContext, type ServerOptions } from './context.js';
import { registerHealthRoutes } from './routes/health.js';
import { registerIndexRoutes } from './routes/indexes.js';
import { registerDocumentRoutes } from './routes/documents.js';
import { registerSearchRoutes } from './routes/search.js';
import { registerEmbedRoutes } from './routes/embed.js';
import { registerRerankRoutes } from './routes/rerank.js';
import { registerCompareRoutes } from './routes/compare.js';
import { registerMetricsRoutes } from './routes/metrics.js';
import { registerOpenApiRoutes } from './routes/openapi.js';
import { registerWebRoutes } from './routes/web.js';

export type { ServerOptions, ServerLimits, ServerModels } from './context.js';
export type { ServerBackend, ServedIndex, TokenMatchExplanation } from './backend.js';
export { createDefaultBackend } from './default-backend.js';

/** Builds the app and opens the configured indexes; call `listen` on the result, `close` when done. */
export async function buildServer(options: ServerOptions): Promise<FastifyInstance> {
  const limits = resolveLimits(options.limits);
  const app = Fastify({
    logger: options.logger ?? false,
    bodyLimit: limits.bodyLimit,
    requestTimeout: limits.requestTimeoutMs,
    connectionTimeout: limits.requestTimeoutMs,
    // Wrong types must be refused, not silently converted ("5" -> 5).
    ajv: { customOptions: { coerceTypes: false, removeAdditional: false, allErrors: false, allowUnionTypes: true } },
    return503OnClosing: true,
    frameworkErrors,
    clientErrorHandler,
  });
  strictJsonBodies(app, limits.bodyLimit);
  const collector = new OpenApiCollector();
  app.addHook('onRoute', collector.onRoute);

  const backend = options.backend ?? createDefaultBackend(options.models?.dense ? { dense: options.models.dense } : {});
  const registry = new IndexRegistry(backend, options.dataDir);
  const indexModel = options.models?.indexModel ?? 'lexical';
  const ctx: ServerContext = {
    backend,
    registry,
    metrics: new Metrics(),
    limits,
    models: { ...options.models, indexModel, colbert: options.models?.colbert ?? indexModel },
    apiKey: options.apiKey || undefined,
  };
  try {
    for (const arg of options.indexes ?? []) {
      const { name, location } = parseIndexArg(arg);
      await registry.open(name, location);
    }
  } catch (err) {
    // a bad --index must not leave the indexes opened before it locked
    await registry.closeAll();
    await backend.dispose();
    throw err;
  }
  await registry.openDataDir((name, err) => app.log.warn({ err }, `index ${name} under the data dir could not be opened`));

  ctx.metrics.addGauge({
    name: 'tartan_index_documents',
    help: 'Documents per index.',
    collect: async () => Promise.all(registry.names().map(async (n) => ({ labels: { index: n }, value: (await registry.get(n).info()).documents }))),
  });
  ctx.metrics.addGauge({
    name: 'tartan_index_tokens',
    help: 'Stored token vectors per index.',
    collect: async () => Promise.all(registry.names().map(async (n) => ({ labels: { index: n }, value: (await registry.get(n).info()).tokens }))),
  });

  app.addHook('onResponse', async (request, reply) => {
    const route = request.routeOptions.url ?? 'unmatched';
    ctx.metrics.observeRequest(request.method, route, reply.statusCode, reply.elapsedTime / 1000);
  });
  app.setErrorHandler(async (err, request, reply) => {
    const { status, body } = toHttpError(err);
    if (status >= 500 && body.error.code === ErrorCodes.INTERNAL) request.log.error({ err }, 'unhandled error');
    return reply.code(status).type('application/json').send(body);
  });
  app.setNotFoundHandler(async (request, reply) => {
    const err = new TartanError(ErrorCodes.ROUTE_NOT_FOUND, `no route ${request.method} ${request.url.split('?')[0]}; GET /openapi.json lists the routes`);
    return reply.code(404).send({ error: err.toJSON() });
  });
  app.addHook('onClose', async () => {
    await registry.closeAll();
    await backend.dispose();
  });

  registerHealthRoutes(app, ctx);
  registerIndexRoutes(app, ctx);
  registerDocumentRoutes(app, ctx);
  registerSearchRoutes(app, ctx);
  registerEmbedRoutes(app, ctx);
  registerRerankRoutes(app, ctx);
  registerCompareRoutes(app, ctx);
  registerMetricsRoutes(app, ctx);
  registerOpenApiRoutes(app, collector);
  registerWebRoutes(app);
  await app.ready();
  return app;
}
