/**
 * Document resource: add and delete documents in batches. Long adds report
 * progress when the client asks for NDJSON (`Accept: application/x-ndjson`):
 * one `{"type":"progress",...}` line per chunk, then a `done` or `error` line.
 */
import { PassThrough } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import { ErrorCodes, TartanError } from '../../errors.js';
import type { DocumentInput } from '../../stores/types.js';
import { requireApiKey } from '../auth.js';
import type { ServerContext } from '../context.js';
import { toHttpError } from '../http-errors.js';
import { indexNameParams, metadataSchema, nonEmptyText, writeSecurity } from './schemas.js';

/** Documents encoded and stored per step of a progress-reporting add. */
const DEFAULT_CHUNK = 64;

interface AddBody { documents: DocumentInput[] }
interface AddQuery { chunk?: string }

export function registerDocumentRoutes(app: FastifyInstance, ctx: ServerContext): void {
  const guard = requireApiKey(ctx.apiKey);

  app.post<{ Params: { name: string }; Body: AddBody; Querystring: AddQuery }>('/api/indexes/:name/documents', {
    onRequest: guard,
    schema: {
      summary: 'Add a batch of documents (NDJSON progress with Accept: application/x-ndjson)',
      description: 'Documents are encoded with the index model and stored in chunks. With NDJSON each chunk reports {type:"progress", added, total}; the last line is {type:"done", added, documents} or {type:"error", error}. Chunks already stored stay stored if a later chunk fails.',
      tags: ['documents'],
      security: writeSecurity,
      params: indexNameParams,
      querystring: { type: 'object', properties: { chunk: { type: 'string', pattern: '^[1-9][0-9]{0,4}$', description: 'documents per progress step (default 64)' } } },
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
  }, async (request, reply) => {
    const { name } = request.params;
    const docs = request.body.documents;
    ctx.registry.get(name); // 404 before any streaming starts
    checkBatch(docs, ctx.limits.maxTextChars);
    const chunk = request.query.chunk ? Number(request.query.chunk) : DEFAULT_CHUNK;
    const addAll = (onProgress: (added: number) => void) =>
      ctx.registry.write(name, async (ix) => {
        for (let i = 0; i < docs.length; i += chunk) {
          await ix.add(docs.slice(i, i + chunk));
          onProgress(Math.min(i + chunk, docs.length));
        }
        return (await ix.info()).documents;
      });

    if (!wantsNdjson(request.headers.accept)) {
      const documents = await addAll(() => undefined);
      return { added: docs.length, documents };
    }
    const stream = new PassThrough();
    const line = (value: unknown) => stream.write(JSON.stringify(value) + '\n');
    void reply.code(200).type('application/x-ndjson').send(stream);
    let added = 0;
    try {
      const documents = await addAll((n) => {
        added = n;
        line({ type: 'progress', added: n, total: docs.length });
      });
      line({ type: 'done', added: docs.length, documents });
    } catch (err) {
      line({ type: 'error', added, error: toHttpError(err).body.error });
    }
    stream.end();
    return reply;
  });

  app.delete<{ Params: { name: string }; Body: { ids: string[] } }>('/api/indexes/:name/documents', {
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
  }, async (request) => {
    const { name } = request.params;
    return ctx.registry.write(name, async (ix) => {
      const deleted = await ix.delete(request.body.ids);
      return { deleted, documents: (await ix.info()).documents };
    });
  });
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
