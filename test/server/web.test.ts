/**
 * The web page in a real browser: Debian's chromium driven by playwright-core
 * against a real server. Screenshots go to artifacts/screenshots/ (gitignored).
 * Without /usr/bin/chromium the tests skip locally and FAIL in CI (CI=true);
 * .ci/install-chromium.sh installs it.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { makeSyntheticModel } from '../../src/models/synthetic/index.js';
import { packageRoot } from '../../src/core/paths.js';
import { call, startServer, type RunningServer } from './start-server.js';
import { SHARED, needsShared } from '../shared-fixtures.js';

const CHROMIUM = process.env.TARTAN_CHROMIUM ?? '/usr/bin/chromium';
const SHOTS = join(packageRoot, 'artifacts', 'screenshots');
const missing = existsSync(CHROMIUM) ? undefined : `${CHROMIUM} not found (run .ci/install-chromium.sh)`;
if (missing && process.env.CI === 'true') {
  test('chromium is installed for the browser tests', () => assert.fail(`${missing}; CI must run the browser tests`));
}
const skip = missing ? `skipped: ${missing}` : false;

const DOCS = [
  { id: 'aspirin', text: 'Aspirin lowers fever and reduces inflammation in adults.' },
  { id: 'ibuprofen', text: 'Ibuprofen reduces fever and pain; like aspirin it is an anti-inflammatory drug.' },
  { id: 'weather', text: 'The weather was sunny and the harvest was good.' },
  { id: 'xss', text: 'Fever <img src=x onerror="window.__pwned=1"> <script>window.__pwned=2</script> chart' },
];

let server: RunningServer;
let context: BrowserContext;
let page: Page;
let profile: string;

before(async () => {
  if (skip) return;
  mkdirSync(SHOTS, { recursive: true });
  server = await startServer();
  assert.equal((await call(`${server.url}/api/indexes`, { method: 'POST', json: { name: 'demo' } })).status, 201);
  assert.equal((await call(`${server.url}/api/indexes/demo/documents`, { method: 'POST', json: { documents: DOCS } })).status, 200);
  profile = mkdtempSync(join(tmpdir(), 'tartan-chromium-'));
  context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
    viewport: { width: 1280, height: 900 },
  });
  page = context.pages()[0] ?? (await context.newPage());
  page.setDefaultTimeout(15_000);
});

after(async () => {
  await context?.close();
  await server?.stop();
  if (profile) rmSync(profile, { recursive: true, force: true });
});

test('search shows ranked results with raw and normalised scores and highlighted matches', { skip }, async () => {
  await page.goto(server.url);
  await page.waitForSelector('#index-select option[value="demo"]', { state: 'attached' });
  await page.fill('#query', 'aspirin fever');
  await page.click('#search-button');
  await page.waitForSelector('.result');
  const ids = await page.$$eval('.result', (els) => els.map((e) => e.getAttribute('data-id')));
  assert.ok(['aspirin', 'ibuprofen'].includes(ids[0] ?? ''), `a drug document first, got ${ids}`);
  assert.equal(ids.at(-1) === 'aspirin', false);
  const head = await page.textContent('.result:first-child .result-head');
  assert.match(head ?? '', /raw \d+\.\d{4}/);
  assert.match(head ?? '', /normalised \d+\.\d{4}/);
  const marks = await page.$$eval('.result:first-child mark', (els) => els.map((e) => e.textContent?.toLowerCase()));
  assert.ok(marks.includes('aspirin') && marks.includes('fever'), `query words highlighted, got ${marks}`);
  await page.screenshot({ path: join(SHOTS, 'search-results.png'), fullPage: true });
});

test('a result opens its heatmap: query tokens x document tokens with the best match marked', { skip }, async () => {
  await page.click('.result:first-child .heatmap-toggle');
  const table = await page.waitForSelector('.result:first-child table.heatmap');
  const rows = await table.$$eval('th.query-token', (els) => els.map((e) => e.textContent));
  assert.deepEqual(rows, ['aspirin', 'fever']);
  const cols = await table.$$eval('th.doc-token', (els) => els.length);
  assert.ok(cols >= 4);
  const cells = await table.$$eval('td.cell', (els) => els.length);
  assert.equal(cells, rows.length * cols);
  const best = await table.$$eval('td.cell.best', (els) => els.map((e) => e.getAttribute('aria-label')));
  assert.equal(best.length, 2, 'one best cell per query row');
  // The index stores float16 rows, and the heatmap shows what the score used: a word against itself is 1 within float16 rounding.
  assert.match(best[0] ?? '', /^aspirin with aspirin: (1\.000\d|0\.999\d), best match$/);
  const bestColour = await table.$eval('td.cell.best', (e) => e.getAttribute('style'));
  const plainColour = await table.$eval('td.cell:not(.best)', (e) => e.getAttribute('style'));
  assert.match(bestColour ?? '', /background-color: rgb\(/);
  assert.notEqual(bestColour, plainColour, 'similarity is shown as colour');
  assert.equal(await page.getAttribute('.result:first-child .heatmap-toggle', 'aria-expanded'), 'true');
  await table.scrollIntoViewIfNeeded();
  await page.screenshot({ path: join(SHOTS, 'heatmap.png'), fullPage: true });
});

test('document text is shown as text, never as markup', { skip }, async () => {
  await page.fill('#query', 'fever chart');
  await page.click('#search-button');
  await page.waitForSelector('.result[data-id="xss"]');
  const text = await page.textContent('.result[data-id="xss"] .doc-text');
  assert.match(text ?? '', /<img src=x onerror=/);
  assert.equal(await page.$$eval('.results img, .results script', (els) => els.length), 0);
  assert.equal(await page.evaluate(() => (globalThis as { __pwned?: number }).__pwned), undefined);
});

test('the compare view scores documents side by side and says which models are missing', { skip }, async () => {
  await page.click('#tab-compare');
  assert.equal(await page.isVisible('#view-search'), false);
  await page.fill('#compare-query', 'who founded the company');
  await page.click('#compare-button');
  const table = await page.waitForSelector('#compare-table');
  const headers = await table.$$eval('thead th', (els) => els.map((e) => e.textContent ?? ''));
  assert.equal(headers.length, 4);
  assert.match(headers[1], /Dense.*not configured/);
  assert.match(headers[2], /ColBERT.*lexical/);
  assert.match(headers[3], /Cross-encoder.*not configured/);
  const firstRow = await table.$$eval('tbody tr:first-child td', (els) => els.map((e) => e.textContent ?? ''));
  assert.match(firstRow[0], /no dense model configured/);
  assert.match(firstRow[1], /^\d+\.\d{4} #\d/);
  const top = await table.$$eval('tbody td.top', (els) => els.map((e) => e.closest('tr')?.querySelector('th')?.textContent));
  assert.deepEqual(top, ['The company was founded in 1998 by two graduate students.']);
  await page.screenshot({ path: join(SHOTS, 'compare.png'), fullPage: true });
});

test('with dense and cross-encoder models configured, all three columns are scored', { skip: skip || needsShared(SHARED.tokenizer).skip }, async () => {
  // Tiny random-weight models: the scores mean nothing, the wiring is what is checked.
  const models = mkdtempSync(join(tmpdir(), 'tartan-web-models-'));
  await makeSyntheticModel(join(models, 'dense'), { arch: 'tiny', kind: 'dense', seed: 11 });
  await makeSyntheticModel(join(models, 'cross'), { arch: 'tiny', kind: 'cross-encoder', seed: 12 });
  const full = await startServer({ models: { dense: join(models, 'dense'), crossEncoder: join(models, 'cross') } });
  try {
    await page.goto(full.url);
    await page.click('#tab-compare');
    await page.click('#compare-button');
    const table = await page.waitForSelector('#compare-table');
    assert.equal(await table.$$eval('.unavailable', (els) => els.length), 0, 'no column is unavailable');
    const rows = await table.$$eval('tbody tr', (trs) => trs.map((tr) => [...tr.querySelectorAll('td')].map((td) => td.textContent ?? '')));
    assert.equal(rows.length, 3);
    for (const row of rows) {
      assert.equal(row.length, 3);
      for (const cell of row) assert.match(cell, /^-?\d+\.\d{4} #[123]/);
    }
    for (let col = 0; col < 3; col++) {
      const ranks = rows.map((r) => Number(/#(\d)/.exec(r[col])?.[1])).sort();
      assert.deepEqual(ranks, [1, 2, 3], 'each column ranks the three documents');
    }
    await page.screenshot({ path: join(SHOTS, 'compare-three-models.png'), fullPage: true });

    // a staged search: the meta line lists each stage's time from the response's latencyMs
    assert.equal((await call(`${full.url}/api/indexes`, { method: 'POST', json: { name: 'demo' } })).status, 201);
    assert.equal((await call(`${full.url}/api/indexes/demo/documents`, { method: 'POST', json: { documents: DOCS } })).status, 200);
    await page.goto(full.url);
    await page.waitForSelector('#index-select option[value="demo"]', { state: 'attached' });
    await page.waitForSelector('#pipeline option[value="colbert>cross-encoder"]', { state: 'attached' });
    await page.selectOption('#pipeline', 'colbert>cross-encoder');
    await page.fill('#query', 'aspirin fever');
    await page.click('#search-button');
    await page.waitForSelector('.result');
    assert.match((await page.textContent('#search-meta')) ?? '', / in \d+\.\d ms \(colbert \d+\.\d ms, cross-encoder-rerank \d+\.\d ms\)$/);
  } finally {
    await full.stop();
    rmSync(models, { recursive: true, force: true });
  }
});
