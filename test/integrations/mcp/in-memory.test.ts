/**
 * The MCP server in-process: createTartanMcpServer connected to the SDK's Client over its
 * InMemoryTransport, serving an opened Collection, a folder and (with TARTAN_PG_URL) PostgreSQL.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { dirname } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import {
  createTartanMcpServer,
  displayLocation,
  parseIndexSpec,
  type TartanMcpServer,
  type TartanMcpServerOptions,
} from '../../../src/integrations/mcp/index.js';
import { Collection } from '../../../src/retrieval/collection.js';
import { Index } from '../../../src/retrieval/index-facade.js';
import { dropStore } from '../../../src/stores/open.js';
import { ErrorCodes, isTartanError } from '../../../src/core/errors.js';
import { DOCS, call, lexicalIndex, textOf } from './mcp-cli-client.js';
import { pgTest, uniqueName } from '../../stores/postgres/pg-test-env.js';

async function connect(options: TartanMcpServerOptions): Promise<{ client: Client; tartan: TartanMcpServer; logged: string[] }> {
  const logged: string[] = [];
  const tartan = await createTartanMcpServer({ log: (l) => logged.push(l), ...options });
  const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
  await tartan.server.connect(serverSide);
  const client = new Client({ name: 'in-memory-test', version: '1.0.0' });
  await client.connect(clientSide);
  return { client, tartan, logged };
}

type Hits = Array<{ id: string; score: number; explanation?: { raw: number } }>;

test('index names: folder name, name=location, the PostgreSQL collection; passwords are masked', () => {
  assert.deepEqual(parseIndexSpec('./data/papers'), { name: 'papers', location: './data/papers' });
  assert.deepEqual(parseIndexSpec('/tmp/My Papers (2024)/'), { name: 'My-Papers-2024-', location: '/tmp/My Papers (2024)/' });
  assert.deepEqual(parseIndexSpec('sci=./scifact-idx'), { name: 'sci', location: './scifact-idx' });
  assert.deepEqual(parseIndexSpec('postgres://app:pw@db:5432/search?collection=notes'), {
    name: 'notes',
    location: 'postgres://app:pw@db:5432/search?collection=notes',
  });
  assert.equal(parseIndexSpec('postgresql://app@db/search').name, 'default');
  assert.equal(parseIndexSpec('pg=postgres://app@db/search?collection=x').name, 'pg');
  assert.equal(displayLocation('postgres://app:secret@db:5432/search?collection=notes'), 'postgres://app:***@db:5432/search?collection=notes');
  assert.equal(displayLocation('./papers'), './papers');
});

test('an opened Collection and a folder served side by side; the caller keeps its own collection open', async () => {
  const healthDir = await lexicalIndex('health');
  const notesDir = await lexicalIndex('notes', [{ id: 'n1', text: 'Buy coffee beans.', metadata: { year: 2024, topic: 'shopping' } }]);
  const mine = await Collection.open(healthDir);
  try {
    const { client, tartan, logged } = await connect({ indexes: [{ name: 'mine', collection: mine }, notesDir], maxExplained: 2 });
    assert.deepEqual(tartan.indexNames, ['mine', 'notes']);
    assert.deepEqual((await client.listTools()).tools.map((t) => t.name).sort(), ['explain', 'list_indexes', 'search']);
    assert.match(client.getInstructions() ?? '', /the indexes mine, notes/);

    const r = await call(client, 'search', { index: 'mine', query: 'blood pressure adults', k: 4, explain: true });
    const hits = r.structuredContent?.hits as Hits;
    assert.equal(hits.length, 4);
    assert.deepEqual(
      hits.map((h) => h.explanation !== undefined),
      [true, true, false, false],
      'maxExplained caps the explained hits',
    );
    for (const h of hits.slice(0, 2)) assert.ok(Math.abs(h.explanation!.raw - h.score) < 1e-5);
    assert.match(textOf(r), /\(the first 2 hits are explained\)$/);

    // The same ranking as the library's own search.
    const direct = await mine.index.search('blood pressure adults', { k: 4 });
    assert.deepEqual(
      hits.map((h) => h.id),
      direct.map((h) => h.id),
    );
    assert.deepEqual(logged, []);

    await client.close();
    await tartan.close();
    await tartan.close();
    // `mine` was the caller's: still open and searchable.
    assert.equal((await mine.index.search('coffee', { k: 1 })).length, 1);
  } finally {
    await mine.close();
    for (const d of [healthDir, notesDir]) rmSync(dirname(d), { recursive: true, force: true });
  }
});

test('createTartanMcpServer refuses no indexes, duplicate names and a bad maxExplained, closing what it opened', async () => {
  const dir = await lexicalIndex('health');
  try {
    await assert.rejects(createTartanMcpServer({ indexes: [] }), (e) => isTartanError(e, ErrorCodes.INVALID_ARGUMENT));
    await assert.rejects(createTartanMcpServer({ indexes: [dir, dir] }), (e) => isTartanError(e, ErrorCodes.INDEX_EXISTS) && /name=location/.test(e.message));
    await assert.rejects(createTartanMcpServer({ indexes: [dir], maxExplained: 0 }), (e) => isTartanError(e, ErrorCodes.INVALID_ARGUMENT));
    await assert.rejects(createTartanMcpServer({ indexes: [dir, 'bad name!=./x'] }), (e) => isTartanError(e));
    // Everything opened above was closed again: the folder opens for writing.
    const ix = await Index.open(dir);
    await ix.add([{ id: 'extra', text: 'Nothing holds the index.' }]);
    await ix.close();
  } finally {
    rmSync(dirname(dir), { recursive: true, force: true });
  }
});

pgTest('a PostgreSQL collection is served under its collection name: list, search, explain, add', async (_t, url) => {
  const name = uniqueName('mcp');
  const u = new URL(url);
  u.searchParams.set('collection', name);
  const location = u.toString();
  const index = await Index.create(location, { model: 'lexical' });
  try {
    await index.add(DOCS);
  } finally {
    await index.close();
  }
  try {
    const { client, tartan } = await connect({ indexes: [location], allowWrites: true });
    try {
      const list = (await call(client, 'list_indexes')).structuredContent as { indexes: Array<Record<string, unknown>> };
      assert.equal(list.indexes[0].name, name);
      assert.equal(list.indexes[0].mode, 'postgres');
      assert.equal(list.indexes[0].documents, DOCS.length);
      assert.deepEqual(list.indexes[0].sideIndexes, []);
      const hits = (await call(client, 'search', { query: 'what lowers blood pressure', k: 2 })).structuredContent?.hits as Hits;
      assert.deepEqual(
        hits.map((h) => h.id),
        ['walk', 'salt'],
      );
      const e = await call(client, 'explain', { query: 'what lowers blood pressure', id: 'walk' });
      assert.ok(Math.abs((e.structuredContent as { score: number }).score - hits[0].score) < 1e-3, textOf(e));
      const added = await call(client, 'add_documents', { documents: [{ id: 'beet', text: 'Beetroot juice lowers blood pressure.' }] });
      assert.notEqual(added.isError, true, textOf(added));
      const found = (await call(client, 'search', { query: 'beetroot', k: 1 })).structuredContent?.hits as Hits;
      assert.equal(found[0].id, 'beet');
    } finally {
      await client.close();
      await tartan.close();
    }
  } finally {
    await dropStore(location);
  }
});
