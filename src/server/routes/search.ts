/**
 * Search resource: query an index with a pipeline preset, k, a metadata
 * filter and, on request, a token-level explanation of each hit (which query
 * token matched which document token, with the full similarity matrix).
 */
import type { FastifyInstance } from 'fastify';
import { ErrorCodes, TartanError } from '../../errors.js';
import type { MetadataFilter, SearchHit } from '../../stores/types.js';
import type { TokenMatchExplanation } from '../backend.js';
import type { ServerContext } from '../context.js';
import { explainMatch } from '../model-scoring.js';
import { withDeadline } from '../deadline.js';
import { indexNameParams, nonEmptyText } from './schemas.js';
import { explanationSchema } from './explanation-schema.js';

/** Pipelines this server can run. Extend as src/retrieval gains presets. */
export const PIPELINES = ['colbert'] as const;

interface SearchBody {
  query: string;
  k?: number;
  pipeline?: string;
  filter?: MetadataFilter;
  explain?: boolean;
  nprobe?: number;
  ndocs?: number;
}

export function registerSearchRoutes(app: FastifyInstance, ctx: ServerContext): void {
  app.post<{ Params: { name: string }; Body: SearchBody }>('/api/indexes/:name/search', {
    schema: {
      summary: 'Search an index; optionally explain every hit token by token',
      tags: ['search'],
      params: indexNameParams,
      body: {
        type: 'object',
        required: ['query'],
        additionalProperties: false,
        properties: {
          query: { type: 'string', minLength: 1, maxLength: 4096 },
          k: { type: 'integer', minimum: 1, maximum: ctx.limits.maxK, default: 10 },
          pipeline: { type: 'string', description: `one of: ${PIPELINES.join(', ')}`, default: 'colbert' },
          filter: { type: 'object', description: 'metadata filter: {field: value | {$in:[...]} | {$gt,$gte,$lt,$lte}}' },
          explain: { type: 'boolean', default: false, description: `explain up to ${ctx.limits.maxExplained} hits` },
          nprobe: { type: 'integer', minimum: 1, maximum: 1024 },
          ndocs: { type: 'integer', minimum: 1, maximum: 1_000_000 },
        },
      },
      response: {
        200: {
          type: 'object',
          properties: {
            index: { type: 'string' },
            pipeline: { type: 'string' },
            model: { type: 'string' },
            tookMs: { type: 'number' },
            hits: {
              type: 'array',
              items: {
                type: 'object',
                properties: {
                  id: { type: 'string' },
                  rank: { type: 'integer' },
                  score: { type: 'number' },
                  normalizedScore: { type: 'number' },
                  text: { type: 'string' },
                  metadata: { type: 'object', additionalProperties: true },
                  explanation: explanationSchema,
                },
              },
            },
          },
        },
      },
    },
  }, async (request) => {
    const { name } = request.params;
    const body = request.body;
    const pipeline = body.pipeline ?? 'colbert';
    if (!(PIPELINES as readonly string[]).includes(pipeline)) {
      throw new TartanError(ErrorCodes.UNKNOWN_PIPELINE, `unknown pipeline "${pipeline}"; this server runs: ${PIPELINES.join(', ')}`);
    }
    nonEmptyText(body.query, 'query', 4096);
    const index = ctx.registry.get(name);
    const started = performance.now();
    const work = async () => {
      const info = await index.info();
      const hits: SearchHit[] = await index.search(body.query, {
        k: body.k ?? 10,
        ...(body.filter ? { filter: body.filter } : {}),
        ...(body.nprobe ? { nprobe: body.nprobe } : {}),
        ...(body.ndocs ? { ndocs: body.ndocs } : {}),
      });
      const model = info.model ?? ctx.models.indexModel;
      let explained: Array<SearchHit & { explanation?: TokenMatchExplanation }> = hits;
      if (body.explain) {
        const encoder = index.encoder ?? (await ctx.backend.colbert(model));
        explained = [];
        for (const [i, h] of hits.entries()) {
          explained.push(i < ctx.limits.maxExplained && h.text ? { ...h, explanation: await explainMatch(encoder, body.query, h.text) } : h);
        }
      }
      return { index: name, pipeline, model, tookMs: performance.now() - started, hits: explained };
    };
    return withDeadline(work(), ctx.limits.handlerTimeoutMs, 'search');
  });
}
