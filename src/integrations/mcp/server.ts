/**
 * The tartan MCP server: search, explain and list_indexes over the served
 * indexes, and add_documents only when writes are allowed (otherwise the tool
 * is not registered, so clients never see it).
 */
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import { ErrorCodes, TartanError } from '../../core/errors.js';
import { version } from '../../core/version.js';
import { ServedIndexes, type IndexSource, type OpenIndexesOptions } from './served-indexes.js';
import {
  addDocumentsInput,
  addDocumentsOutput,
  explainInput,
  explainOutput,
  listIndexesInput,
  listIndexesOutput,
  searchInput,
  searchOutput,
} from './schemas.js';
import { guarded } from './tool-output.js';
import { runSearch } from './search-tool.js';
import { runExplain } from './explain-tool.js';
import { runListIndexes } from './list-indexes-tool.js';
import { runAddDocuments } from './add-documents-tool.js';

/** Options of {@link createTartanMcpServer}. */
export interface TartanMcpServerOptions extends OpenIndexesOptions {
  /** Indexes to serve: folders, `postgres://` URLs, `name=location`, or `{ name, collection }` with an opened Collection. */
  indexes: readonly IndexSource[];
  /** Register the add_documents tool. Default false: the server only reads. */
  allowWrites?: boolean;
  /** Hits explained when a search asks for explanations (the best ones). Default 20. */
  maxExplained?: number;
  /** Where log lines go (never stdout, which carries the protocol). Default: stderr. */
  log?: (line: string) => void;
}

/** A running tartan MCP server: the SDK server and the indexes it serves. */
export interface TartanMcpServer {
  /** The SDK server; connect it to a transport (`server.connect(transport)`). */
  readonly server: McpServer;
  /** Served index names, in the order given. */
  readonly indexNames: readonly string[];
  /** Closes the connection and the indexes opened for it (after pending writes). */
  close(): Promise<void>;
}

const DEFAULT_MAX_EXPLAINED = 20;

function stderrLog(line: string): void {
  process.stderr.write(`tartan mcp: ${line}\n`);
}

/**
 * Opens the indexes and builds an MCP server with tartan's tools, not yet connected to a transport.
 * @example
 * ```ts
 * import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
 * const tartan = await createTartanMcpServer({ indexes: ['./papers'] });
 * const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
 * await tartan.server.connect(serverSide);
 * ```
 */
export async function createTartanMcpServer(options: TartanMcpServerOptions): Promise<TartanMcpServer> {
  const log = options.log ?? stderrLog;
  const maxExplained = options.maxExplained ?? DEFAULT_MAX_EXPLAINED;
  if (!Number.isInteger(maxExplained) || maxExplained < 1)
    throw new TartanError(ErrorCodes.INVALID_ARGUMENT, `maxExplained must be a positive integer, got ${String(maxExplained)}`);
  const indexes = await ServedIndexes.open(options.indexes, options);
  const writable = options.allowWrites === true;
  const names = indexes.names();
  const server = new McpServer(
    { name: 'tartan', title: 'tartan late-interaction search', version },
    {
      instructions:
        `Late-interaction (ColBERT) search over ${names.length === 1 ? `the index "${names[0]}"` : `the indexes ${names.join(', ')}`}. ` +
        'Use search to find documents (explain: true shows which query token matched which document token), explain to see why one document scores ' +
        'as it does, list_indexes for what each index holds' +
        (writable ? ', add_documents to index new documents.' : '.'),
    },
  );
  const readOnly = { readOnlyHint: true, openWorldHint: false };
  server.registerTool(
    'search',
    {
      title: 'Search an index',
      description:
        'Search a tartan index with its late-interaction (ColBERT) model, or through a pipeline (bm25, bm25>colbert, hybrid...). Returns ranked hits with id, score, text and metadata; with explain, token-level explanations of each score.',
      inputSchema: searchInput,
      outputSchema: searchOutput,
      annotations: readOnly,
    },
    guarded((args) => runSearch(indexes, args, maxExplained), log),
  );
  server.registerTool(
    'explain',
    {
      title: 'Explain a document score',
      description:
        "Explain one document's MaxSim score for a query: for each query token, the document token it matched best, their similarity and its share of the score (the shares add up to the score a search gives the document).",
      inputSchema: explainInput,
      outputSchema: explainOutput,
      annotations: readOnly,
    },
    guarded((args) => runExplain(indexes, args), log),
  );
  server.registerTool(
    'list_indexes',
    {
      title: 'List indexes',
      description: 'List the served indexes: name, location, model, number of documents, mode (plaid, flat or postgres) and side indexes for pipelines.',
      inputSchema: listIndexesInput,
      outputSchema: listIndexesOutput,
      annotations: readOnly,
    },
    guarded(() => runListIndexes(indexes, writable), log),
  );
  if (writable) {
    server.registerTool(
      'add_documents',
      {
        title: 'Add documents',
        description:
          'Encode and add documents ({id, text, metadata}) to an index, all or nothing. An id already in the index is refused (E_DUPLICATE_ID) unless replace is true.',
        inputSchema: addDocumentsInput,
        outputSchema: addDocumentsOutput,
        annotations: { readOnlyHint: false, destructiveHint: true, idempotentHint: false, openWorldHint: false },
      },
      guarded((args) => runAddDocuments(indexes, args), log),
    );
  }
  let closed: Promise<void> | undefined;
  return {
    server,
    indexNames: names,
    close: () =>
      (closed ??= (async () => {
        await server.close();
        await indexes.close();
      })()),
  };
}

/** Options of {@link serveMcpStdio}. */
export type ServeMcpStdioOptions = TartanMcpServerOptions;

/**
 * Serves the indexes over stdio until the client closes stdin (or SIGINT / SIGTERM), then closes them.
 * Resolves once serving has stopped. Only the protocol is written to stdout; logs go to stderr.
 * @example
 * ```ts
 * await serveMcpStdio({ indexes: ['./papers'], allowWrites: false });
 * ```
 */
export async function serveMcpStdio(options: ServeMcpStdioOptions): Promise<void> {
  const log = options.log ?? stderrLog;
  const tartan = await createTartanMcpServer({ ...options, log });
  await tartan.server.connect(new StdioServerTransport());
  log(`serving ${tartan.indexNames.join(', ')} over stdio${options.allowWrites ? ' (add_documents enabled)' : ''}`);
  await new Promise<void>((resolve) => {
    const stop = () => {
      process.stdin.off('end', stop);
      process.stdin.off('close', stop);
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      resolve();
    };
    process.stdin.once('end', stop);
    process.stdin.once('close', stop);
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
  await tartan.close();
  log('stopped');
}
