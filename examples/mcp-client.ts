/**
 * tartan as a Model Context Protocol server, runnable offline: a `lexical` index (no download),
 * `tartan mcp --index <dir>` started by the MCP SDK's own client over stdio (as Claude Desktop, Cursor
 * or any MCP host would), its tools listed, a search and the explanation of the best hit.
 *
 *   node --import tsx examples/mcp-client.ts   (after `npm run build`: 'tartan-search' resolves to this package's dist/)
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { Index } from 'tartan-search';

interface Hit {
  id: string;
  rank: number;
  score: number;
  text?: string;
}

const dir = await mkdtemp(join(tmpdir(), 'tartan-mcp-example-'));
try {
  // 1. An index to serve. `lexical` needs no download; use 'answerdotai/answerai-colbert-small-v1' for real ColBERT.
  const papers = join(dir, 'papers');
  const index = await Index.create(papers, { model: 'lexical' });
  await index.add([
    { id: 'asp', text: 'Aspirin reduces fever and relieves mild pain.', metadata: { year: 2001 } },
    { id: 'bp', text: 'Regular exercise lowers blood pressure in adults.', metadata: { year: 2015 } },
    { id: 'salt', text: 'High salt intake raises blood pressure.', metadata: { year: 2019 } },
    { id: 'vac', text: 'Vaccines train the immune system to fight viruses.', metadata: { year: 2010 } },
  ]);
  await index.close();

  // 2. Start `tartan mcp` the way an MCP host does: a child process speaking the protocol on stdin/stdout.
  //    (An installed package runs it as `npx tartan mcp --index ./papers`; here the CLI is this package's own.)
  const cli = join(dirname(fileURLToPath(import.meta.resolve('tartan-search/package.json'))), 'dist', 'src', 'cli', 'main.js');
  const transport = new StdioClientTransport({ command: process.execPath, args: [cli, 'mcp', '--index', papers], stderr: 'ignore' });
  const client = new Client({ name: 'tartan-example', version: '1.0.0' });
  await client.connect(transport);
  try {
    const { tools } = await client.listTools();
    console.log(`tools: ${tools.map((t) => t.name).join(', ')}`);

    // 3. Search: structuredContent holds the hits as JSON; content[0] the same as readable text for the model.
    const query = 'what lowers blood pressure';
    const found = (await client.callTool({ name: 'search', arguments: { query, k: 2, filter: { year: { $gte: 2010 } } } })) as CallToolResult;
    const hits = (found.structuredContent as { hits: Hit[] }).hits;
    for (const h of hits) console.log(`${h.rank}. ${h.id}  score ${h.score.toFixed(3)}  ${h.text}`);

    // 4. Why did the best hit win? Query token -> best document token, similarity, share of the score.
    const why = (await client.callTool({ name: 'explain', arguments: { query, id: hits[0].id } })) as CallToolResult;
    console.log(why.content[0].type === 'text' ? why.content[0].text : '');

    // 5. Mistakes come back as tool errors with tartan's code; the server keeps running.
    const bad = (await client.callTool({ name: 'search', arguments: { query, k: 0 } })) as CallToolResult;
    console.log(`error: ${bad.content[0].type === 'text' ? bad.content[0].text : ''}`);
  } finally {
    await client.close();
  }
} finally {
  await rm(dir, { recursive: true, force: true });
}
