/** `tartan models pull <id>`: download a model's files into the Hugging Face cache and print the snapshot folder. */
import type { Command } from 'commander';
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { downloadRepoFiles } from '../../models/hub/hub.js';
import { findModelSpec, getModelSpec } from '../../models/registry.js';
import { commandGroup, printJson } from '../output.js';

interface PullOptions {
  revision: string;
  cacheDir?: string;
  files?: string;
  refresh?: boolean;
  json?: boolean;
}

/** The repository and files to fetch: --files for any repository, else the registry entry (UNKNOWN_MODEL lists known ids). */
function target(id: string, listed: string | undefined): { repo: string; files: string[] } {
  if (listed !== undefined) {
    return {
      repo: findModelSpec(id)?.id ?? id,
      files: listed
        .split(',')
        .map((f) => f.trim())
        .filter((f) => f.length > 0),
    };
  }
  const spec = getModelSpec(id);
  return { repo: spec.id, files: spec.files };
}

export function register(program: Command): void {
  commandGroup(program, 'models', 'list, pull and build models')
    .command('pull <id>')
    .description(
      'download a model from the Hugging Face hub into the cache shared with Python (HF_HUB_CACHE / HF_HOME); resumes partial downloads, checks sha256, honours HF_ENDPOINT, HF_TOKEN, HF_HUB_OFFLINE; prints the snapshot folder',
    )
    .option('--revision <rev>', 'branch, tag or commit sha', 'main')
    .option('--cache-dir <dir>', 'hub cache folder (default $HF_HUB_CACHE, $HF_HOME/hub or ~/.cache/huggingface/hub)')
    .option('--files <paths>', 'comma-separated repository files to fetch (default: the files the model registry lists for <id>)')
    .option('--refresh', 'ask the hub for the latest commit even when the revision is already cached')
    .option('--json', 'print {"id", "path", "files": [{"path", "bytes"}]} as JSON')
    .action(async (id: string, opts: PullOptions) => {
      const { repo, files } = target(id, opts.files);
      const path = await downloadRepoFiles(repo, files, {
        revision: opts.revision,
        cacheDir: opts.cacheDir,
        refresh: opts.refresh,
        // JSON output is for scripts: keep stderr free of bar redraws unless it is a terminal.
        progressBar: opts.json ? false : undefined,
      });
      if (opts.json) {
        printJson({ id: repo, path, files: files.map((f) => ({ path: f, bytes: statSync(join(path, ...f.split('/'))).size })) });
      } else {
        console.log(path);
      }
    });
}
