/**
 * POST /api/compare: the seeds' demo. One query, a few documents, scored side
 * by side by the dense bi-encoder, ColBERT (MaxSim) and the cross-encoder.
 * A family with no configured model comes back as unavailable, with the reason.
 */
import type { FastifyInstance } from 'fastify';
import type { ServerContext } from '../context.js';
import { withDeadline } from '../deadline.js';
import { colbertScores, crossEncoderScores, denseScores } from '../model-scoring.js';
import { nonEmptyText } from './schemas.js';

type Family = 'dense' | 'colbert' | 'cross-encoder';

/** One column of the comparison. */
interface Column {
  family: Family;
  model: string | null;
  available: boolean;
  reason?: string;
  /** One score per document (null when unavailable). */
  scores: Array<number | null>;
  /** Rank of each document under this model, 1 = best. */
  ranks: Array<number | null>;
  /** ColBERT only: scores divided by the query's rows. */
  normalized?: Array<number | null>;
}

const OPTION: Record<Family, string> = { dense: '--dense-model', colbert: '--colbert-model', 'cross-encoder': '--cross-encoder-model' };

export function registerCompareRoutes(app: FastifyInstance, ctx: ServerContext): void {
  const numbers = { type: 'array', items: { type: ['number', 'null'] } };
  app.post<{ Body: { query: string; documents: string[] } }>(
    '/api/compare',
    {
      schema: {
        summary: 'Score documents with dense, ColBERT and cross-encoder models side by side',
        tags: ['models'],
        body: {
          type: 'object',
          required: ['query', 'documents'],
          additionalProperties: false,
          properties: {
            query: { type: 'string', minLength: 1, maxLength: 4096 },
            documents: { type: 'array', minItems: 1, maxItems: 32, items: { type: 'string' } },
          },
        },
        response: {
          200: {
            type: 'object',
            properties: {
              query: { type: 'string' },
              documents: { type: 'array', items: { type: 'string' } },
              columns: {
                type: 'array',
                items: {
                  type: 'object',
                  properties: {
                    family: { type: 'string' },
                    model: { type: ['string', 'null'] },
                    available: { type: 'boolean' },
                    reason: { type: 'string' },
                    scores: numbers,
                    ranks: numbers,
                    normalized: numbers,
                  },
                },
              },
            },
          },
        },
      },
    },
    async (request) => {
      const { query, documents } = request.body;
      nonEmptyText(query, 'query', 4096);
      documents.forEach((d, i) => nonEmptyText(d, `documents[${i}]`, ctx.limits.maxTextChars));
      const models: Record<Family, string | undefined> = { dense: ctx.models.dense, colbert: ctx.models.colbert, 'cross-encoder': ctx.models.crossEncoder };
      const score = async (family: Family): Promise<Column> => {
        const model = models[family];
        const none = documents.map(() => null);
        if (!model) {
          return {
            family,
            model: null,
            available: false,
            reason: `no ${family} model configured (start the server with ${OPTION[family]} <id|path>)`,
            scores: none,
            ranks: none,
          };
        }
        try {
          if (family === 'colbert') {
            const s = await colbertScores(await ctx.backend.colbert(model), query, documents);
            return column(
              family,
              model,
              s.map((x) => x.raw),
              s.map((x) => x.normalized),
            );
          }
          const scores =
            family === 'dense'
              ? await denseScores(await ctx.backend.dense(model), query, documents)
              : await crossEncoderScores(await ctx.backend.crossEncoder(model), query, documents);
          return column(family, model, scores);
        } catch (err) {
          // One broken model must not hide the other columns; the column says what failed.
          return { family, model, available: false, reason: err instanceof Error ? err.message : String(err), scores: none, ranks: none };
        }
      };
      const work = async () => ({ query, documents, columns: await Promise.all((['dense', 'colbert', 'cross-encoder'] as const).map(score)) });
      return withDeadline(work(), ctx.limits.handlerTimeoutMs, 'compare');
    },
  );
}

function column(family: Family, model: string, scores: number[], normalized?: number[]): Column {
  const order = scores.map((s, i) => ({ s, i })).sort((a, b) => b.s - a.s || a.i - b.i);
  const ranks = new Array<number>(scores.length);
  order.forEach((o, r) => (ranks[o.i] = r + 1));
  return { family, model, available: true, scores, ranks, ...(normalized ? { normalized } : {}) };
}
