/**
 * Starts `tartan mcp` in a child process (the compiled CLI, or main.ts through tsx when the tests run
 * from source) and connects the MCP SDK's own client to it over stdio.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { PassThrough } from 'node:stream';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { Index } from '../../../src/index.js';

const fromSource = import.meta.url.endsWith('.ts');
/** The CLI entry point and the node arguments that run it. */
export const CLI_MAIN = fileURLToPath(new URL(`../../../src/cli/main.${fromSource ? 'ts' : 'js'}`, import.meta.url));
export const NODE_ARGS: readonly string[] = fromSource ? ['--import', 'tsx'] : [];

/** A connected client, what the server wrote to stderr, and errors the client saw (a stray stdout line is one). */
export interface McpSession {
  client: Client;
  stderr: () => string;
  clientErrors: Error[];
  /** Closes the client (ending the server's stdin) and waits for the server process to exit. */
  close: () => Promise<void>;
}

/** Runs `tartan mcp <args>` and connects a client to it. */
export async function startMcp(args: readonly string[]): Promise<McpSession> {
  const env = Object.fromEntries(Object.entries(process.env).filter((e): e is [string, string] => typeof e[1] === 'string'));
  const transport = new StdioClientTransport({ command: process.execPath, args: [...NODE_ARGS, CLI_MAIN, 'mcp', ...args], env, stderr: 'pipe' });
  let stderr = '';
  const errStream = transport.stderr as PassThrough | null;
  errStream?.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
  const client = new Client({ name: 'tartan-test', version: '1.0.0' });
  const clientErrors: Error[] = [];
  client.onerror = (e) => clientErrors.push(e);
  await client.connect(transport);
  return {
    client,
    stderr: () => stderr,
    clientErrors,
    close: async () => {
      await client.close();
    },
  };
}

/** Calls a tool and returns its result with the typed fields the tests read. */
export async function call(client: Client, name: string, args: Record<string, unknown> = {}): Promise<CallToolResult> {
  return (await client.callTool({ name, arguments: args })) as CallToolResult;
}

/** The text of a result's first content block. */
export function textOf(r: CallToolResult): string {
  const c = r.content[0];
  return c && c.type === 'text' ? c.text : '';
}

/** The small health corpus the MCP tests search (lexical model: no download). */
export const DOCS = [
  { id: 'salt', text: 'High salt intake raises blood pressure.', metadata: { year: 2019, topic: 'heart' } },
  { id: 'walk', text: 'Daily walking lowers blood pressure in older adults.', metadata: { year: 2015, topic: 'heart' } },
  { id: 'asp', text: 'Aspirin reduces fever and relieves mild pain in adults.', metadata: { year: 2001, topic: 'drugs' } },
  { id: 'sleep', text: 'Sleep loss impairs memory and attention.', metadata: { year: 2021, topic: 'brain' } },
];

/** A fresh temporary folder holding a lexical index of `docs` at `<tmp>/<name>`; returns the index folder. */
export async function lexicalIndex(name: string, docs: typeof DOCS = DOCS): Promise<string> {
  const dir = join(mkdtempSync(join(tmpdir(), 'tartan-mcp-')), name);
  const index = await Index.create(dir, { model: 'lexical' });
  try {
    await index.add(docs);
  } finally {
    await index.close();
  }
  return dir;
}
