/** GET /openapi.json: the OpenAPI 3.1 document built from the route schemas. */
import type { FastifyInstance } from 'fastify';
import { version } from '../../core/version.js';
import type { OpenApiCollector } from '../openapi.js';

export function registerOpenApiRoutes(app: FastifyInstance, collector: OpenApiCollector): void {
  app.get(
    '/openapi.json',
    {
      schema: { summary: 'This OpenAPI document', tags: ['health'] },
    },
    async () => collector.document({ title: 'tartan', version }),
  );
}
