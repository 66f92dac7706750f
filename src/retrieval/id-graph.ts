/**
 * An {@link HnswGraph} addressed by document id: usearch keys are integers, so each id gets a
 * fresh key when added (a replaced document's old key is removed). Saved as a graph file named
 * by a random suffix plus `hnsw.json` (ids by key and the graph's file name), written last and
 * atomically, so a crash between the two writes leaves the previous pair intact.
 */
import { existsSync, readdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { writeFileAtomic } from '../core/atomic-file.js';
import { HnswGraph, type HnswOptions } from '../scoring/hnsw-graph.js';
import type { ScoredId } from './fusion.js';

const KEYS_FILE = 'hnsw.json';
const GRAPH_FILE = /^hnsw-[0-9a-f]{16}\.usearch$/;

export class IdGraph {
  private readonly keyOf = new Map<string, number>();
  /** Document id by key; null for removed keys. */
  private readonly idAt: Array<string | null> = [];

  private constructor(private readonly graph: HnswGraph) {}

  /** A graph over `ids` (row order) and their vectors packed row-major in `data`. */
  static build(dim: number, ids: readonly string[], data: Float32Array, options: HnswOptions = {}): IdGraph {
    const g = new IdGraph(new HnswGraph(dim, options));
    ids.forEach((id, key) => {
      g.keyOf.set(id, key);
      g.idAt.push(id);
    });
    g.graph.add(
      Uint32Array.from(ids, (_, key) => key),
      data,
    );
    return g;
  }

  get size(): number {
    return this.keyOf.size;
  }

  /** Adds or replaces the vector of `id`. */
  set(id: string, vector: Float32Array): void {
    this.delete(id);
    const key = this.idAt.length;
    this.graph.add(Uint32Array.of(key), vector);
    this.idAt.push(id);
    this.keyOf.set(id, key);
  }

  delete(id: string): void {
    const key = this.keyOf.get(id);
    if (key === undefined) return;
    this.graph.remove(key);
    this.idAt[key] = null;
    this.keyOf.delete(id);
  }

  /** The k ids with the largest dot product with `query` (approximately), best first. */
  search(query: Float32Array, k: number): ScoredId[] {
    const { keys, scores } = this.graph.search(query, k);
    const out: ScoredId[] = [];
    keys.forEach((key, i) => {
      const id = this.idAt[key];
      if (id !== null && id !== undefined) out.push({ id, score: scores[i] });
    });
    return out;
  }

  save(dir: string): void {
    const name = `hnsw-${randomBytes(8).toString('hex')}.usearch`;
    this.graph.save(join(dir, `${name}.tmp`));
    renameSync(join(dir, `${name}.tmp`), join(dir, name));
    writeFileAtomic(join(dir, KEYS_FILE), [JSON.stringify({ graph: name, ids: this.idAt })]);
    IdGraph.removeFiles(dir, name);
  }

  /**
   * The graph saved in `dir` when it holds exactly the documents `ids` (else undefined: nothing
   * saved, damaged, or saved before later changes, and the caller rebuilds it).
   */
  static load(dir: string, dim: number, ids: readonly string[], options: HnswOptions = {}): IdGraph | undefined {
    try {
      const saved = JSON.parse(readFileSync(join(dir, KEYS_FILE), 'utf8')) as { graph?: unknown; ids?: unknown };
      if (typeof saved.graph !== 'string' || !GRAPH_FILE.test(saved.graph) || !Array.isArray(saved.ids)) return undefined;
      const live = saved.ids.filter((id): id is string => typeof id === 'string');
      const wanted = new Set(ids);
      if (live.length !== wanted.size || !live.every((id) => wanted.has(id))) return undefined;
      const g = new IdGraph(HnswGraph.load(join(dir, saved.graph), dim, options));
      if (g.graph.size !== live.length) return undefined;
      saved.ids.forEach((id: unknown, key: number) => {
        g.idAt.push(typeof id === 'string' ? id : null);
        if (typeof id === 'string') g.keyOf.set(id, key);
      });
      return g;
    } catch {
      return undefined;
    }
  }

  /** Deletes saved graph files in `dir` other than `keep` (all of them, and the keys file, when `keep` is undefined). */
  static removeFiles(dir: string, keep?: string): void {
    if (!existsSync(dir)) return;
    for (const f of readdirSync(dir)) if ((GRAPH_FILE.test(f) || f.endsWith('.usearch.tmp')) && f !== keep) rmSync(join(dir, f), { force: true });
    if (keep === undefined) rmSync(join(dir, KEYS_FILE), { force: true });
  }
}
