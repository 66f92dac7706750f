/**
 * What a tool handler returns, and how it becomes an MCP tool result: readable text plus
 * structuredContent on success; on failure `isError` with the tartan error code and message,
 * so a bad argument never takes the server down.
 */
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { isTartanError } from '../../core/errors.js';

/** A tool's answer in both forms. */
export interface ToolOutput<S extends Record<string, unknown> = Record<string, unknown>> {
  text: string;
  structured: S;
}

/** The MCP result of a successful call. */
export function toolResult(out: ToolOutput): CallToolResult {
  return { content: [{ type: 'text', text: out.text }], structuredContent: out.structured };
}

/**
 * The MCP result of a failed call: `E_CODE: message` as text (error results carry no structuredContent:
 * clients check it against the tool's output schema). Unforeseen errors are E_INTERNAL, logged with their stack.
 */
export function toolError(err: unknown, log: (line: string) => void): CallToolResult {
  const code = isTartanError(err) ? err.code : 'E_INTERNAL';
  const message = err instanceof Error ? err.message : String(err);
  if (!isTartanError(err)) log(`unexpected error: ${err instanceof Error && err.stack ? err.stack : message}`);
  return { content: [{ type: 'text', text: `${code}: ${message}` }], isError: true };
}

/** Runs a tool handler, turning whatever it throws into an error result. */
export function guarded<A>(run: (args: A) => Promise<ToolOutput>, log: (line: string) => void): (args: A) => Promise<CallToolResult> {
  return async (args: A) => {
    try {
      return toolResult(await run(args));
    } catch (err) {
      return toolError(err, log);
    }
  };
}
