/**
 * A mistyped model name (`--model lexicl`): the coded error names `lexical`,
 * the built-in model that works offline, and suggests the id meant.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { tartanSync } from '../cli/run-cli.js';
import { ErrorCodes, isTartanError, type TartanError } from '../../src/core/errors.js';
import { getModelSpec } from '../../src/models/registry.js';
import { loadEncoder } from '../../src/models/model-loader.js';
import { Index } from '../../src/retrieval/index-facade.js';

const unknown = (suggestion: string | undefined) => (e: unknown) => {
  assert.ok(isTartanError(e, ErrorCodes.UNKNOWN_MODEL), String(e));
  const err = e as TartanError;
  if (suggestion) assert.match(err.message, new RegExp(`Did you mean '${suggestion.replace(/[./]/g, '\\$&')}'\\?`));
  else assert.doesNotMatch(err.message, /Did you mean/);
  assert.equal(err.details?.suggestion, suggestion);
  return true;
};

test('tartan index <dir> <file> --model lexicl: a coded error that lists and suggests lexical; nothing is created', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tartan-typo-'));
  try {
    writeFileSync(join(dir, 'docs.jsonl'), '{"id":"a","text":"Aspirin lowers fever."}\n');
    const run = (...extra: string[]) =>
      tartanSync(['index', join(dir, 'idx'), join(dir, 'docs.jsonl'), '--model', 'lexicl', '--no-progress', ...extra], {
        env: { TARTAN_HOME: join(dir, 'home') },
      });
    const r = run();
    assert.equal(r.status, 1);
    assert.match(r.stderr, /E_UNKNOWN_MODEL: unknown model 'lexicl'\. Did you mean 'lexical'\? Known colbert models: lexical \(built in, works offline\), /);
    assert.equal(existsSync(join(dir, 'idx')), false);
    const json = JSON.parse(run('--json').stdout) as { error: { code: string; details: { known: string[]; suggestion: string } } };
    assert.equal(json.error.code, 'E_UNKNOWN_MODEL');
    assert.equal(json.error.details.suggestion, 'lexical');
    assert.ok(json.error.details.known.includes('lexical'));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('the API: Index.create and loadEncoder suggest the id meant, for any registry id', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'tartan-typo-api-'));
  try {
    await assert.rejects(Index.create(join(dir, 'a'), { model: 'lexicl' }), unknown('lexical'));
    await assert.rejects(Index.create(join(dir, 'b'), { model: 'colbert-ir/colbertv2' }), unknown('colbert-ir/colbertv2.0'));
    await assert.rejects(loadEncoder('BAAI/bge-smal-en-v1.5', 'dense', { offline: true }), unknown('BAAI/bge-small-en-v1.5'));
    await assert.rejects(loadEncoder('nothing-like-any-model', 'dense', { offline: true }), unknown(undefined));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('the list names lexical among ColBERT models (and without a kind), not among dense ones', () => {
  const message = (id: string, kind?: 'colbert' | 'dense') => {
    try {
      getModelSpec(id, kind);
    } catch (e) {
      return (e as Error).message;
    }
    return '';
  };
  assert.match(message('xyz', 'colbert'), /Known colbert models: lexical \(built in, works offline\), answerdotai/);
  assert.match(message('xyz'), /Known models: lexical \(built in, works offline\), /);
  assert.doesNotMatch(message('xyz', 'dense'), /lexical/);
  assert.match(message('xyz', 'dense'), /Known dense models: BAAI\/bge-small-en-v1\.5\./);
});
