/**
 * Builds the OpenAPI 3.1 document from the JSON schemas the routes already
 * validate with, so the description cannot drift from the behaviour.
 * Routes are collected through fastify's onRoute hook.
 */
import type { RouteOptions } from 'fastify';

// Route schemas carry their OpenAPI description next to the validation schemas.
declare module 'fastify' {
  interface FastifySchema {
    summary?: string;
    description?: string;
    tags?: string[];
    security?: Array<Record<string, string[]>>;
    produces?: string[];
    hide?: boolean;
  }
}

/** The part of a route's schema the document uses. */
interface RouteSchema {
  summary?: string;
  description?: string;
  tags?: string[];
  params?: Record<string, unknown>;
  querystring?: Record<string, unknown>;
  body?: Record<string, unknown>;
  response?: Record<string, unknown>;
  /** Set on write routes guarded by the API key. */
  security?: Array<Record<string, string[]>>;
  /** Extra response content types, e.g. NDJSON progress. */
  produces?: string[];
  hide?: boolean;
}

interface CollectedRoute {
  method: string;
  url: string;
  schema: RouteSchema;
}

/** `/api/indexes/:name` -> `/api/indexes/{name}`. */
export function openApiPath(url: string): string {
  return url.replace(/:([A-Za-z0-9_]+)/g, '{$1}');
}

export class OpenApiCollector {
  private readonly routes: CollectedRoute[] = [];

  /** Pass to `app.addHook('onRoute', ...)`. */
  readonly onRoute = (route: RouteOptions): void => {
    const schema = (route.schema ?? {}) as RouteSchema;
    if (schema.hide) return;
    const methods = Array.isArray(route.method) ? route.method : [route.method];
    for (const m of methods) if (m !== 'HEAD') this.routes.push({ method: m.toLowerCase(), url: route.url, schema });
  };

  /** Every documented route as `METHOD /path`. */
  list(): string[] {
    return this.routes.map((r) => `${r.method.toUpperCase()} ${openApiPath(r.url)}`);
  }

  document(info: { title: string; version: string }): Record<string, unknown> {
    const paths: Record<string, Record<string, unknown>> = {};
    for (const r of this.routes) {
      const p = openApiPath(r.url);
      paths[p] ??= {};
      paths[p][r.method] = this.operation(r);
    }
    return {
      openapi: '3.1.0',
      info: { ...info, description: 'tartan: late-interaction (ColBERT) search with token-level explanations.' },
      paths,
      components: {
        securitySchemes: {
          apiKey: { type: 'apiKey', in: 'header', name: 'x-api-key' },
          bearer: { type: 'http', scheme: 'bearer' },
        },
        schemas: { Error: ERROR_SCHEMA },
      },
    };
  }

  private operation(r: CollectedRoute): Record<string, unknown> {
    const s = r.schema;
    const parameters: unknown[] = [];
    for (const [where, schema] of [
      ['path', s.params],
      ['query', s.querystring],
    ] as const) {
      const props = (schema?.properties ?? {}) as Record<string, Record<string, unknown>>;
      const required = new Set((schema?.required as string[] | undefined) ?? []);
      for (const [name, ps] of Object.entries(props)) {
        parameters.push({ name, in: where, required: where === 'path' || required.has(name), schema: ps, description: ps.description });
      }
    }
    const responses: Record<string, unknown> = {};
    for (const [status, schema] of Object.entries(s.response ?? {})) {
      const content: Record<string, unknown> = { 'application/json': { schema } };
      if (status === '200' && s.produces) for (const type of s.produces) content[type] = { schema: { type: 'string' } };
      responses[status] = { description: (schema as { description?: string }).description ?? `HTTP ${status}`, content };
    }
    responses.default = { description: 'error', content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } } };
    return {
      operationId: `${r.method}${openApiPath(r.url)
        .replace(/[{}]/g, '')
        .replace(/[^A-Za-z0-9]+(.)?/g, (_m, c: string | undefined) => (c ? c.toUpperCase() : ''))}`,
      summary: s.summary,
      description: s.description,
      tags: s.tags,
      ...(parameters.length ? { parameters } : {}),
      ...(s.body ? { requestBody: { required: true, content: { 'application/json': { schema: s.body } } } } : {}),
      responses,
      ...(s.security ? { security: s.security } : {}),
    };
  }
}

const ERROR_SCHEMA = {
  type: 'object',
  required: ['error'],
  properties: {
    error: {
      type: 'object',
      required: ['code', 'message'],
      properties: { code: { type: 'string', example: 'E_INVALID_ARGUMENT' }, message: { type: 'string' }, details: { type: 'object' } },
    },
  },
};
