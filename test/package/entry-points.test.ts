import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { packageRoot } from '../../src/core/paths.js';

// The package as users see it: every entry point is imported BY NAME in a fresh node process run
// inside the package, which Node resolves through package.json `exports` (self-reference).

const ROOT = packageRoot;
const PKG = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
  name: string;
  license?: string;
  exports: Record<string, unknown>;
  dependencies?: Record<string, string>;
  bin?: Record<string, string>;
};
const NAME = 'tartan-search';

/** Dependencies that must load only when a model, the server or a PostgreSQL store is used. */
const HEAVY = ['fastify', 'pg', 'pgvector', 'onnxruntime-node', 'onnxruntime-common', '@huggingface/hub', 'cli-progress'];

/** Runs an ES module snippet in a child node inside the package; returns its stdout parsed as JSON. */
function runModule(code: string): unknown {
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', code], { cwd: ROOT, encoding: 'utf8', timeout: 60_000 });
  assert.equal(r.status, 0, `child node failed:\n${r.stderr}`);
  return JSON.parse(r.stdout.trim().split('\n').at(-1) ?? 'null');
}

/**
 * Imports `specifier` and reports its export names and the npm packages in require.cache
 * (every heavy dependency is CommonJS, so loading one puts its files there).
 */
function loadReport(specifier: string): { exports: string[]; packages: string[] } {
  return runModule(`
    import { createRequire } from 'node:module';
    const m = await import(${JSON.stringify(specifier)});
    const packages = new Set();
    for (const file of Object.keys(createRequire(import.meta.url).cache)) {
      const hit = /node_modules[\\\\/]((?:@[^\\\\/]+[\\\\/])?[^\\\\/]+)/.exec(file);
      if (hit) packages.add(hit[1].replace('\\\\', '/'));
    }
    console.log(JSON.stringify({ exports: Object.keys(m).sort(), packages: [...packages].sort() }));
  `) as { exports: string[]; packages: string[] };
}

const ENTRIES = Object.keys(PKG.exports).filter((k) => k !== './package.json');

test('every entry point is listed: the root, server, postgres, eval and the framework integrations', () => {
  assert.deepEqual(ENTRIES, ['.', './server', './postgres', './eval', './langchain', './llamaindex', './mcp', './drizzle', './kysely', './sql']);
});

test('each integration framework is an optional peer dependency, never a runtime one', () => {
  const pkg = PKG as typeof PKG & { peerDependencies?: Record<string, string>; peerDependenciesMeta?: Record<string, { optional?: boolean }> };
  for (const name of ['@langchain/core', '@llamaindex/core', '@modelcontextprotocol/sdk', 'drizzle-orm', 'kysely', 'zod']) {
    assert.ok(pkg.peerDependencies?.[name], `${name} is a peer dependency`);
    assert.equal(pkg.peerDependenciesMeta?.[name]?.optional, true, `${name} is optional`);
    assert.ok(!(name in (PKG.dependencies ?? {})), `${name} is not installed with tartan-search`);
  }
});

test('package.json: the name is tartan-search, the command stays tartan, every entry point has types, import and default', () => {
  assert.equal(PKG.name, NAME);
  assert.equal(PKG.bin?.tartan, './dist/src/cli/main.js');
  for (const entry of ENTRIES) {
    const conditions = PKG.exports[entry] as Record<string, string> | undefined;
    assert.ok(conditions, `exports has ${entry}`);
    assert.deepEqual(Object.keys(conditions), ['types', 'import', 'default'], `${entry}: types first, then import and default`);
    for (const target of Object.values(conditions)) assert.ok(existsSync(join(ROOT, target)), `${entry} -> ${target} exists (built)`);
  }
  assert.equal(PKG.exports['./package.json'], './package.json');
});

test('the root entry loads none of the heavy dependencies, and exposes the core API', () => {
  const root = loadReport(NAME);
  const loaded = HEAVY.filter((p) => root.packages.includes(p));
  assert.deepEqual(loaded, [], `importing ${NAME} loaded ${loaded.join(', ')}`);
  for (const name of [
    'Index',
    'Collection',
    'LateInteractionTextEmbedding',
    'TextEmbedding',
    'TextCrossEncoder',
    'loadEncoder',
    'maxsim',
    'explainMaxSim',
    'TartanError',
    'ErrorCodes',
    'packMatrices',
  ]) {
    assert.ok(root.exports.includes(name), `root exports ${name}`);
  }
  // These moved to their own entry points; internals stay private.
  for (const name of ['buildServer', 'openPostgresStore', 'evaluateRetrievers', 'loadBeir', 'resolveImpl', 'saveBm25', 'buildSyntheticGraph']) {
    assert.ok(!root.exports.includes(name), `root does not export ${name}`);
  }
});

test('the server entry point exposes buildServer, and loading it shows up in require.cache (fastify)', () => {
  const server = loadReport(`${NAME}/server`);
  for (const name of ['buildServer', 'createDefaultBackend', 'resolveLimits']) assert.ok(server.exports.includes(name), `server exports ${name}`);
  // The positive control of the root test: the same inspection does see a heavy package when one loads.
  assert.ok(server.packages.includes('fastify'), `fastify in require.cache: ${server.packages.join(' ')}`);
});

test('the postgres and eval entry points expose their main names', () => {
  const pg = loadReport(`${NAME}/postgres`);
  for (const name of ['openPostgresStore', 'dropPostgresCollection', 'listPostgresCollections', 'PostgresStore', 'isPostgresUrl'])
    assert.ok(pg.exports.includes(name), `postgres exports ${name}`);
  const evaluation = loadReport(`${NAME}/eval`);
  for (const name of ['evaluateRetrievers', 'evaluateRun', 'loadBeir', 'ndcgAt', 'formatReport'])
    assert.ok(evaluation.exports.includes(name), `eval exports ${name}`);
  const json = runModule(`const p = await import('${NAME}/package.json', { with: { type: 'json' } }); console.log(JSON.stringify(p.default.name));`);
  assert.equal(json, NAME);
});

test("require('tartan-search') works where Node has require(esm) (no top-level await on the root graph), and says ERR_REQUIRE_ESM where it has not", () => {
  const [major, minor] = process.versions.node.split('.').map(Number);
  const hasRequireEsm = !(major < 20 || (major === 20 && minor < 19) || (major === 22 && minor < 12));
  const r = spawnSync(process.execPath, ['-e', `const m = require('${NAME}'); console.log(typeof m.Index, typeof m.Collection, typeof m.maxsim)`], {
    cwd: ROOT,
    encoding: 'utf8',
    timeout: 60_000,
  });
  if (!hasRequireEsm) {
    assert.notEqual(r.status, 0);
    assert.match(r.stderr, /ERR_REQUIRE_ESM/);
    return;
  }
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stdout.trim(), 'function function function');
});

test('npm pack ships the runtime only: no bench or test code, autocannon is not a runtime dependency', () => {
  assert.ok(!('autocannon' in (PKG.dependencies ?? {})), 'autocannon is a devDependency');
  // --ignore-scripts: `prepare` would run tsc; the test reads the built tree as it is.
  const r = spawnSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd: ROOT, encoding: 'utf8', timeout: 120_000 });
  assert.ifError(r.error);
  assert.equal(r.status, 0, r.stderr);
  const [report] = JSON.parse(r.stdout) as Array<{ name: string; files: Array<{ path: string }> }>;
  assert.equal(report.name, NAME);
  const files = report.files.map((f) => f.path);
  const shipped = (p: string) => files.includes(p);
  const leaked = files.filter((p) => /^dist\/(bench|test|examples)\//.test(p) || /^(bench|test)\//.test(p));
  assert.deepEqual(leaked, [], 'bench, test and example code stays out of the package');
  for (const entry of ENTRIES) {
    const target = (PKG.exports[entry] as Record<string, string>).import.replace(/^\.\//, '');
    assert.ok(shipped(target), `${target} is in the package`);
    assert.ok(shipped(target.replace(/\.js$/, '.d.ts')), `types of ${entry} are in the package`);
  }
  assert.ok(shipped('dist/src/cli/main.js'), 'the tartan command is in the package');
  assert.ok(shipped('src/server/web/index.html'), 'the web page is in the package');
  // package.json says Apache-2.0; the licence text itself must travel with the code.
  assert.ok(shipped('LICENSE'), 'LICENSE is in the package');
});

test('LICENSE holds the Apache License 2.0 that package.json names, with the copyright line', () => {
  assert.equal(PKG.license, 'Apache-2.0');
  const text = readFileSync(join(ROOT, 'LICENSE'), 'utf8');
  assert.match(text, /^Copyright \d{4} the tartan authors\n/);
  assert.match(text, /Apache License\s+Version 2\.0, January 2004/);
  for (const section of ['1. Definitions.', '4. Redistribution.', '9. Accepting Warranty or Additional Liability.', 'END OF TERMS AND CONDITIONS'])
    assert.ok(text.includes(section), `the full text: ${section}`);
});
