/**
 * `tartan mcp` driven end to end: the real CLI in a child process, the MCP SDK's own client over stdio,
 * a lexical index built here (no model download).
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { dirname } from 'node:path';
import { spawnSync } from 'node:child_process';
import { snakeKeys } from '../../cli/snake-keys.js';
import { CLI_MAIN, NODE_ARGS, call, lexicalIndex, startMcp, textOf, type McpSession } from './mcp-cli-client.js';

interface Hit {
  id: string;
  rank: number;
  score: number;
  normalizedScore?: number;
  stage?: string;
  text?: string;
  metadata?: Record<string, unknown>;
  explanation?: { raw: number; matches: Array<{ queryToken?: string; docToken?: string; share: number }> };
}
const hitsOf = (r: { structuredContent?: Record<string, unknown> }) => (r.structuredContent?.hits ?? []) as Hit[];

describe('tartan mcp without --allow-writes', () => {
  let dir: string;
  let mcp: McpSession;
  before(async () => {
    dir = await lexicalIndex('health');
    mcp = await startMcp(['--index', dir]);
  });
  after(async () => {
    await mcp?.close();
    rmSync(dirname(dir), { recursive: true, force: true });
  });

  test('lists search, explain and list_indexes, and no add_documents tool', async () => {
    const { tools } = await mcp.client.listTools();
    assert.deepEqual(tools.map((t) => t.name).sort(), ['explain', 'list_indexes', 'search']);
    const search = tools.find((t) => t.name === 'search')!;
    assert.deepEqual(Object.keys(search.inputSchema.properties ?? {}).sort(), ['explain', 'filter', 'index', 'k', 'pipeline', 'query']);
    assert.deepEqual(search.inputSchema.required, ['query']);
    assert.ok(search.outputSchema, 'search declares its structured output');
    assert.equal(search.annotations?.readOnlyHint, true);
    const add = await call(mcp.client, 'add_documents', { documents: [{ id: 'x', text: 'x' }] });
    assert.equal(add.isError, true);
    assert.match(textOf(add), /add_documents not found/);
  });

  test('search returns the matching documents first, with readable text and camelCase structured content', async () => {
    const r = await call(mcp.client, 'search', { query: 'what lowers blood pressure', k: 2 });
    assert.notEqual(r.isError, true, textOf(r));
    const hits = hitsOf(r);
    assert.deepEqual(
      hits.map((h) => h.id),
      ['walk', 'salt'],
    );
    assert.deepEqual(
      hits.map((h) => h.rank),
      [1, 2],
    );
    assert.ok(hits[0].score > hits[1].score && hits[1].score > 0);
    assert.equal(hits[0].text, 'Daily walking lowers blood pressure in older adults.');
    assert.deepEqual(hits[0].metadata, { year: 2015, topic: 'heart' });
    assert.equal(typeof hits[0].normalizedScore, 'number');
    assert.equal(r.structuredContent?.index, 'health');
    assert.equal(r.structuredContent?.pipeline, 'colbert');
    assert.match(textOf(r), /^2 results from index "health" \(pipeline colbert\):\n\n1\. id walk {2}score \d+\.\d{4}/);
    assert.match(textOf(r), /text: Daily walking lowers blood pressure in older adults\./);
  });

  test('k and the metadata filter (object or JSON text) are honoured', async () => {
    assert.equal(hitsOf(await call(mcp.client, 'search', { query: 'adults', k: 1 })).length, 1);
    assert.equal(hitsOf(await call(mcp.client, 'search', { query: 'adults', k: 10 })).length, 4);
    const byObject = hitsOf(await call(mcp.client, 'search', { query: 'blood pressure', filter: { year: { $gte: 2016 } } }));
    assert.deepEqual(byObject.map((h) => h.id).sort(), ['salt', 'sleep']);
    assert.equal(byObject[0].id, 'salt');
    const byText = hitsOf(await call(mcp.client, 'search', { query: 'blood pressure', filter: '{"topic":{"$in":["drugs","brain"]}}' }));
    assert.deepEqual(byText.map((h) => h.id).sort(), ['asp', 'sleep']);
  });

  test('a pipeline runs through the collection and names the stage that scored', async () => {
    const r = await call(mcp.client, 'search', { query: 'blood pressure', pipeline: 'bm25', k: 3 });
    assert.notEqual(r.isError, true, textOf(r));
    const hits = hitsOf(r);
    assert.deepEqual(hits.map((h) => h.id).sort(), ['salt', 'walk']);
    assert.ok(hits.every((h) => h.stage === 'bm25'));
    assert.equal(r.structuredContent?.pipeline, 'bm25');
  });

  test('explanations add up to the hit scores, and the explain tool gives the same total for a document', async () => {
    const r = await call(mcp.client, 'search', { query: 'blood pressure', k: 2, explain: true });
    const [top, second] = hitsOf(r);
    assert.ok(top.explanation && second.explanation, 'every hit is explained');
    assert.ok(Math.abs(top.explanation.raw - top.score) < 1e-5, `${top.explanation.raw} vs ${top.score}`);
    const blood = top.explanation.matches.find((m) => m.queryToken === 'blood');
    assert.equal(blood?.docToken, 'blood');
    assert.ok(Math.abs(top.explanation.matches.reduce((s, m) => s + m.share, 0) - 1) < 1e-5);
    assert.match(textOf(r), /blood -> blood {2}1\.000/);

    for (const hit of [top, second]) {
      const e = await call(mcp.client, 'explain', { query: 'blood pressure', id: hit.id });
      assert.notEqual(e.isError, true, textOf(e));
      const s = e.structuredContent as { id: string; score: number; explanation: { raw: number; matrix?: unknown } };
      assert.equal(s.id, hit.id);
      assert.ok(Math.abs(s.score - hit.score) < 1e-5, `explain ${s.score} vs search ${hit.score}`);
      assert.equal(s.explanation.raw, s.score);
      assert.equal(s.explanation.matrix, undefined, 'no matrix unless asked for');
    }
    const withMatrix = await call(mcp.client, 'explain', { query: 'blood pressure', id: 'salt', matrix: true });
    // One key convention across the CLI, HTTP and MCP: camelCase.
    assert.deepEqual(snakeKeys([r.structuredContent, withMatrix.structuredContent, (await call(mcp.client, 'list_indexes')).structuredContent]), []);
    const m = withMatrix.structuredContent as { explanation: { matrix: number[][]; queryTokens: string[]; docTokens: string[] } };
    assert.equal(m.explanation.matrix.length, m.explanation.queryTokens.length);
    assert.equal(m.explanation.matrix[0].length, m.explanation.docTokens.length);
    assert.match(textOf(withMatrix), /^document salt in index "health" for the query "blood pressure":/);
  });

  test('bad arguments come back as tool errors with the tartan code, and the server keeps answering', async () => {
    const cases: Array<[Record<string, unknown>, string, RegExp]> = [
      [{ query: 'fever', k: 0 }, 'E_INVALID_ARGUMENT', /k must be an integer from 1 to 10000, got 0/],
      [{ query: 'fever', k: 10_001 }, 'E_INVALID_ARGUMENT', /from 1 to 10000/],
      [{ query: 'fever', k: 2.5 }, 'E_INVALID_ARGUMENT', /got 2\.5/],
      [{ query: 'fever', index: 'papers' }, 'E_INDEX_NOT_FOUND', /no index named "papers"; served indexes: health/],
      [{ query: 'fever', pipeline: 'bm25>nope' }, 'E_UNKNOWN_PIPELINE', /nope/],
      [{ query: 'fever', filter: '{year: 2001' }, 'E_INVALID_FILTER', /not valid JSON/],
      [{ query: '   ' }, 'E_EMPTY_TEXT', /query is empty/],
    ];
    for (const [args, code, message] of cases) {
      const r = await call(mcp.client, 'search', args);
      assert.equal(r.isError, true, JSON.stringify(args));
      assert.equal(r.structuredContent, undefined);
      assert.ok(textOf(r).startsWith(`${code}: `), `${JSON.stringify(args)} -> ${textOf(r)}`);
      assert.match(textOf(r), message);
    }
    const unknown = await call(mcp.client, 'explain', { query: 'fever', id: 'nope' });
    assert.equal(unknown.isError, true);
    assert.match(textOf(unknown), /^E_DOCUMENT_NOT_FOUND: no document with id "nope" in index "health"/);
    assert.deepEqual(
      hitsOf(await call(mcp.client, 'search', { query: 'fever', k: 1 })).map((h) => h.id),
      ['asp'],
    );
  });

  test('list_indexes describes the index', async () => {
    const r = await call(mcp.client, 'list_indexes');
    const listed = r.structuredContent as { indexes: Array<Record<string, unknown>>; writable: boolean };
    const { dim, tokens, ...described } = listed.indexes[0];
    // The lexical model's indexes are flat (exact) by default.
    assert.deepEqual(described, { name: 'health', location: dir, model: 'lexical', documents: 4, mode: 'flat', sideIndexes: ['bm25'] });
    assert.ok(typeof dim === 'number' && dim > 0 && typeof tokens === 'number' && tokens > 4, JSON.stringify(listed));
    assert.equal(listed.indexes.length, 1);
    assert.equal(listed.writable, false);
    assert.match(textOf(r), /^1 index served:\n- health: 4 documents, model lexical, flat index at /);
  });

  test('stdout carries only the protocol, and closing the client stops the server cleanly', async () => {
    assert.deepEqual(mcp.clientErrors, []);
    await mcp.close();
    assert.match(mcp.stderr(), /tartan mcp: serving health over stdio/);
    assert.match(mcp.stderr(), /tartan mcp: stopped/);
  });
});

describe('tartan mcp --allow-writes with two indexes', () => {
  let health: string;
  let notes: string;
  let mcp: McpSession;
  before(async () => {
    health = await lexicalIndex('health');
    notes = await lexicalIndex('notes', [{ id: 'n1', text: 'Buy coffee beans and oat milk.', metadata: { year: 2024, topic: 'shopping' } }]);
    mcp = await startMcp(['--index', health, '--index', `todo=${notes}`, '--allow-writes']);
  });
  after(async () => {
    await mcp?.close();
    for (const d of [health, notes]) if (d) rmSync(dirname(d), { recursive: true, force: true });
  });

  test('offers add_documents, and the index argument picks the index (required when several are served)', async () => {
    const { tools } = await mcp.client.listTools();
    assert.deepEqual(tools.map((t) => t.name).sort(), ['add_documents', 'explain', 'list_indexes', 'search']);
    const list = await call(mcp.client, 'list_indexes');
    const indexes = (list.structuredContent as { indexes: Array<{ name: string; documents: number }>; writable: boolean }).indexes;
    assert.deepEqual(
      indexes.map((i) => [i.name, i.documents]),
      [
        ['health', 4],
        ['todo', 1],
      ],
    );
    assert.equal((list.structuredContent as { writable: boolean }).writable, true);
    const noIndex = await call(mcp.client, 'search', { query: 'coffee' });
    assert.equal(noIndex.isError, true);
    assert.match(textOf(noIndex), /^E_INVALID_ARGUMENT: 2 indexes are served; pass index, one of: health, todo/);
    assert.deepEqual(
      hitsOf(await call(mcp.client, 'search', { query: 'coffee', index: 'todo' })).map((h) => h.id),
      ['n1'],
    );
  });

  test('add_documents indexes new documents that search then finds; a duplicate id needs replace', async () => {
    const added = await call(mcp.client, 'add_documents', {
      index: 'health',
      documents: [
        { id: 'tea', text: 'Green tea contains caffeine and antioxidants.', metadata: { year: 2022, topic: 'drinks' } },
        { id: 'beet', text: 'Beetroot juice lowers blood pressure.' },
      ],
    });
    assert.notEqual(added.isError, true, textOf(added));
    assert.deepEqual(added.structuredContent, { index: 'health', added: 2, documents: 6 });
    const found = hitsOf(await call(mcp.client, 'search', { index: 'health', query: 'caffeine in green tea', k: 1 }));
    assert.equal(found[0].id, 'tea');
    assert.deepEqual(found[0].metadata, { year: 2022, topic: 'drinks' });
    // The BM25 side index follows the writes too.
    assert.deepEqual(
      hitsOf(await call(mcp.client, 'search', { index: 'health', query: 'antioxidants', pipeline: 'bm25' })).map((h) => h.id),
      ['tea'],
    );

    const dup = await call(mcp.client, 'add_documents', { index: 'health', documents: [{ id: 'tea', text: 'Black tea is fermented.' }] });
    assert.equal(dup.isError, true);
    assert.match(textOf(dup), /^E_DUPLICATE_ID: /);
    const empty = await call(mcp.client, 'add_documents', { index: 'health', documents: [{ id: 'blank', text: ' ' }], replace: true });
    assert.match(textOf(empty), /^E_EMPTY_TEXT: /);

    const replaced = await call(mcp.client, 'add_documents', { index: 'health', documents: [{ id: 'tea', text: 'Black tea is fermented.' }], replace: true });
    assert.notEqual(replaced.isError, true, textOf(replaced));
    assert.equal((replaced.structuredContent as { documents: number }).documents, 6);
    for (const pipeline of ['colbert', 'bm25']) {
      assert.deepEqual(
        hitsOf(await call(mcp.client, 'search', { index: 'health', query: 'fermented', pipeline, k: 1 })).map((h) => h.id),
        ['tea'],
        pipeline,
      );
      assert.deepEqual(
        hitsOf(await call(mcp.client, 'search', { index: 'health', query: 'antioxidants', pipeline, k: 1 })).length,
        pipeline === 'bm25' ? 0 : 1,
      );
    }
  });
});

test('tartan mcp --help documents the flags; without --index it fails with a message', () => {
  const help = spawnSync(process.execPath, [...NODE_ARGS, CLI_MAIN, 'mcp', '--help'], { encoding: 'utf8' });
  assert.equal(help.status, 0, help.stderr);
  for (const flag of ['--index', '--allow-writes', 'add_documents', 'npm install @modelcontextprotocol/sdk zod', '"mcpServers"'])
    assert.ok(help.stdout.includes(flag), flag);
  const none = spawnSync(process.execPath, [...NODE_ARGS, CLI_MAIN, 'mcp'], { encoding: 'utf8', input: '' });
  assert.notEqual(none.status, 0);
  assert.match(none.stderr, /--index/);
  assert.equal(none.stdout, '');
});

test('tartan mcp on a folder that is no index exits with the coded error on stderr', () => {
  const r = spawnSync(process.execPath, [...NODE_ARGS, CLI_MAIN, 'mcp', '--index', '/nonexistent/tartan-mcp-index'], { encoding: 'utf8', input: '' });
  assert.equal(r.status, 1);
  assert.match(r.stderr, /^tartan: E_[A-Z_]+: /m);
  assert.equal(r.stdout, '');
});
