/**
 * Preloaded with `node --import` to run the CLI as if the optional MCP SDK were not installed:
 * a resolve hook fails every `@modelcontextprotocol/sdk` import the way Node does for a missing package.
 */
import { register } from 'node:module';

const hook = `
export async function resolve(specifier, context, next) {
  if (specifier === '@modelcontextprotocol/sdk' || specifier.startsWith('@modelcontextprotocol/sdk/')) {
    const e = new Error("Cannot find package '@modelcontextprotocol/sdk' imported from " + context.parentURL);
    e.code = 'ERR_MODULE_NOT_FOUND';
    throw e;
  }
  return next(specifier, context);
}`;

register(`data:text/javascript,${encodeURIComponent(hook)}`, import.meta.url);
