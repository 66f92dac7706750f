/**
 * `tartan mcp`: the indexes as a Model Context Protocol server over stdio. The MCP SDK is an
 * optional peer dependency, imported only when the command runs (so `tartan --help` never loads it).
 */
import type { Command } from 'commander';
import { ErrorCodes, TartanError } from '../../core/errors.js';
// Types only: erased at compile time, so loading this command does not load the SDK.
import type * as McpModule from '../../integrations/mcp/index.js';

interface McpOptions {
  index: string[];
  allowWrites?: boolean;
  denseModel?: string;
  crossEncoderModel?: string;
}

type McpIntegration = typeof McpModule;

/** True when `err` says one of the SDK's packages could not be found. */
function isMissingSdk(err: unknown): boolean {
  const e = err as { code?: unknown; message?: unknown } | null;
  return (
    e !== null &&
    typeof e === 'object' &&
    (e.code === 'ERR_MODULE_NOT_FOUND' || e.code === 'MODULE_NOT_FOUND') &&
    typeof e.message === 'string' &&
    /@modelcontextprotocol\/sdk|'zod'|"zod"|zod\//.test(e.message)
  );
}

/**
 * Loads the MCP integration, or throws E_DEPENDENCY_MISSING naming the packages to install.
 * `load` is replaceable so the missing-package path can be tested.
 */
export async function loadMcpIntegration(load: () => Promise<McpIntegration> = () => import('../../integrations/mcp/index.js')): Promise<McpIntegration> {
  try {
    return await load();
  } catch (err) {
    if (!isMissingSdk(err)) throw err;
    throw new TartanError(
      ErrorCodes.DEPENDENCY_MISSING,
      'tartan mcp needs the Model Context Protocol SDK, an optional dependency: run `npm install @modelcontextprotocol/sdk zod` and try again',
      { cause: err },
    );
  }
}

export function register(program: Command): void {
  program
    .command('mcp')
    .description('serve indexes to AI assistants over the Model Context Protocol (stdio): search, explain, list_indexes; add_documents with --allow-writes')
    .requiredOption(
      '--index <dir|postgres-url|name=location...>',
      'index to serve (repeatable); tools address it by name: the folder name, the PostgreSQL ?collection=, or name=location',
      (v: string, acc: string[] | undefined) => [...(acc ?? []), v],
    )
    .option('--allow-writes', 'also offer the add_documents tool (off by default: the assistant can only read)')
    .option('--dense-model <id|path>', 'dense model for dense pipeline stages (folder indexes)')
    .option('--cross-encoder-model <id|path>', 'cross-encoder for cross-encoder pipeline stages')
    .addHelpText(
      'after',
      [
        '',
        'stdout carries the protocol; logs go to stderr. Needs `npm install @modelcontextprotocol/sdk zod`.',
        '',
        'Examples:',
        '  tartan mcp --index ./papers',
        '  tartan mcp --index papers=./papers --index notes=./notes --allow-writes',
        '',
        'In an MCP client configuration (Claude Desktop style):',
        '  { "mcpServers": { "tartan": { "command": "npx", "args": ["tartan", "mcp", "--index", "/abs/path/papers"] } } }',
      ].join('\n'),
    )
    .action(async (opts: McpOptions) => {
      const { serveMcpStdio } = await loadMcpIntegration();
      // stdout belongs to the protocol: anything a dependency prints goes to stderr instead.
      console.log = console.error;
      console.info = console.error;
      console.debug = console.error;
      await serveMcpStdio({
        indexes: opts.index,
        allowWrites: opts.allowWrites === true,
        ...(opts.denseModel ? { denseModel: opts.denseModel } : {}),
        ...(opts.crossEncoderModel ? { crossEncoderModel: opts.crossEncoderModel } : {}),
      });
    });
}
