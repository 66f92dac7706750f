/** GET /api/health: liveness, version, served indexes and the configured models (the web page reads it). */
import type { FastifyInstance } from 'fastify';
import { version } from '../../core/version.js';
import type { ServerContext } from '../context.js';

export function registerHealthRoutes(app: FastifyInstance, ctx: ServerContext): void {
  app.get(
    '/api/health',
    {
      schema: {
        summary: 'Liveness, version, indexes and configured models',
        tags: ['health'],
        response: {
          200: {
            type: 'object',
            properties: {
              status: { type: 'string' },
              version: { type: 'string' },
              indexes: { type: 'array', items: { type: 'string' } },
              writesNeedKey: { type: 'boolean' },
              models: {
                type: 'object',
                properties: {
                  indexModel: { type: 'string' },
                  colbert: { type: ['string', 'null'] },
                  dense: { type: ['string', 'null'] },
                  crossEncoder: { type: ['string', 'null'] },
                },
              },
            },
          },
        },
      },
    },
    async () => ({
      status: 'ok',
      version,
      indexes: ctx.registry.names(),
      writesNeedKey: ctx.apiKey !== undefined,
      models: {
        indexModel: ctx.models.indexModel,
        colbert: ctx.models.colbert ?? null,
        dense: ctx.models.dense ?? null,
        crossEncoder: ctx.models.crossEncoder ?? null,
      },
    }),
  );
}
