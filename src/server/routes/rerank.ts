/** POST /api/rerank: order a few documents for a query with the cross-encoder (or ColBERT). */
import type { FastifyInstance } from 'fastify';
import { ErrorCodes, TartanError } from '../../core/errors.js';
import type { ServerContext } from '../context.js';
import { withDeadline } from '../deadline.js';
import { colbertScores, crossEncoderScores } from '../model-scoring.js';
import { nonEmptyText } from './schemas.js';

interface RerankBody {
  query: string;
  documents: string[];
  model?: 'cross-encoder' | 'colbert';
  k?: number;
}

export function registerRerankRoutes(app: FastifyInstance, ctx: ServerContext): void {
  app.post<{ Body: RerankBody }>(
    '/api/rerank',
    {
      schema: {
        summary: 'Rerank documents for a query',
        description: 'model "cross-encoder" (default when one is configured) returns raw logits; "colbert" returns MaxSim scores (raw sum of maxima).',
        tags: ['models'],
        body: {
          type: 'object',
          required: ['query', 'documents'],
          additionalProperties: false,
          properties: {
            query: { type: 'string', minLength: 1, maxLength: 4096 },
            documents: { type: 'array', minItems: 1, maxItems: ctx.limits.maxTexts, items: { type: 'string' } },
            model: { type: 'string', enum: ['cross-encoder', 'colbert'] },
            k: { type: 'integer', minimum: 1, maximum: ctx.limits.maxTexts },
          },
        },
        response: {
          200: {
            type: 'object',
            properties: {
              model: { type: 'string' },
              results: {
                type: 'array',
                items: { type: 'object', properties: { index: { type: 'integer' }, score: { type: 'number' }, document: { type: 'string' } } },
              },
            },
          },
        },
      },
    },
    async (request) => {
      const { query, documents, k } = request.body;
      nonEmptyText(query, 'query', 4096);
      documents.forEach((d, i) => nonEmptyText(d, `documents[${i}]`, ctx.limits.maxTextChars));
      const family = request.body.model ?? (ctx.models.crossEncoder ? 'cross-encoder' : 'colbert');
      const work = async () => {
        let model: string;
        let scores: number[];
        if (family === 'cross-encoder') {
          if (!ctx.models.crossEncoder) {
            throw new TartanError(
              ErrorCodes.INVALID_ARGUMENT,
              'no cross-encoder configured; start the server with --cross-encoder-model <id|path> or send model: "colbert"',
            );
          }
          const encoder = await ctx.backend.crossEncoder(ctx.models.crossEncoder);
          model = encoder.modelId;
          scores = await crossEncoderScores(encoder, query, documents);
        } else {
          model = ctx.models.colbert ?? ctx.models.indexModel;
          scores = (await colbertScores(await ctx.backend.colbert(model), query, documents)).map((s) => s.raw);
        }
        const results = scores.map((score, index) => ({ index, score, document: documents[index] })).sort((a, b) => b.score - a.score || a.index - b.index);
        return { model, results: results.slice(0, k ?? results.length) };
      };
      return withDeadline(work(), ctx.limits.handlerTimeoutMs, 'rerank');
    },
  );
}
