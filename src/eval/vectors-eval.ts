/**
 * `tartan eval --vectors`: evaluates a saved vectors file (see vectors-file.ts)
 * on a BEIR dataset without any model. Queries and documents are matched by id;
 * only queries both in the file and in the qrels are evaluated. Two pipelines:
 * `exact` (exhaustive float32 MaxSim over every document) and `colbert` (a
 * PLAID index, or a flat one with `mode=flat`, built from the same vectors),
 * so the report shows what the index costs against exact search.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { ErrorCodes, TartanError } from '../core/errors.js';
import type { FileStore } from '../stores/file/file-store.js';
import { FlatStore } from '../stores/file/flat-store.js';
import { MANIFEST_NAME } from '../stores/file/manifest.js';
import { openFileStore } from '../stores/open.js';
import { checkCreateSettings } from '../stores/file/options-check.js';
import { PlaidStore } from '../stores/file/plaid-store.js';
import type { EncodedCollection } from '../core/vectors-file.js';
import { TopK } from '../lexical/top-k.js';
import { maxsim } from '../scoring/maxsim.js';
import type { F32Documents } from '../scoring/types.js';
import { matrixAt, type TokenMatrix } from '../core/tensors.js';
import type { BeirDataset, Qrels } from './beir.js';
import { evaluateRetrievers, type EvaluationReport } from './evaluate.js';
import { silentProgress, type Progress } from './progress.js';
import type { Retriever } from './retriever.js';
import { buildRepresentationSearch, representationVariants, type EncodingCache } from '../representations/search.js';

/** The pipelines of `tartan eval --vectors`, in their default order. */
export const VECTOR_PIPELINES = ['exact', 'colbert'] as const;
export type VectorPipeline = (typeof VECTOR_PIPELINES)[number];

/** Index settings of the `colbert` pipeline (`--set key=value`). */
export interface VectorIndexSettings {
  mode?: 'plaid' | 'flat';
  rerankVectors?: 'f16' | 'none';
  nbits?: number;
  centroids?: number;
  poolFactor?: number;
  nprobe?: number;
  ndocs?: number;
}

const NUMERIC_KEYS = { nbits: 'nbits', centroids: 'centroids', 'pool-factor': 'poolFactor', nprobe: 'nprobe', ndocs: 'ndocs' } as const;
const ACCEPTED = ['mode', 'rerank-vectors', ...Object.keys(NUMERIC_KEYS)];

/** Checks pipeline names: only `exact` and `colbert` run on vectors (E_UNKNOWN_PIPELINE otherwise). */
export function parseVectorPipelines(names: readonly string[]): VectorPipeline[] {
  return [...new Set(names)].map((name) => {
    if (!(VECTOR_PIPELINES as readonly string[]).includes(name)) {
      throw new TartanError(
        ErrorCodes.UNKNOWN_PIPELINE,
        `pipeline "${name}" does not run on a vectors file; with --vectors use ${VECTOR_PIPELINES.join(' or ')} (e.g. --pipeline exact,colbert).`,
      );
    }
    return name as VectorPipeline;
  });
}

/**
 * Parses `--set` pairs into index settings: `mode` (plaid or flat), `nbits`, `centroids`,
 * `pool-factor`, `nprobe`, `ndocs`. Unknown keys and bad values are E_INVALID_ARGUMENT.
 * @example parseVectorSettings({ nbits: '4', 'pool-factor': '2' }) // { nbits: 4, poolFactor: 2 }
 */
export function parseVectorSettings(pairs: Readonly<Record<string, string>>): VectorIndexSettings {
  const out: VectorIndexSettings = {};
  for (const [key, value] of Object.entries(pairs)) {
    if (key === 'mode') {
      if (value !== 'plaid' && value !== 'flat') throw new TartanError(ErrorCodes.INVALID_ARGUMENT, `--set mode must be plaid or flat, got "${value}".`);
      out.mode = value;
    } else if (key === 'rerank-vectors') {
      if (value !== 'f16' && value !== 'none') throw new TartanError(ErrorCodes.INVALID_ARGUMENT, `--set rerank-vectors must be f16 or none, got "${value}".`);
      out.rerankVectors = value;
    } else if (key in NUMERIC_KEYS) {
      const n = Number(value);
      if (value.trim() === '' || !Number.isFinite(n)) throw new TartanError(ErrorCodes.INVALID_ARGUMENT, `--set ${key} must be a number, got "${value}".`);
      out[NUMERIC_KEYS[key as keyof typeof NUMERIC_KEYS]] = n;
    } else {
      throw new TartanError(ErrorCodes.INVALID_ARGUMENT, `--set ${key} is not an index setting of --vectors; accepted: ${ACCEPTED.join(', ')}.`);
    }
  }
  checkCreateSettings(out);
  return out;
}

/** What {@link restrictToVectors} kept. */
export interface VectorsOverlap {
  /** The dataset with only the judged queries the file has vectors for. */
  dataset: BeirDataset;
  /** Judged queries before matching, and queries in the file. */
  judged: number;
  inFile: number;
  /** Judged (query, document) pairs whose document has no vectors in the file (never retrievable). */
  missingDocuments: number;
}

/**
 * Keeps the dataset's judged queries that have vectors in `c` (by query id); E_DATASET_FORMAT when none do.
 * @example restrictToVectors(await loadBeir(dir), loadVectors(file)).dataset.queries.size
 */
export function restrictToVectors(dataset: BeirDataset, c: EncodedCollection): VectorsOverlap {
  const inFile = new Set(c.queryIds);
  const docs = new Set(c.docIds);
  const queries = new Map<string, string>();
  const qrels: Qrels = new Map();
  let missingDocuments = 0;
  for (const [qid, judged] of dataset.qrels) {
    if (!inFile.has(qid) || !dataset.queries.has(qid)) continue;
    queries.set(qid, dataset.queries.get(qid)!);
    qrels.set(qid, judged);
    for (const doc of judged.keys()) if (!docs.has(doc)) missingDocuments++;
  }
  if (queries.size === 0) {
    throw new TartanError(
      ErrorCodes.DATASET_FORMAT,
      `none of the ${inFile.size} query ids in the vectors file is judged in ${dataset.name}/qrels/${dataset.split}.tsv (${dataset.qrels.size} judged queries, e.g. "${dataset.qrels.keys().next().value ?? ''}"); encode the queries of this dataset and split.`,
    );
  }
  return { dataset: { ...dataset, queries, qrels }, judged: dataset.qrels.size, inFile: inFile.size, missingDocuments };
}

/** Looks up a query's vectors by the id `evaluateRetrievers` passes. */
function queryLookup(c: EncodedCollection): (queryId: string | undefined) => TokenMatrix {
  const position = new Map(c.queryIds.map((id, i) => [id, i]));
  return (queryId) => {
    const i = queryId === undefined ? undefined : position.get(queryId);
    if (i === undefined)
      throw new TartanError(ErrorCodes.INVALID_ARGUMENT, `no vectors for query ${JSON.stringify(queryId)}; vectors retrievers search by query id`);
    return matrixAt(c.queries, i);
  };
}

/**
 * The `exact` pipeline: float32 MaxSim (sum of max) of each query against every document of the file, top k.
 * @example const r = exactRetriever(loadVectors('scifact.vectors')); await r.search('', 100, 'q1');
 */
export function exactRetriever(c: EncodedCollection): Retriever {
  const docs: F32Documents = { dtype: 'f32', data: c.docs.data, offsets: c.docs.offsets, dim: c.dim };
  const idOf = (o: number) => c.docIds[o];
  const query = queryLookup(c);
  let stages: Record<string, number> = {};
  return {
    name: 'exact',
    async search(_text, k, queryId) {
      const q = query(queryId);
      if (q.rows === 0 || c.docIds.length === 0) {
        stages = { maxsim: 0, topk: 0 };
        return [];
      }
      const t0 = performance.now();
      const { raw } = maxsim(q, docs);
      const t1 = performance.now();
      const top = new TopK(Math.min(k, raw.length), idOf);
      for (let o = 0; o < raw.length; o++) top.push(o, raw[o]);
      const { ordinals, scores } = top.drain();
      stages = { maxsim: t1 - t0, topk: performance.now() - t1 };
      return Array.from(ordinals, (o, i) => ({ id: c.docIds[o], score: scores[i] }));
    },
    stageLatencies: () => stages,
  };
}

/** Options of {@link colbertRetriever}. */
export interface ColbertVectorsOptions {
  settings?: VectorIndexSettings;
  /** Keep (and reuse) the index in a folder here; default a temporary folder removed on dispose. */
  workDir?: string;
  /** Names the folder in `workDir` (e.g. the vectors file's path). */
  label?: string;
  progress?: Progress;
}

function folderName(label: string, s: VectorIndexSettings): string {
  const base =
    basename(label)
      .replace(/[^A-Za-z0-9._-]+/g, '_')
      .slice(0, 60) || 'vectors';
  if (s.mode === 'flat') return `${base}-flat`;
  return `${base}-plaid-nbits${s.nbits ?? 'default'}-c${s.centroids ?? 'auto'}-pf${s.poolFactor ?? 1}-rv${s.rerankVectors ?? 'f16'}`;
}

/** Builds the index from the file's documents (ids only, no texts), or reopens a matching one in `workDir`. */
async function buildStore(dir: string, c: EncodedCollection, s: VectorIndexSettings, progress: Progress): Promise<FileStore> {
  if (existsSync(join(dir, MANIFEST_NAME))) {
    const store = await openFileStore(dir);
    const info = await store.info();
    if (info.dim === c.dim && info.documents === c.docIds.length) return store;
    await store.close();
    throw new TartanError(
      ErrorCodes.INDEX_EXISTS,
      `${dir} holds an index of ${info.documents} documents of dim ${info.dim}, not this vectors file's ${c.docIds.length} of dim ${c.dim}; remove the folder or choose another --work-dir.`,
    );
  }
  const { nprobe: _n, ndocs: _d, ...create } = s;
  const store =
    s.mode === 'flat'
      ? await FlatStore.create(dir, { dim: c.dim, model: c.model })
      : await PlaidStore.create(dir, { ...create, mode: 'plaid', dim: c.dim, model: c.model });
  progress.start(`indexing ${c.docIds.length} documents`, 1);
  try {
    await store.add(
      c.docIds.map((id) => ({ id })),
      c.docs,
    );
    progress.tick();
  } catch (e) {
    await store.close();
    throw e;
  } finally {
    progress.stop();
  }
  return store;
}

/**
 * The `colbert` pipeline: an index (PLAID by default) built from the file's document vectors, searched
 * with each query's vectors (`nprobe`, `ndocs` from the settings).
 * @example const r = await colbertRetriever(c, { settings: { nbits: 4 } }); await r.search('', 100, 'q1'); await r.dispose?.();
 */
export async function colbertRetriever(c: EncodedCollection, options: ColbertVectorsOptions = {}): Promise<Retriever> {
  const s = options.settings ?? {};
  const tmp = options.workDir ? undefined : mkdtempSync(join(tmpdir(), 'tartan-eval-vectors-'));
  const dir = options.workDir ? join(options.workDir, folderName(options.label ?? 'vectors', s)) : join(tmp!, 'index');
  const cleanup = () => {
    if (tmp) rmSync(tmp, { recursive: true, force: true });
  };
  let store: FileStore;
  try {
    store = await buildStore(dir, c, s, options.progress ?? silentProgress);
  } catch (e) {
    cleanup();
    throw e;
  }
  const search = { ...(s.nprobe !== undefined ? { nprobe: s.nprobe } : {}), ...(s.ndocs !== undefined ? { ndocs: s.ndocs } : {}) };
  const query = queryLookup(c);
  return {
    name: 'colbert',
    async search(_text, k, queryId) {
      const q = query(queryId);
      if (q.rows === 0) return [];
      const hits = await store.search(q, { ...search, k });
      return hits.map((h) => ({ id: h.id, score: h.score }));
    },
    async dispose() {
      await store.close();
      cleanup();
    },
  };
}

/**
 * Retrievers over the other multi-vector representations of the file's documents (`poly:<M>`,
 * `muvera[:params]`), one per variant, each named by what it runs (see representation search).
 * @example await evaluateVectors(dataset, c, { representations: ['poly:16', 'muvera'] })
 */
export function representationRetrievers(c: EncodedCollection, text: string, options: { rerank?: number } = {}): Retriever[] {
  const query = queryLookup(c);
  const cache: EncodingCache = new Map(); // variants of one representation share one set of encodings
  return representationVariants(text, options).map((spec) => {
    const search = buildRepresentationSearch(c.docs, spec, { cache });
    return {
      name: search.name,
      async search(_text, k, queryId) {
        const q = query(queryId);
        if (q.rows === 0) return [];
        return search.search(q, k).map(([doc, score]) => ({ id: c.docIds[doc], score }));
      },
    };
  });
}

/** Options of {@link evaluateVectors}. */
export interface EvaluateVectorsOptions extends ColbertVectorsOptions {
  /** Default: exact, colbert. */
  pipelines?: readonly VectorPipeline[];
  /** Other representations evaluated beside the pipelines (`poly:16`, `muvera`; see {@link representationRetrievers}). */
  representations?: readonly string[];
  /** Candidates the MUVERA variants rerank with exact MaxSim (default 100). */
  rerank?: number;
  /** Receives one line on what was matched (queries evaluated, judged documents without vectors). */
  log?: (line: string) => void;
}

/**
 * Evaluates the vectors of `c` on `dataset` (queries and documents matched by id) with the `exact` and/or
 * `colbert` pipelines; the report has the shape of {@link evaluateRetrievers}'s, with index build times.
 * @example
 * const report = await evaluateVectors(await loadBeir('../shared/datasets/scifact'), loadVectors('scifact.vectors'));
 * console.log(report.pipelines.map((p) => `${p.name} ${p['ndcg@10']}`));
 */
export async function evaluateVectors(dataset: BeirDataset, c: EncodedCollection, options: EvaluateVectorsOptions = {}): Promise<EvaluationReport> {
  const overlap = restrictToVectors(dataset, c);
  if (new Set(c.docIds).size !== c.docIds.length)
    throw new TartanError(ErrorCodes.INPUT_FORMAT, 'the vectors file lists a document id twice; document ids must be unique.');
  options.log?.(
    `evaluating ${overlap.dataset.queries.size} queries found both in the vectors file (${overlap.inFile} queries) and in the qrels (${overlap.judged} judged)` +
      (overlap.missingDocuments > 0 ? `; ${overlap.missingDocuments} judged documents have no vectors and cannot be retrieved` : ''),
  );
  const retrievers: Retriever[] = [];
  const indexMs: Record<string, number> = {};
  try {
    for (const name of options.pipelines ?? VECTOR_PIPELINES) {
      const started = performance.now();
      retrievers.push(name === 'exact' ? exactRetriever(c) : await colbertRetriever(c, options));
      indexMs[name] = performance.now() - started;
    }
    for (const text of options.representations ?? []) {
      const started = performance.now();
      const built = representationRetrievers(c, text, { rerank: options.rerank });
      retrievers.push(...built);
      // The variants of one representation are built together (MUVERA's share their encodings): each reports the whole build.
      const ms = performance.now() - started;
      for (const r of built) indexMs[r.name] = ms;
    }
    return await evaluateRetrievers(overlap.dataset, retrievers, { progress: options.progress, indexMs });
  } finally {
    for (const r of retrievers) await r.dispose?.();
  }
}
