/** Index resource: list, create, inspect and delete named indexes. */
import type { FastifyInstance } from 'fastify';
import { requireApiKey } from '../auth.js';
import type { ServerContext } from '../context.js';
import { validateIndexName } from '../index-registry.js';
import { indexInfoSchema, indexNameParams, writeSecurity } from './schemas.js';
import { ErrorCodes, TartanError } from '../../core/errors.js';
import { findModelSpec } from '../../models/registry.js';

/**
 * A client may pick the server's own models, a registry ColBERT model or the built-in lexical
 * model; never a filesystem path (that would let any client make the server read folders of
 * its choosing) nor an arbitrary hub repository (a download of the client's choosing).
 */
function checkClientModel(model: string, ctx: ServerContext): void {
  if (model === ctx.models.indexModel || model === ctx.models.colbert) return;
  const lexical = /^lexical(?::(\d{1,4}))?$/.exec(model);
  if (lexical && (lexical[1] === undefined || (Number(lexical[1]) >= 1 && Number(lexical[1]) <= 4096))) return;
  if (findModelSpec(model)?.kind === 'colbert') return;
  throw new TartanError(
    ErrorCodes.INVALID_ARGUMENT,
    `model ${JSON.stringify(model.slice(0, 200))} is not offered by this server; use ${JSON.stringify(ctx.models.indexModel)}, "lexical" or a registry ColBERT model (\`tartan models list\`). Local model folders are chosen by whoever starts the server (--model).`,
  );
}

export function registerIndexRoutes(app: FastifyInstance, ctx: ServerContext): void {
  const guard = requireApiKey(ctx.apiKey);
  const describe = async (name: string) => ({ ...(await ctx.registry.get(name).info()), name, deletable: ctx.registry.isOwned(name) });

  app.get(
    '/api/indexes',
    {
      schema: {
        summary: 'List the served indexes',
        tags: ['indexes'],
        response: { 200: { type: 'object', properties: { indexes: { type: 'array', items: indexInfoSchema } } } },
      },
    },
    async () => ({ indexes: await Promise.all(ctx.registry.names().map(describe)) }),
  );

  app.post<{ Body: { name: string; model?: string; nbits?: number } }>(
    '/api/indexes',
    {
      onRequest: guard,
      schema: {
        summary: 'Create an empty index under the data dir',
        tags: ['indexes'],
        security: writeSecurity,
        body: {
          type: 'object',
          required: ['name'],
          additionalProperties: false,
          properties: {
            name: { type: 'string', description: 'index name: 1-64 of a-z, 0-9, _ and -' },
            model: { type: 'string', description: 'ColBERT model id or path (default: the server --model, `lexical` unless set)' },
            nbits: { type: 'integer', enum: [1, 2, 4, 8], description: 'residual bits per dimension' },
          },
        },
        response: { 201: indexInfoSchema },
      },
    },
    async (request, reply) => {
      const { name, model, nbits } = request.body;
      validateIndexName(name);
      if (model !== undefined) checkClientModel(model, ctx);
      await ctx.registry.create(name, { model: model ?? ctx.models.indexModel, ...(nbits !== undefined ? { nbits } : {}) });
      return reply.code(201).send(await describe(name));
    },
  );

  app.get<{ Params: { name: string } }>(
    '/api/indexes/:name',
    {
      schema: { summary: 'Describe one index', tags: ['indexes'], params: indexNameParams, response: { 200: indexInfoSchema } },
    },
    async (request) => describe(request.params.name),
  );

  app.delete<{ Params: { name: string } }>(
    '/api/indexes/:name',
    {
      onRequest: guard,
      schema: {
        summary: 'Delete an index created over HTTP (its files too)',
        tags: ['indexes'],
        security: writeSecurity,
        params: indexNameParams,
        response: { 200: { type: 'object', properties: { deleted: { type: 'string' } } } },
      },
    },
    async (request) => {
      await ctx.registry.remove(request.params.name);
      return { deleted: request.params.name };
    },
  );
}
