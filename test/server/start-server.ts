/** Starts a real tartan server on 127.0.0.1 (any free port) for the HTTP and browser tests. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { buildServer, type ServerOptions } from '../../src/server/app.js';
import { createDefaultBackend } from '../../src/server/default-backend.js';

export interface RunningServer {
  app: FastifyInstance;
  url: string;
  dataDir: string;
  stop(): Promise<void>;
}

/** A server over a fresh data dir with the default backend (lexical model for new indexes). */
export async function startServer(options: Partial<ServerOptions> = {}): Promise<RunningServer> {
  const dataDir = mkdtempSync(join(tmpdir(), 'tartan-serve-test-'));
  const app = await buildServer({ backend: createDefaultBackend(), dataDir, ...options });
  const url = await app.listen({ port: 0, host: '127.0.0.1' });
  return {
    app,
    url,
    dataDir,
    async stop() {
      await app.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** fetch + JSON body, returning status and parsed body. */
export async function call(url: string, init: RequestInit & { json?: unknown } = {}): Promise<{ status: number; body: any; headers: Headers }> {
  const { json, ...rest } = init;
  const headers = new Headers(rest.headers);
  if (json !== undefined) headers.set('content-type', 'application/json');
  const res = await fetch(url, { ...rest, headers, ...(json !== undefined ? { body: JSON.stringify(json) } : {}) });
  const text = await res.text();
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {
    /* not JSON: keep the text */
  }
  return { status: res.status, body, headers: res.headers };
}
