/** Locations of the shared material (fixtures, datasets) the project reads by path. */
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The package root (the folder holding package.json), from src/ or dist/src/. */
export const packageRoot: string = (() => {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'package.json')) && dirname(dir) !== dir) dir = dirname(dir);
  return dir;
})();

/**
 * The shared folder: $TARTAN_SHARED, else ../shared beside the package root. It holds the fixtures
 * kept out of git (real tokenizer, SciFact, word vectors, seed cases; see the README), so only a
 * checkout in the project's environment has it: code that reads it must say which path is missing.
 */
export function sharedDir(): string {
  return process.env.TARTAN_SHARED ? resolve(process.env.TARTAN_SHARED) : resolve(packageRoot, '..', 'shared');
}

/** The real bert-base-uncased tokenizer files shipped in ../shared/fixtures. */
export function fixtureTokenizerDir(): string {
  return join(sharedDir(), 'fixtures', 'tokenizers', 'bert-base-uncased');
}
