/**
 * The registry of evaluation pipelines: name -> factory. `tartan eval
 * --pipeline a,b` looks names up here, so presets are added without touching
 * the command:
 *
 * - drop a module into `src/eval/pipelines/` exporting
 *   `pipelines: PipelineDefinition[]` (loaded by {@link loadPipelineModules}), or
 * - call {@link registerPipeline} before the evaluation runs.
 *
 * @example
 * ```ts
 * registerPipeline({
 *   name: 'my-dense',
 *   description: 'bge-small cosine over all documents',
 *   create: async ({ dataset }) => buildMyRetriever(dataset),
 * });
 * ```
 */
import { readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { ErrorCodes, TartanError } from '../core/errors.js';
import type { BeirDataset } from './beir.js';
import type { Progress } from './progress.js';
import type { Retriever } from './retriever.js';

/** What a pipeline factory receives. */
export interface PipelineContext {
  dataset: BeirDataset;
  /** Where the pipeline may persist (and reuse) its index; in memory when absent. */
  workDir?: string;
  progress: Progress;
  /** Free-form settings from the command line (`--set key=value`), e.g. `k1`, `b`. */
  settings: Record<string, string>;
}

/** A named pipeline. */
export interface PipelineDefinition {
  name: string;
  description: string;
  create(context: PipelineContext): Promise<Retriever>;
}

const registry = new Map<string, PipelineDefinition>();

/** Adds (or replaces) a pipeline. */
export function registerPipeline(definition: PipelineDefinition): void {
  registry.set(definition.name, definition);
}

/** The registered pipelines, by name. */
export function listPipelines(): PipelineDefinition[] {
  return [...registry.values()].sort((a, b) => a.name.localeCompare(b.name));
}

/** Looks a pipeline up; throws UNKNOWN_PIPELINE listing the known names. */
export function getPipeline(name: string): PipelineDefinition {
  const found = registry.get(name);
  if (!found) {
    throw new TartanError(
      ErrorCodes.UNKNOWN_PIPELINE,
      `Unknown pipeline "${name}"; known pipelines: ${
        listPipelines()
          .map((p) => p.name)
          .join(', ') || '(none)'
      }.`,
    );
  }
  return found;
}

let loaded: Promise<void> | undefined;

/** Imports every module in `src/eval/pipelines/` once and registers the pipelines they export. */
export function loadPipelineModules(): Promise<void> {
  loaded ??= (async () => {
    const dir = join(dirname(fileURLToPath(import.meta.url)), 'pipelines');
    // .js when built, .ts when run from source with tsx
    const files = readdirSync(dir)
      .filter((f) => /\.(js|ts)$/.test(f) && !f.endsWith('.d.ts'))
      .sort();
    for (const file of files) {
      const mod = (await import(pathToFileURL(join(dir, file)).href)) as { pipelines?: PipelineDefinition[] };
      for (const definition of mod.pipelines ?? []) registerPipeline(definition);
    }
  })();
  return loaded;
}
