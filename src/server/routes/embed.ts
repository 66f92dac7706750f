/** POST /api/embed: token matrices (ColBERT) or single vectors (dense) for a few texts. */
import type { FastifyInstance } from 'fastify';
import { ErrorCodes, TartanError } from '../../core/errors.js';
import type { ServerContext } from '../context.js';
import { withDeadline } from '../deadline.js';
import { collect } from '../model-scoring.js';
import { nonEmptyText } from './schemas.js';

interface EmbedBody {
  texts: string[];
  kind?: 'colbert' | 'dense';
  isQuery?: boolean;
}

export function registerEmbedRoutes(app: FastifyInstance, ctx: ServerContext): void {
  app.post<{ Body: EmbedBody }>(
    '/api/embed',
    {
      schema: {
        summary: 'Embed texts with the configured ColBERT or dense model',
        description: 'ColBERT: one matrix per text (rows x dim, row-major `data`, with the token text of every row). Dense: one vector per text.',
        tags: ['models'],
        body: {
          type: 'object',
          required: ['texts'],
          additionalProperties: false,
          properties: {
            texts: { type: 'array', minItems: 1, maxItems: ctx.limits.maxTexts, items: { type: 'string' } },
            kind: { type: 'string', enum: ['colbert', 'dense'], default: 'colbert' },
            isQuery: { type: 'boolean', default: false, description: 'query encoding (ColBERT: marker and [MASK] expansion)' },
          },
        },
        response: {
          200: {
            type: 'object',
            properties: {
              model: { type: 'string' },
              kind: { type: 'string' },
              dim: { type: 'integer' },
              embeddings: {
                type: 'array',
                items: {
                  type: 'object',
                  properties: {
                    rows: { type: 'integer' },
                    tokens: { type: 'array', items: { type: 'string' } },
                    data: { type: 'array', items: { type: 'number' } },
                  },
                },
              },
            },
          },
        },
      },
    },
    async (request) => {
      const { texts, kind = 'colbert', isQuery = false } = request.body;
      texts.forEach((t, i) => nonEmptyText(t, `texts[${i}]`, ctx.limits.maxTextChars));
      const work = async () => {
        if (kind === 'dense') {
          if (!ctx.models.dense) throw new TartanError(ErrorCodes.INVALID_ARGUMENT, 'no dense model configured; start the server with --dense-model <id|path>');
          const encoder = await ctx.backend.dense(ctx.models.dense);
          const vectors = await collect(isQuery ? encoder.queryEmbed(texts) : encoder.passageEmbed(texts));
          return { model: encoder.modelId, kind, dim: encoder.dim, embeddings: vectors.map((v) => ({ rows: 1, data: Array.from(v) })) };
        }
        const encoder = await ctx.backend.colbert(ctx.models.colbert ?? ctx.models.indexModel);
        const matrices = await collect(isQuery ? encoder.queryEmbed(texts) : encoder.passageEmbed(texts));
        return {
          model: encoder.modelId,
          kind,
          dim: encoder.dim,
          embeddings: matrices.map((m, i) => ({
            rows: m.rows,
            tokens: encoder.vectorTokens(texts[i], isQuery).map((t) => t.text),
            data: Array.from(m.data.subarray(0, m.rows * m.dim)),
          })),
        };
      };
      return withDeadline(work(), ctx.limits.handlerTimeoutMs, 'embed');
    },
  );
}
