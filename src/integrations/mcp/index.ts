/**
 * `tartan-search/mcp`: tartan as a Model Context Protocol server (tools: search, explain,
 * list_indexes, and add_documents when writes are allowed). Needs `@modelcontextprotocol/sdk`
 * and `zod`, optional peer dependencies of tartan-search. `tartan mcp --index <dir>` runs it over stdio.
 *
 * @example
 * ```ts
 * import { serveMcpStdio } from 'tartan-search/mcp';
 * await serveMcpStdio({ indexes: ['./papers'] });
 * ```
 */
export { createTartanMcpServer, serveMcpStdio, type TartanMcpServer, type TartanMcpServerOptions, type ServeMcpStdioOptions } from './server.js';
export { parseIndexSpec, displayLocation, type IndexSource, type OpenIndexesOptions } from './served-indexes.js';
export { toFilter } from './search-tool.js';
