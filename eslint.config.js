// ESLint flat config. Syntax-only rules (no type information): type-checked linting needs a full
// program per run and is too slow for CI on two cores; `tsc --noEmit` already covers types.
import js from '@eslint/js';
import { defineConfig } from 'eslint/config';
import tseslint from 'typescript-eslint';

// The few globals each environment uses, listed by hand rather than pulling in the `globals` package.
const nodeGlobals = { process: 'readonly', console: 'readonly', Buffer: 'readonly', URL: 'readonly', setTimeout: 'readonly', clearTimeout: 'readonly' };
const browserGlobals = { window: 'readonly', document: 'readonly', fetch: 'readonly', console: 'readonly', URL: 'readonly', setTimeout: 'readonly' };

// Rules that catch real bugs and are cheap without type information.
const bugRules = {
  'no-self-compare': 'error',
  'no-template-curly-in-string': 'error',
  // for-await-of loops that return or break on the first item are the deliberate way to take one
  // value from an async iterable; ordinary loops that cannot iterate twice are still bugs.
  'no-unreachable-loop': ['error', { ignore: ['ForOfStatement'] }],
  'no-constructor-return': 'error',
  'no-sequences': 'error',
  'array-callback-return': 'error',
  eqeqeq: ['error', 'always', { null: 'ignore' }],
  // Left out on purpose, after measuring: no-promise-executor-return fired on every
  // `new Promise((r) => setTimeout(r, ms))` sleep (24 hits, none a bug), and
  // no-unmodified-loop-condition on loops whose condition another async task or an enclosing
  // loop changes (7 hits, all false positives).
};

// An unused binding named with a leading underscore is deliberate (a required parameter, a skipped tuple slot).
const unusedVarsOptions = {
  args: 'after-used',
  argsIgnorePattern: '^_',
  varsIgnorePattern: '^_',
  caughtErrorsIgnorePattern: '^_',
  destructuredArrayIgnorePattern: '^_',
  ignoreRestSiblings: true,
};

export default defineConfig([
  { ignores: ['dist/', 'node_modules/', 'build/', 'artifacts/', 'native/'] },
  {
    files: ['src/**/*.ts', 'test/**/*.ts', 'bench/**/*.ts', 'examples/**/*.ts'],
    extends: [js.configs.recommended, tseslint.configs.recommended],
    rules: {
      ...bugRules,
      '@typescript-eslint/no-unused-vars': ['error', unusedVarsOptions],
      '@typescript-eslint/consistent-type-imports': ['error', { prefer: 'type-imports', fixStyle: 'separate-type-imports' }],
    },
  },
  {
    // Tests that poke servers and manifests with malformed JSON read untyped bodies on purpose.
    files: ['test/fuzz/**/*.ts', 'test/server/start-server.ts'],
    rules: { '@typescript-eslint/no-explicit-any': 'off' },
  },
  {
    // The web page's scripts run in the browser as plain ES modules.
    files: ['src/server/web/**/*.js'],
    extends: [js.configs.recommended],
    languageOptions: { sourceType: 'module', globals: browserGlobals },
    rules: { ...bugRules, 'no-unused-vars': ['error', unusedVarsOptions] },
  },
  {
    files: ['scripts/**/*.mjs', '*.js', '*.cjs'],
    extends: [js.configs.recommended],
    languageOptions: { globals: nodeGlobals },
    rules: { ...bugRules, 'no-unused-vars': ['error', unusedVarsOptions] },
  },
  { files: ['*.cjs'], languageOptions: { sourceType: 'commonjs', globals: { module: 'writable', require: 'readonly' } } },
]);
