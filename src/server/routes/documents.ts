/**
 * Document resource: add and delete documents in batches. Long adds report
 * progress when the client asks for NDJSON (`Accept: application/x-ndjson`):
 * `{"type":"progress",...}` lines as documents are encoded, then a `done` or `error` line.
 */
import { PassThrough } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import { ErrorCodes, TartanError } from '../../core/errors.js';
import type { DocumentInput } from '../../stores/types.js';
import { requireApiKey } from '../auth.js';
import type { ServerContext } from '../context.js';
import { toHttpError } from '../http-errors.js';
import { indexNameParams, metadataSchema, nonEmptyText, writeSecurity } from './schemas.js';

/** Progress lines per add at most (one per 2% of the batch), so huge batches do not flood the stream. */
const MAX_PROGRESS_LINES = 50;

interface AddBody {
  documents: DocumentInput[];
}

export function registerDocumentRoutes(app: FastifyInstance, ctx: ServerContext): void {
  const guard = requireApiKey(ctx.apiKey);

  app.post<{ Params: { name: string }; Body: AddBody }>(
    '/api/indexes/:name/documents',
    {
      onRequest: guard,
      schema: {
        summary: 'Add a batch of documents (NDJSON progress with Accept: application/x-ndjson)',
        description:
          'Documents are encoded with the index model and stored. With NDJSON, lines {type:"progress", encoded, total} follow the encoding; the last line is {type:"done", added, documents} or {type:"error", error}.',
        tags: ['documents'],
        security: writeSecurity,
        params: indexNameParams,
        body: {
          type: 'object',
          required: ['documents'],
          additionalProperties: false,
          properties: {
            documents: {
              type: 'array',
              minItems: 1,
              maxItems: ctx.limits.maxBatch,
              items: {
                type: 'object',
                required: ['id', 'text'],
                additionalProperties: false,
                properties: {
                  id: { type: 'string', minLength: 1, maxLength: 512 },
                  text: { type: 'string', maxLength: ctx.limits.maxTextChars },
                  metadata: metadataSchema,
                },
              },
            },
          },
        },
        produces: ['application/x-ndjson'],
        response: { 200: { type: 'object', properties: { added: { type: 'integer' }, documents: { type: 'integer' } } } },
      },
    },
    async (request, reply) => {
      const { name } = request.params;
      const docs = request.body.documents;
      ctx.registry.get(name); // 404 before any streaming starts
      checkBatch(docs, ctx.limits.maxTextChars);
      const addAll = (onProgress: (encoded: number) => void) =>
        ctx.registry.write(name, async (ix) => {
          await ix.add(docs, { onProgress });
          return (await ix.info()).documents;
        });

      if (!wantsNdjson(request.headers.accept)) {
        const documents = await addAll(() => undefined);
        return { added: docs.length, documents };
      }
      const stream = new PassThrough();
      const line = (value: unknown) => stream.write(JSON.stringify(value) + '\n');
      void reply.code(200).type('application/x-ndjson').send(stream);
      const step = Math.max(1, Math.ceil(docs.length / MAX_PROGRESS_LINES));
      let encoded = 0;
      try {
        const documents = await addAll((n) => {
          encoded = n;
          if (n % step === 0 || n === docs.length) line({ type: 'progress', encoded: n, total: docs.length });
        });
        line({ type: 'done', added: docs.length, documents });
      } catch (err) {
        // Index.add is all-or-nothing per store write; the error line says how far encoding got.
        line({ type: 'error', encoded, error: toHttpError(err).body.error });
      }
      stream.end();
      return reply;
    },
  );

  app.delete<{ Params: { name: string }; Body: { ids: string[] } }>(
    '/api/indexes/:name/documents',
    {
      onRequest: guard,
      schema: {
        summary: 'Delete documents by id',
        tags: ['documents'],
        security: writeSecurity,
        params: indexNameParams,
        body: {
          type: 'object',
          required: ['ids'],
          additionalProperties: false,
          properties: { ids: { type: 'array', minItems: 1, maxItems: ctx.limits.maxBatch, items: { type: 'string', minLength: 1, maxLength: 512 } } },
        },
        response: { 200: { type: 'object', properties: { deleted: { type: 'integer' }, documents: { type: 'integer' } } } },
      },
    },
    async (request) => {
      const { name } = request.params;
      return ctx.registry.write(name, async (ix) => {
        const deleted = await ix.delete(request.body.ids);
        return { deleted, documents: (await ix.info()).documents };
      });
    },
  );
}

function wantsNdjson(accept: string | undefined): boolean {
  return typeof accept === 'string' && accept.includes('application/x-ndjson');
}

/** Checks what the schema cannot: empty texts and ids repeated within the batch. */
function checkBatch(docs: readonly DocumentInput[], maxChars: number): void {
  const seen = new Set<string>();
  docs.forEach((d, i) => {
    nonEmptyText(d.text ?? '', `documents[${i}].text`, maxChars);
    if (seen.has(d.id)) throw new TartanError(ErrorCodes.DUPLICATE_ID, `id "${d.id}" appears twice in this batch; ids must be unique`);
    seen.add(d.id);
  });
}
