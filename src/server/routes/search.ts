/**
 * Search resource: query an index with a pipeline preset, k, a metadata
 * filter and, on request, a token-level explanation of each hit (which query
 * token matched which document token, with the full similarity matrix),
 * computed by the index from the vectors it scored: it adds up to the score.
 */
import type { FastifyInstance } from 'fastify';
import { PIPELINE_PRESETS } from '../../retrieval/pipeline-spec.js';
import { MAX_K, checkK } from '../../core/result-count.js';
import type { MetadataFilter, SearchHit } from '../../stores/types.js';
import type { Explanation } from '../../scoring/explain.js';
import type { ServerContext } from '../context.js';
import { servedExplanation } from '../model-scoring.js';
import { withDeadline } from '../deadline.js';
import { indexNameParams, nonEmptyText } from './schemas.js';
import { explanationSchema } from './explanation-schema.js';

/** `colbert` runs the index directly; any other preset or spec goes through src/retrieval's Pipeline. */
const DIRECT = 'colbert';

/** A hit as the route returns it; pipelines may end with a stage that has no normalised score. */
type ServedHit = Omit<SearchHit, 'normalizedScore'> & { normalizedScore?: number; stage?: string; explanation?: Explanation };

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
  app.post<{ Params: { name: string }; Body: SearchBody }>(
    '/api/indexes/:name/search',
    {
      // Before the schema: a bad k gets the message the API and the CLI give (the schema documents the same range).
      preValidation: async (request) => {
        const body = request.body as Partial<SearchBody> | null;
        if (body && typeof body === 'object' && !Array.isArray(body) && body.k !== undefined) checkK(body.k, 'k', ctx.limits.maxK);
      },
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
            k: { type: 'integer', minimum: 1, maximum: Math.min(ctx.limits.maxK, MAX_K), default: 10 },
            pipeline: {
              type: 'string',
              maxLength: 200,
              description: `preset (${Object.keys(PIPELINE_PRESETS).join(', ')}) or spec such as colbert:100>cross-encoder; stages need the matching models`,
              default: 'colbert',
            },
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
              latencyMs: { type: 'object', additionalProperties: { type: 'number' }, description: 'milliseconds per pipeline stage' },
              hits: {
                type: 'array',
                items: {
                  type: 'object',
                  properties: {
                    id: { type: 'string' },
                    rank: { type: 'integer' },
                    score: { type: 'number' },
                    normalizedScore: { type: 'number', description: 'raw score / query tokens; absent when a non-ColBERT stage scored last' },
                    stage: { type: 'string', description: 'pipeline stage whose score this is' },
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
    },
    async (request) => {
      const { name } = request.params;
      const body = request.body;
      const pipeline = (body.pipeline ?? DIRECT).trim();
      nonEmptyText(body.query, 'query', 4096);
      const index = ctx.registry.get(name);
      const started = performance.now();
      const work = async () => {
        const info = await index.info();
        const k = body.k ?? 10;
        const explain = body.explain ? { explain: ctx.limits.maxExplained } : {};
        let hits: ServedHit[];
        let stages: Record<string, number> | undefined;
        if (pipeline === DIRECT) {
          hits = await index.search(body.query, {
            k,
            ...(body.filter ? { filter: body.filter } : {}),
            ...(body.nprobe ? { nprobe: body.nprobe } : {}),
            ...(body.ndocs ? { ndocs: body.ndocs } : {}),
            ...explain,
          });
        } else {
          const bound = await ctx.backend.pipeline(index, pipeline, ctx.models.crossEncoder ? { crossEncoder: ctx.models.crossEncoder } : {});
          const result = await bound.search(body.query, { k, ...(body.filter ? { filter: body.filter } : {}), ...explain });
          hits = result.hits;
          stages = result.latencyMs;
        }
        const model = info.model ?? ctx.models.indexModel;
        const served = hits.map(({ explanation, ...h }) => ({ ...h, ...(explanation ? { explanation: servedExplanation(explanation) } : {}) }));
        return { index: name, pipeline, model, tookMs: performance.now() - started, ...(stages ? { latencyMs: stages } : {}), hits: served };
      };
      return withDeadline(work(), ctx.limits.handlerTimeoutMs, 'search');
    },
  );
}
