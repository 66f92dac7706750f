/**
 * The one place tests ask for the project's shared fixtures (../shared beside the checkout, or
 * $TARTAN_SHARED; see the README). A test that needs a missing fixture is skipped with a reason
 * naming it; with CI set, a missing fixture throws at load instead, so CI cannot skip silently.
 */
import { test as nodeTest, before as nodeBefore, after as nodeAfter, beforeEach as nodeBeforeEach, afterEach as nodeAfterEach } from 'node:test';
import type { TestContext, TestOptions } from 'node:test';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { sharedDir } from '../src/core/paths.js';

/** Paths inside the shared folder that tests read. */
export const SHARED = {
  /** The real bert-base-uncased tokenizer (synthetic models copy it). */
  tokenizer: 'fixtures/tokenizers/bert-base-uncased',
  /** A real ColBERT model folder (config, tokenizer, 1_Dense projection; no ONNX graph). */
  colbertSmall: 'fixtures/models/answerai-colbert-small-v1',
  /** GloVe 100d word vectors for the SciFact vocabulary. */
  wordVectors: 'fixtures/word-vectors/glove-100d-scifact',
  /** BEIR SciFact (corpus, queries, qrels). */
  scifact: 'datasets/scifact',
  /** Inputs and outputs the Python reference libraries produced. */
  seedCases: 'reference/seed-cases.json',
} as const;

/** True when the CI variable is set to something other than an explicit no. */
export function inCi(env: NodeJS.ProcessEnv = process.env): boolean {
  const ci = env.CI?.trim().toLowerCase();
  return ci !== undefined && ci !== '' && ci !== '0' && ci !== 'false';
}

/** How a shared path is shown: ../shared/<rel> by default, the real path when $TARTAN_SHARED moved it. */
function shown(rel: string): string {
  return process.env.TARTAN_SHARED ? join(sharedDir(), rel) : `../shared/${rel}`;
}

/**
 * Why a test needing `paths` (inside the shared folder) cannot run here, or undefined when all exist.
 * Throws when CI is set: CI always has the shared folder, so a missing one is a broken setup.
 */
export function sharedSkipReason(...paths: string[]): string | undefined {
  const missing = paths.filter((rel) => !existsSync(join(sharedDir(), rel)));
  if (missing.length === 0) return undefined;
  const source = process.env.TARTAN_SHARED ? 'from TARTAN_SHARED' : 'set TARTAN_SHARED';
  const what = missing.map(shown).join(', ');
  if (inCi()) {
    throw new Error(`${what} not found: CI is set, and CI must run the tests that read the project's shared fixtures (${source}; see the README)`);
  }
  return `skipped: ${what} not found (the project's shared fixtures; ${source})`;
}

/** node:test options for one test that reads shared fixtures: `{ skip: reason }` when one is missing. */
export function needsShared(...paths: string[]): { skip: string | false } {
  return { skip: sharedSkipReason(...paths) ?? false };
}

type Body = (t: TestContext) => void | Promise<void>;

/** `test` as the files that read shared fixtures call it. */
export interface SharedTest {
  (name: string, fn: Body): Promise<void>;
  (name: string, options: TestOptions, fn: Body): Promise<void>;
}

/** test and hooks for a file whose every test reads shared fixtures. */
export interface SharedSuite {
  /** The skip reason, or undefined when the fixtures are there (for module-level reads that must not run when skipping). */
  skip: string | undefined;
  test: SharedTest;
  before: typeof nodeBefore;
  after: typeof nodeAfter;
  beforeEach: typeof nodeBeforeEach;
  afterEach: typeof nodeAfterEach;
}

/**
 * Drop-in `test`, `before`, `after`, `beforeEach`, `afterEach` for a file whose every test needs
 * `paths`: when one is missing every test is skipped with the reason and the hooks (which would
 * build models from the fixtures) are not registered.
 *
 * @example
 * ```ts
 * const { test, before, after } = sharedSuite(SHARED.tokenizer);
 * ```
 */
export function sharedSuite(...paths: string[]): SharedSuite {
  const reason = sharedSkipReason(...paths);
  const test = ((name: string, a: TestOptions | Body, b?: Body) => {
    const [options, fn] = typeof a === 'function' ? [{}, a] : [a, b as Body];
    return nodeTest(name, reason === undefined ? options : { ...options, skip: reason }, fn);
  }) as SharedTest;
  const hook = <H extends (...args: never[]) => void>(register: H): H =>
    ((...args: Parameters<H>) => {
      if (reason === undefined) register(...args);
    }) as H;
  return { skip: reason, test, before: hook(nodeBefore), after: hook(nodeAfter), beforeEach: hook(nodeBeforeEach), afterEach: hook(nodeAfterEach) };
}
