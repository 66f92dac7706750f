/**
 * Loading BEIR datasets: a folder with `corpus.jsonl` (`_id`, `title`, `text`),
 * `queries.jsonl` (`_id`, `text`) and `qrels/<split>.tsv` (header line, then
 * `query-id<TAB>corpus-id<TAB>score`). Any BEIR dataset in that layout loads.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { ErrorCodes, TartanError } from '../core/errors.js';
import { readJsonl } from './jsonl.js';

/** One corpus document. */
export interface BeirDocument {
  readonly id: string;
  readonly title: string;
  readonly text: string;
}

/** Relevance judgements: query id -> (document id -> grade). */
export type Qrels = Map<string, Map<string, number>>;

/** A loaded dataset. `queries` holds only the queries judged in `qrels` (in qrels order). */
export interface BeirDataset {
  readonly name: string;
  readonly dir: string;
  readonly split: string;
  readonly corpus: BeirDocument[];
  readonly queries: Map<string, string>;
  readonly qrels: Qrels;
}

/** Options for {@link loadBeir}. */
export interface LoadBeirOptions {
  /** qrels split file name without `.tsv`. Default `test`. */
  split?: string;
  /** Keep only the first N judged queries (qrels order). */
  limitQueries?: number;
}

function requireString(value: Record<string, unknown>, field: string, path: string, line: number, optional = false): string {
  const v = value[field];
  if (v === undefined && optional) return '';
  if (typeof v === 'number' && field === '_id') return String(v);
  if (typeof v !== 'string') {
    throw new TartanError(
      ErrorCodes.DATASET_FORMAT,
      `${path} line ${line}: field "${field}" must be a string${optional ? ' when present' : ''}, got ${v === undefined ? 'nothing' : JSON.stringify(v)}.`,
    );
  }
  return v;
}

/**
 * Streams the corpus of a BEIR folder, one document at a time.
 *
 * @example
 * ```ts
 * for await (const doc of streamCorpus('../shared/datasets/scifact')) index.add(doc.id, `${doc.title}\n${doc.text}`);
 * ```
 */
export async function* streamCorpus(dir: string): AsyncGenerator<BeirDocument> {
  const path = join(dir, 'corpus.jsonl');
  for await (const { value, line } of readJsonl(path)) {
    yield {
      id: requireString(value, '_id', path, line),
      title: requireString(value, 'title', path, line, true),
      text: requireString(value, 'text', path, line, true),
    };
  }
}

/** Reads `queries.jsonl` into id -> text. */
export async function loadQueries(dir: string): Promise<Map<string, string>> {
  const path = join(dir, 'queries.jsonl');
  const queries = new Map<string, string>();
  for await (const { value, line } of readJsonl(path)) queries.set(requireString(value, '_id', path, line), requireString(value, 'text', path, line));
  return queries;
}

/** Reads `qrels/<split>.tsv`. The header line is required (BEIR writes one). */
export function loadQrels(dir: string, split = 'test'): Qrels {
  const path = join(dir, 'qrels', `${split}.tsv`);
  if (!existsSync(path)) {
    const available = existsSync(join(dir, 'qrels'))
      ? readdirSync(join(dir, 'qrels'))
          .filter((f) => f.endsWith('.tsv'))
          .map((f) => f.slice(0, -4))
      : [];
    throw new TartanError(
      ErrorCodes.DATASET_FORMAT,
      `${path} does not exist; choose a split that exists${available.length ? ` (${available.join(', ')})` : ''} with --split.`,
    );
  }
  let content: string;
  try {
    content = readFileSync(path, 'utf8');
  } catch (e) {
    throw new TartanError(ErrorCodes.DATASET_FORMAT, `cannot read ${path} (${(e as NodeJS.ErrnoException).code ?? (e as Error).message}).`, { cause: e });
  }
  const lines = content.split(/\r?\n/);
  const header = lines[0]?.split('\t') ?? [];
  if (header.length < 3 || !/^(query[-_]?id|qid)$/i.test(header[0].trim())) {
    throw new TartanError(
      ErrorCodes.DATASET_FORMAT,
      `${path} line 1 must be the header "query-id<TAB>corpus-id<TAB>score", got ${JSON.stringify(lines[0] ?? '')}.`,
    );
  }
  const qrels: Qrels = new Map();
  for (let i = 1; i < lines.length; i++) {
    if (lines[i].trim().length === 0) continue;
    const cols = lines[i].split('\t');
    const grade = Number(cols[2]);
    if (cols.length < 3 || cols[0].length === 0 || cols[1].length === 0 || !Number.isInteger(grade)) {
      throw new TartanError(
        ErrorCodes.DATASET_FORMAT,
        `${path} line ${i + 1} must be "query-id<TAB>corpus-id<TAB>integer score", got ${JSON.stringify(lines[i])}.`,
      );
    }
    let judged = qrels.get(cols[0]);
    if (!judged) qrels.set(cols[0], (judged = new Map()));
    judged.set(cols[1], grade);
  }
  return qrels;
}

/**
 * Loads a BEIR folder: corpus, the queries judged in the split, and the qrels.
 * Throws DATASET_FORMAT (naming file and line) on malformed input, and when a
 * judged query has no text in queries.jsonl.
 *
 * @example
 * ```ts
 * const ds = await loadBeir('../shared/datasets/scifact', { split: 'test' });
 * console.log(ds.corpus.length, ds.queries.size); // 5183 300
 * ```
 */
export async function loadBeir(dir: string, options: LoadBeirOptions = {}): Promise<BeirDataset> {
  const root = resolve(dir);
  if (!existsSync(root))
    throw new TartanError(
      ErrorCodes.DATASET_FORMAT,
      `Dataset folder ${root} does not exist; pass a BEIR folder holding corpus.jsonl, queries.jsonl and qrels/.`,
    );
  const split = options.split ?? 'test';
  const qrels = loadQrels(root, split);
  const allQueries = await loadQueries(root);
  const corpus: BeirDocument[] = [];
  const seen = new Set<string>();
  for await (const doc of streamCorpus(root)) {
    if (seen.has(doc.id))
      throw new TartanError(ErrorCodes.DATASET_FORMAT, `${join(root, 'corpus.jsonl')}: document id "${doc.id}" appears twice; ids must be unique.`);
    seen.add(doc.id);
    corpus.push(doc);
  }
  const queries = new Map<string, string>();
  for (const qid of qrels.keys()) {
    const text = allQueries.get(qid);
    if (text === undefined)
      throw new TartanError(ErrorCodes.DATASET_FORMAT, `${join(root, 'qrels', `${split}.tsv`)} judges query "${qid}" but queries.jsonl has no such _id.`);
    if (options.limitQueries !== undefined && queries.size >= options.limitQueries) break;
    queries.set(qid, text);
  }
  if (options.limitQueries !== undefined) for (const qid of [...qrels.keys()]) if (!queries.has(qid)) qrels.delete(qid);
  return { name: basename(root), dir: root, split, corpus, queries, qrels };
}
