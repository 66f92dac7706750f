/** GET /metrics: Prometheus text exposition. */
import type { FastifyInstance } from 'fastify';
import type { ServerContext } from '../context.js';

export function registerMetricsRoutes(app: FastifyInstance, ctx: ServerContext): void {
  app.get(
    '/metrics',
    {
      schema: {
        summary: 'Prometheus metrics (text format 0.0.4)',
        tags: ['health'],
        produces: ['text/plain'],
        response: { 200: { type: 'string', description: 'Prometheus text exposition' } },
      },
    },
    async (_request, reply) => reply.type('text/plain; version=0.0.4; charset=utf-8').send(await ctx.metrics.render()),
  );
}
