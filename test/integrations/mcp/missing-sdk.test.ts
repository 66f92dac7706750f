/** Without the optional MCP SDK, `tartan mcp` fails with a coded error saying what to install, and nothing else loads it. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { CLI_MAIN, NODE_ARGS } from './mcp-cli-client.js';
import { loadMcpIntegration } from '../../../src/cli/commands/mcp.js';
import { ErrorCodes, isTartanError } from '../../../src/core/errors.js';

const fromSource = import.meta.url.endsWith('.ts');
const hide = fileURLToPath(new URL(`./hide-mcp-sdk.${fromSource ? 'ts' : 'js'}`, import.meta.url));
const withoutSdk = (args: string[]) =>
  spawnSync(process.execPath, [...NODE_ARGS, '--import', hide, CLI_MAIN, ...args], { encoding: 'utf8', input: '', timeout: 60_000 });

test('tartan mcp without the SDK installed exits with E_DEPENDENCY_MISSING and the npm command', () => {
  const r = withoutSdk(['mcp', '--index', '/nonexistent/index']);
  assert.equal(r.status, 1, r.stderr);
  assert.equal(r.stdout, '');
  assert.match(r.stderr, /^tartan: E_DEPENDENCY_MISSING: .*`npm install @modelcontextprotocol\/sdk zod`/m);
});

test('tartan --help and other commands run without the SDK (it is imported only by tartan mcp)', () => {
  const help = withoutSdk(['--help']);
  assert.equal(help.status, 0, help.stderr);
  assert.match(help.stdout, /\bmcp \[options\] +serve indexes to AI assistants/);
  const mcpHelp = withoutSdk(['mcp', '--help']);
  assert.equal(mcpHelp.status, 0, mcpHelp.stderr);
  assert.match(mcpHelp.stdout, /--allow-writes/);
});

test('loadMcpIntegration maps a missing SDK or zod to E_DEPENDENCY_MISSING and passes other errors through', async () => {
  const missing = (pkg: string) => () =>
    Promise.reject(Object.assign(new Error(`Cannot find package '${pkg}' imported from x.js`), { code: 'ERR_MODULE_NOT_FOUND' }));
  for (const pkg of ['@modelcontextprotocol/sdk', 'zod']) {
    await assert.rejects(loadMcpIntegration(missing(pkg)), (e: unknown) => {
      assert.ok(isTartanError(e, ErrorCodes.DEPENDENCY_MISSING), String(e));
      assert.match((e as Error).message, /npm install @modelcontextprotocol\/sdk zod/);
      return true;
    });
  }
  const other = Object.assign(new Error("Cannot find module './gone.js'"), { code: 'ERR_MODULE_NOT_FOUND' });
  await assert.rejects(
    loadMcpIntegration(() => Promise.reject(other)),
    (e: unknown) => e === other,
  );
  const mod = await loadMcpIntegration();
  assert.equal(typeof mod.createTartanMcpServer, 'function');
});
