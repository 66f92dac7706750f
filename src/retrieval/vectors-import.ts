/**
 * Token vectors encoded elsewhere (PyLate, fastembed, tartan itself), read from files into documents
 * for {@link Index.addVectors}. Layouts: a .npz with one array per document (`arr_0..` as
 * `np.savez(f, *arrays)` writes them, or keyed by document id), a .npz with a flat `vectors`
 * [total_tokens, dim] array and `lengths` (tokens per document), a flat .npy with a lengths .npy, and
 * tartan's own vectors file. Every problem is a coded error that names the file, key or document.
 */
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { ErrorCodes, TartanError } from '../core/errors.js';
import { isNpy, readNpyFile, type NpyArray, type NpyFloatArray } from '../core/npy.js';
import { isZip, readNpz, type NpzEntry } from '../core/npz.js';
import { loadVectors } from '../core/vectors-file.js';
import type { TokenMatrix } from '../core/tensors.js';
import type { DocumentInput } from '../stores/types.js';

/** How a vectors file laid out its documents. */
export type VectorsLayout = 'npz-arrays' | 'npz-keyed' | 'npz-flat' | 'npy-flat' | 'tartan-vectors';

/** The documents' token vectors as read from a file, before they are paired with ids, texts and metadata. */
export interface ImportedVectors {
  file: string;
  layout: VectorsLayout;
  /** Ids the file names (npz keys, a tartan vectors file); absent when it only numbers its documents (arr_N, flat arrays). */
  ids?: string[];
  /** The model a tartan vectors file records. */
  model?: string;
  /** One matrix per document, in file order. */
  matrices: TokenMatrix[];
}

/** Ids, texts and metadata for the documents (e.g. a JSONL file); `lines` are their line numbers for messages. */
export interface VectorDocumentsSource {
  name: string;
  records: readonly DocumentInput[];
  lines?: readonly number[];
}

/** A document ready for {@link Index.addVectors}. */
export interface ImportedDocument extends DocumentInput {
  vectors: TokenMatrix;
}

const PER_DOCUMENT_KEY = /^arr_(\d+)$/;

function inputFormat(message: string, details: Record<string, unknown>): TartanError {
  return new TartanError(ErrorCodes.INPUT_FORMAT, message, { details });
}

/** A 2-D float array as a token matrix, or E_INPUT_FORMAT naming it. */
function asMatrix(a: NpyArray, name: string): TokenMatrix {
  if (a.kind !== 'float' || a.shape.length !== 2)
    throw inputFormat(
      `${name} is a ${a.shape.length}-D ${a.descr} array of shape (${a.shape.join(', ')}); the vectors of a document must be a 2-D float array [tokens, dim]`,
      { file: name },
    );
  return { data: a.data, rows: a.shape[0], dim: a.shape[1] };
}

/** Splits a flat [total_tokens, dim] array into one matrix per document by `lengths` (tokens per document). */
function splitFlat(vectors: NpyArray, lengths: NpyArray, vectorsName: string, lengthsName: string): TokenMatrix[] {
  const flat = asMatrix(vectors, vectorsName) as TokenMatrix & { data: NpyFloatArray['data'] };
  if (lengths.kind !== 'int' || lengths.shape.length !== 1)
    throw inputFormat(
      `${lengthsName} is a ${lengths.shape.length}-D ${lengths.descr} array; lengths must be a 1-D integer array (tokens per document), e.g. np.array(lengths, dtype=np.int64)`,
      { file: lengthsName },
    );
  let sum = 0;
  for (let i = 0; i < lengths.data.length; i++) {
    const n = lengths.data[i];
    if (n < 1)
      throw inputFormat(`${lengthsName}[${i}] is ${n}; every document needs at least one token vector (leave out documents without tokens)`, {
        file: lengthsName,
        document: i,
      });
    sum += n;
  }
  if (sum !== flat.rows)
    throw new TartanError(
      ErrorCodes.COUNT_MISMATCH,
      `${lengthsName} sums to ${sum} tokens over ${lengths.data.length} documents but ${vectorsName} has ${flat.rows} rows; lengths must be the token count of each document, in the order of the rows`,
      { details: { lengthsSum: sum, rows: flat.rows } },
    );
  const out: TokenMatrix[] = [];
  let row = 0;
  for (let i = 0; i < lengths.data.length; i++) {
    const n = lengths.data[i];
    out.push({ data: flat.data.subarray(row * flat.dim, (row + n) * flat.dim), rows: n, dim: flat.dim });
    row += n;
  }
  return out;
}

/** Reads a .npz in one of its three layouts. */
function fromNpz(file: string, entries: NpzEntry[], lengthsFile: string | undefined): ImportedVectors {
  if (lengthsFile !== undefined)
    throw new TartanError(
      ErrorCodes.INVALID_ARGUMENT,
      `--lengths goes with a flat .npy array; ${file} is a .npz, which holds its lengths itself (a "lengths" array beside "vectors")`,
    );
  if (entries.length === 0) throw inputFormat(`${file} holds no arrays; nothing to index`, { file });
  const keys = entries.map((e) => e.key);
  const byKey = new Map(entries.map((e) => [e.key, e.array]));
  const vectors = byKey.get('vectors');
  const lengths = byKey.get('lengths');
  if (vectors && lengths) {
    const extra = keys.filter((k) => k !== 'vectors' && k !== 'lengths');
    if (extra.length > 0)
      throw inputFormat(
        `${file} holds "vectors" and "lengths" and also ${extra.map((k) => JSON.stringify(k)).join(', ')}; a flat .npz holds exactly those two arrays (give ids with --docs)`,
        { file },
      );
    return { file, layout: 'npz-flat', matrices: splitFlat(vectors, lengths, `${file}:vectors`, `${file}:lengths`) };
  }
  const numbered = keys.map((k) => PER_DOCUMENT_KEY.exec(k));
  if (numbered.every((m) => m !== null)) {
    const order = numbered.map((m) => Number(m[1]));
    const sorted = [...order].sort((a, b) => a - b);
    if (sorted.every((n, i) => n === i)) {
      const matrices: TokenMatrix[] = new Array(entries.length);
      entries.forEach((e, i) => (matrices[order[i]] = asMatrix(e.array, `${file}:${e.key}`)));
      return { file, layout: 'npz-arrays', matrices };
    }
  }
  const seen = new Set<string>();
  for (const k of keys) {
    if (seen.has(k))
      throw new TartanError(ErrorCodes.DUPLICATE_ID, `${file} holds two arrays named "${k}"; document ids must be unique`, { details: { id: k } });
    seen.add(k);
  }
  return { file, layout: 'npz-keyed', ids: keys, matrices: entries.map((e) => asMatrix(e.array, `${file}:${e.key}`)) };
}

/** The first bytes of a file, to tell its format. */
function head(path: string): Buffer {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new TartanError(ErrorCodes.FILE_NOT_FOUND, `${path} does not exist; check the path`, { details: { file: path } });
    throw inputFormat(`cannot read ${path}: ${code ?? (e as Error).message}`, { file: path });
  }
  try {
    if (fstatSync(fd).isDirectory())
      throw new TartanError(ErrorCodes.INVALID_ARGUMENT, `${path} is a folder; give one .npz, .npy or tartan vectors file`, { details: { file: path } });
    const buf = Buffer.alloc(64);
    return buf.subarray(0, readSync(fd, buf, 0, 64, 0));
  } finally {
    closeSync(fd);
  }
}

/**
 * Reads the token vectors of `path`: a .npz (one array per document, or `vectors` + `lengths`), a flat
 * .npy with `options.lengths` (a .npy of tokens per document), or a tartan vectors file. The format is
 * told by the file's first bytes, not its name. Values are float32 (float16/float64 converted); they are
 * checked (dim, NaN) by {@link checkImportedDocuments} once paired with ids.
 * @example
 * const v = readVectorsFile('vectors.npz'); // { layout: 'npz-arrays', matrices: [...] }
 * const docs = pairVectorDocuments(v, { name: 'docs.jsonl', records: [{ id: 'd1', text: '...' }] });
 */
export function readVectorsFile(path: string, options: { lengths?: string } = {}): ImportedVectors {
  const h = head(path);
  if (isZip(h)) return fromNpz(path, readNpz(path), options.lengths);
  if (isNpy(h)) {
    if (options.lengths === undefined)
      throw new TartanError(
        ErrorCodes.INVALID_ARGUMENT,
        `${path} is one .npy array; give --lengths lengths.npy (the token count of each document, in row order), ` +
          'or save one array per document with np.savez(f, *arrays)',
      );
    return { file: path, layout: 'npy-flat', matrices: splitFlat(readNpyFile(path), readNpyFile(options.lengths), path, options.lengths) };
  }
  if (h.length > 8 && h.toString('latin1', 8).includes('tartan-vectors')) {
    if (options.lengths !== undefined)
      throw new TartanError(ErrorCodes.INVALID_ARGUMENT, `--lengths goes with a flat .npy array; ${path} is a tartan vectors file`);
    const c = loadVectors(path);
    const matrices = c.docIds.map((_, i) => {
      const rows = c.docs.offsets[i + 1] - c.docs.offsets[i];
      return { data: c.docs.data.subarray(c.docs.offsets[i] * c.dim, c.docs.offsets[i + 1] * c.dim), rows, dim: c.dim };
    });
    return { file: path, layout: 'tartan-vectors', ids: c.docIds, model: c.model, matrices };
  }
  throw inputFormat(`${path} is not a .npz, a .npy or a tartan vectors file (its first bytes say none of these); write it with np.savez or np.save`, {
    file: path,
  });
}

function lineOf(docs: VectorDocumentsSource, i: number): string {
  return docs.lines ? `${docs.name}:${docs.lines[i]}` : `${docs.name} record ${i + 1}`;
}

/**
 * Pairs the vectors with ids, texts and metadata: by position when the file only numbers its documents
 * (the records in the same order), by id when it names them. Without `docs` the file's own ids are used;
 * a file without ids needs `docs` (E_INVALID_ARGUMENT). Counts that differ are E_COUNT_MISMATCH.
 * @example const docs = pairVectorDocuments(readVectorsFile('v.npz'), { name: 'docs.jsonl', records });
 */
export function pairVectorDocuments(v: ImportedVectors, docs?: VectorDocumentsSource): ImportedDocument[] {
  if (!docs) {
    if (!v.ids)
      throw new TartanError(
        ErrorCodes.INVALID_ARGUMENT,
        `${v.file} holds ${v.matrices.length} documents' vectors but no document ids (${v.layout === 'npz-arrays' ? 'its arrays are named arr_0, arr_1, ...' : 'a flat array'}); ` +
          'give --docs docs.jsonl with one {"id": ..., "text": ...} line per document in the same order, or save the arrays under their ids: np.savez(f, **{id: vectors})',
      );
    return v.ids.map((id, i) => ({ id, vectors: v.matrices[i] }));
  }
  if (docs.records.length !== v.matrices.length)
    throw new TartanError(
      ErrorCodes.COUNT_MISMATCH,
      `${v.file} holds vectors for ${v.matrices.length} documents but ${docs.name} has ${docs.records.length}; give one line per document, in the order of the vectors`,
      { details: { vectors: v.matrices.length, documents: docs.records.length } },
    );
  const withVectors = (d: DocumentInput, vectors: TokenMatrix): ImportedDocument => ({
    id: d.id,
    ...(typeof d.text === 'string' && d.text.length > 0 ? { text: d.text } : {}),
    ...(d.metadata ? { metadata: d.metadata } : {}),
    vectors,
  });
  if (!v.ids) return docs.records.map((d, i) => withVectors(d, v.matrices[i]));
  const byId = new Map(v.ids.map((id, i) => [id, v.matrices[i]]));
  return docs.records.map((d, i) => {
    const m = byId.get(d.id);
    if (!m)
      throw inputFormat(
        `${lineOf(docs, i)}: document "${d.id}" has no vectors in ${v.file}, whose documents are ${v.ids
          ?.slice(0, 3)
          .map((x) => JSON.stringify(x))
          .join(', ')}${v.ids && v.ids.length > 3 ? ', ...' : ''}; the ids of the two files must be the same`,
        { id: d.id },
      );
    return withVectors(d, m);
  });
}

/**
 * Checks every document's vectors before anything is written: dim `dim` (E_DIMENSION_MISMATCH naming the
 * document and both dims), at least one row (E_EMPTY_TEXT), finite values (E_NON_FINITE_VALUE naming the
 * document and row). `target` names what takes the vectors in messages, e.g. `model lexical`.
 * @example checkImportedDocuments(docs, 128, 'the index at ./idx (model colbert-ir/colbertv2.0)');
 */
export function checkImportedDocuments(docs: readonly ImportedDocument[], dim: number, target: string): void {
  for (const d of docs) {
    const m = d.vectors;
    if (m.dim !== dim)
      throw new TartanError(
        ErrorCodes.DIMENSION_MISMATCH,
        `document "${d.id}" has vectors of dim ${m.dim} but ${target} takes dim ${dim}; encode the documents with that model, or index them into a new index with the model that encoded them (--model)`,
        { details: { id: d.id, dim: m.dim, expected: dim } },
      );
    if (m.rows === 0)
      throw new TartanError(ErrorCodes.EMPTY_TEXT, `document "${d.id}" has no token vectors (0 rows); give it at least one, or leave it out`, {
        details: { id: d.id },
      });
    const data = m.data;
    for (let i = 0; i < m.rows * dim; i++) {
      const x = data[i];
      // x - x is NaN exactly for NaN and +-Infinity.
      if (x - x !== 0) {
        const row = Math.floor(i / dim);
        throw new TartanError(
          ErrorCodes.NON_FINITE_VALUE,
          `document "${d.id}" row ${row} holds ${x} (value ${i % dim}); vectors must be finite (float64 values beyond the float32 range become Infinity): check the encoder's output`,
          { details: { id: d.id, row } },
        );
      }
    }
  }
}
