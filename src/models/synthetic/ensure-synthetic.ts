/**
 * Reuses a synthetic model folder built earlier with the same options, so
 * benchmarks and tests that need a real-size model (130-440 MB, seconds to
 * write) build it once per machine rather than once per run.
 */
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { ARCHITECTURES } from './architectures.js';
import { SYNTHETIC_BUILDER_VERSION } from './folder-files.js';
import { makeSyntheticModel, MARKER_FILE, resolveSyntheticOptions, type SyntheticModelInfo, type SyntheticModelOptions } from './make-synthetic.js';
import { buildSyntheticGraph } from './synthetic-graph.js';

/** What the marker file records (the fields reuse depends on). */
interface Marker {
  builderVersion?: number;
  arch?: string;
  kind?: string;
  layout?: string;
  seed?: number;
  dim?: number;
  params?: number;
  output?: string;
  files?: string[];
}

async function sizeOf(path: string): Promise<number | undefined> {
  try {
    return (await stat(path)).size;
  } catch {
    return undefined;
  }
}

async function reusable(dir: string, opts: SyntheticModelOptions): Promise<SyntheticModelInfo | undefined> {
  const o = resolveSyntheticOptions(opts);
  let marker: Marker;
  try {
    marker = JSON.parse(await readFile(join(dir, MARKER_FILE), 'utf8')) as Marker;
  } catch {
    return undefined;
  }
  const arch = ARCHITECTURES[o.arch];
  const width = o.kind === 'colbert' ? o.dim : o.kind === 'cross-encoder' ? 1 : arch.hidden;
  const same =
    marker.builderVersion === SYNTHETIC_BUILDER_VERSION &&
    marker.arch === o.arch &&
    marker.kind === o.kind &&
    marker.layout === o.layout &&
    marker.seed === o.seed &&
    marker.dim === width;
  if (!same || !Array.isArray(marker.files) || marker.params === undefined || marker.output === undefined) return undefined;
  // The graph's encoded size is known without generating weights; a truncated or foreign model.onnx fails this.
  const expectedModelBytes = buildSyntheticGraph(arch, o.kind, o.layout, o.dim ?? 0, o.seed).model.byteLength;
  if ((await sizeOf(join(dir, 'model.onnx'))) !== expectedModelBytes) return undefined;
  const files: { path: string; bytes: number }[] = [];
  for (const path of [...marker.files, MARKER_FILE]) {
    const bytes = await sizeOf(join(dir, path));
    if (bytes === undefined) return undefined;
    files.push({ path, bytes });
  }
  return {
    dir,
    arch: o.arch,
    kind: o.kind,
    layout: o.layout,
    seed: o.seed,
    hidden: arch.hidden,
    dim: width as number,
    output: marker.output,
    params: marker.params,
    files,
    totalBytes: files.reduce((a, f) => a + f.bytes, 0),
  };
}

/**
 * Returns the synthetic model in `dir` if it was built with the same options
 * by this builder version and its files are intact; builds it otherwise.
 * Reuse checks sizes, not contents: a folder edited by hand at the same sizes is trusted.
 *
 * @example
 * ```ts
 * const model = await ensureSyntheticModel(join(os.tmpdir(), 'tartan-bert-small-colbert'), { arch: 'bert-small', kind: 'colbert' });
 * if (!model.reused) console.log(`built ${model.params} parameters`);
 * ```
 */
export async function ensureSyntheticModel(dir: string, opts: SyntheticModelOptions): Promise<SyntheticModelInfo & { reused: boolean }> {
  const existing = await reusable(dir, opts);
  if (existing) return { ...existing, reused: true };
  return { ...(await makeSyntheticModel(dir, opts)), reused: false };
}
