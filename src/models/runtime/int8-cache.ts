/**
 * A disk cache of the int8 graphs tartan makes at load, so a model is quantised once per
 * version rather than on every start (a second for bert-base, longer for large exports).
 * Entries live in $TARTAN_HOME/cache/int8 (default ~/.tartan/cache/int8), named by a hash of
 * the graph's path, the size and modification time of it and its data files, and the
 * quantiser's settings; a changed model gets a new entry. Delete the folder to reclaim space.
 * Where the folder cannot be written, the graph is quantised in memory instead.
 *
 * @example
 * ```ts
 * const g = int8Graph('/models/colbert/model.onnx', { reduceRange: false, readExternal });
 * const session = await ort.InferenceSession.create(g.path ?? g.bytes!);
 * ```
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';
import { quantizeModelInt8, type QuantizeOptions, type QuantizeReport } from './quantize-int8.js';

/** Bump when the quantiser's output changes, so old entries stop matching. */
const QUANTIZER_VERSION = 1;

/** The cache folder: $TARTAN_HOME/cache/int8, default ~/.tartan/cache/int8. */
export function int8CacheDir(env: NodeJS.ProcessEnv = process.env): string {
  return join(env.TARTAN_HOME ?? join(homedir(), '.tartan'), 'cache', 'int8');
}

/** An int8 graph: a cached file to load by path, or bytes when the cache could not be written. */
export interface Int8Graph {
  path?: string;
  bytes?: Buffer;
  report: QuantizeReport;
  /** True when the entry was already in the cache. */
  cached: boolean;
}

function cacheKey(modelPath: string, options: QuantizeOptions): string {
  const file = resolve(modelPath);
  const dir = dirname(file);
  // The graph and the data files that travel with it (model.onnx_data, model.onnx.data, ...).
  const stamps = readdirSync(dir)
    .filter((n) => n.startsWith(basename(file)))
    .sort()
    .map((n) => {
      const s = statSync(join(dir, n));
      return [n, s.size, s.mtimeMs];
    });
  return createHash('sha256')
    .update(JSON.stringify({ v: QUANTIZER_VERSION, file, stamps, reduceRange: !!options.reduceRange }))
    .digest('hex')
    .slice(0, 32);
}

/** The int8 graph of `modelPath`, from the cache or made now (and cached when possible). */
export function int8Graph(modelPath: string, options: QuantizeOptions, cacheDir: string = int8CacheDir()): Int8Graph {
  const key = cacheKey(modelPath, options);
  const graphPath = join(cacheDir, `${key}.onnx`);
  const reportPath = join(cacheDir, `${key}.json`);
  if (existsSync(graphPath) && existsSync(reportPath)) {
    try {
      return { path: graphPath, report: JSON.parse(readFileSync(reportPath, 'utf8')) as QuantizeReport, cached: true };
    } catch {
      // A damaged report: make the entry again below.
    }
  }
  const { bytes, report } = quantizeModelInt8(readFileSync(modelPath), options);
  // A graph with nothing to quantise is refused by the caller; no point keeping a copy of it.
  if (report.matmuls === 0) return { bytes, report, cached: false };
  const partial = `${graphPath}.${process.pid}.partial`;
  try {
    mkdirSync(cacheDir, { recursive: true });
    writeFileSync(partial, bytes);
    renameSync(partial, graphPath);
    // The report goes last: an entry without it is never read.
    writeFileSync(`${reportPath}.${process.pid}.partial`, JSON.stringify(report));
    renameSync(`${reportPath}.${process.pid}.partial`, reportPath);
    return { path: graphPath, report, cached: false };
  } catch {
    try {
      rmSync(partial, { force: true });
    } catch {
      // The folder itself is unusable; nothing was written.
    }
    return { bytes, report, cached: false };
  }
}
