/**
 * The web page: static files from src/server/web (plain HTML, CSS and one ES
 * module; no build step). Only the files listed here are served, so no
 * request path ever reaches the file system.
 */
import type { FastifyReply } from 'fastify';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { packageRoot } from '../../core/paths.js';

const FILES: Record<string, string> = {
  'index.html': 'text/html; charset=utf-8',
  'style.css': 'text/css; charset=utf-8',
  'app.js': 'text/javascript; charset=utf-8',
  'heatmap.js': 'text/javascript; charset=utf-8',
  'dom.js': 'text/javascript; charset=utf-8',
  'compare.js': 'text/javascript; charset=utf-8',
};

/** Where the page's files are: src/server/web under the package root (also when running from dist/). */
export function webDir(): string {
  return join(packageRoot, 'src', 'server', 'web');
}

const SECURITY_HEADERS = {
  'content-security-policy':
    "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
};

export function registerWebRoutes(app: FastifyInstance): void {
  const cache = new Map<string, Buffer>();
  const load = (file: string): Buffer => {
    let body = cache.get(file);
    if (!body) cache.set(file, (body = readFileSync(join(webDir(), file))));
    return body;
  };
  const serve = (file: string) => async (_req: unknown, reply: FastifyReply) => reply.headers(SECURITY_HEADERS).type(FILES[file]).send(load(file));

  app.get('/', { schema: { hide: true } }, serve('index.html'));
  for (const file of Object.keys(FILES)) app.get(`/web/${file}`, { schema: { hide: true } }, serve(file));
}
