/**
 * Documents from files for `tartan index`: JSON-lines (`id` or `_id`, `text`
 * plus optional `title`, `metadata` object; other scalar fields become
 * metadata), and .txt / .md files (id = path relative to the folder given).
 * Folders are walked recursively.
 */
import { createReadStream, lstatSync, readdirSync, readFileSync, statSync, existsSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { isUtf8 } from 'node:buffer';
import { extname, join, relative } from 'node:path';
import { ErrorCodes, TartanError } from '../core/errors.js';
import { MAX_TEXT_CHARS } from '../models/encoders/tokenizer.js';
import type { DocumentInput, MetadataValue } from '../stores/types.js';

const TEXT_EXT = new Set(['.txt', '.md', '.markdown']);
const RESERVED = new Set(['id', '_id', 'text', 'title', 'metadata']);

/** Runs a file-system call, turning its errors into E_FILE_NOT_FOUND (ENOENT) or E_INPUT_FORMAT (EACCES, ELOOP, ...) naming the path. */
function fsCall<T>(path: string, fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT')
      throw new TartanError(ErrorCodes.FILE_NOT_FOUND, `input ${path} does not exist (it may have been moved or removed meanwhile)`, { cause: e });
    throw new TartanError(
      ErrorCodes.INPUT_FORMAT,
      `cannot read input ${path} (${(e as NodeJS.ErrnoException).code ?? (e as Error).message}); check that it exists and is readable`,
      { cause: e },
    );
  }
}

/**
 * The files an input list expands to, with the root each file's id is relative to.
 * Inputs named explicitly are followed even when they are symbolic links; inside a
 * folder, links are skipped, so a walk never loops or leaves the folder it was given.
 */
export function expandInputs(inputs: readonly string[]): Array<{ path: string; root: string }> {
  const out: Array<{ path: string; root: string }> = [];
  for (const input of inputs) {
    if (typeof input !== 'string' || input.includes('\0'))
      throw new TartanError(ErrorCodes.INPUT_FORMAT, `input ${JSON.stringify(String(input))} is not a file path`);
    if (!existsSync(input))
      throw new TartanError(ErrorCodes.FILE_NOT_FOUND, `input ${input} does not exist; check the path (pass .jsonl, .txt or .md files or folders)`);
    const walk = (p: string, root: string) => {
      const st = fsCall(p, () => lstatSync(p));
      if (st.isSymbolicLink()) return;
      if (st.isDirectory()) {
        for (const name of fsCall(p, () => readdirSync(p)).sort()) walk(join(p, name), root);
      } else if (st.isFile() && (extname(p) === '.jsonl' || TEXT_EXT.has(extname(p)))) {
        out.push({ path: p, root });
      }
    };
    if (fsCall(input, () => statSync(input)).isDirectory()) {
      for (const name of fsCall(input, () => readdirSync(input)).sort()) walk(join(input, name), input);
    } else if (extname(input) === '.jsonl' || TEXT_EXT.has(extname(input))) out.push({ path: input, root: '' });
    else throw new TartanError(ErrorCodes.INPUT_FORMAT, `cannot index ${input}: use .jsonl (id, text, metadata), .txt or .md files, or folders of them`);
  }
  return out;
}

/** Counts the documents the inputs hold (JSON-lines: non-empty lines), for the progress bar. */
export function countDocuments(files: ReadonlyArray<{ path: string }>): number {
  let n = 0;
  for (const f of files) {
    if (extname(f.path) !== '.jsonl') {
      n++;
      continue;
    }
    const buf = fsCall(f.path, () => readFileSync(f.path));
    let nonEmpty = false;
    for (let i = 0; i < buf.length; i++) {
      if (buf[i] === 10) {
        if (nonEmpty) n++;
        nonEmpty = false;
      } else if (buf[i] !== 13 && buf[i] !== 32) nonEmpty = true;
    }
    if (nonEmpty) n++;
  }
  return n;
}

/** Parses one JSON-lines record into a document; `where` names the file and line for errors. */
export function parseRecord(line: string, where: string): DocumentInput {
  let rec: Record<string, unknown>;
  try {
    rec = JSON.parse(line) as Record<string, unknown>;
  } catch {
    throw new TartanError(ErrorCodes.INPUT_FORMAT, `${where}: not valid JSON; each line must be an object like {"id": "d1", "text": "..."}`);
  }
  if (rec === null || typeof rec !== 'object' || Array.isArray(rec))
    throw new TartanError(ErrorCodes.INPUT_FORMAT, `${where}: not a JSON object; each line must be an object like {"id": "d1", "text": "..."}`);
  const id = rec.id ?? rec._id;
  if (typeof id !== 'string' && typeof id !== 'number')
    throw new TartanError(ErrorCodes.INPUT_FORMAT, `${where}: missing "id" (or "_id"); give every record an id`);
  const body = typeof rec.text === 'string' ? rec.text : '';
  const text = typeof rec.title === 'string' && rec.title.length > 0 ? `${rec.title}\n${body}` : body;
  const metadata: Record<string, MetadataValue> = {};
  // Flat values only, and never "__proto__": assigning it would replace the object's prototype.
  const keep = (k: string, v: unknown) => {
    if (k !== '__proto__' && (v === null || typeof v === 'string' || typeof v === 'boolean' || (typeof v === 'number' && Number.isFinite(v))))
      metadata[k] = v as MetadataValue;
  };
  if (rec.metadata && typeof rec.metadata === 'object' && !Array.isArray(rec.metadata)) for (const [k, v] of Object.entries(rec.metadata)) keep(k, v);
  for (const [k, v] of Object.entries(rec)) if (!RESERVED.has(k)) keep(k, v);
  return { id: String(id), text, ...(Object.keys(metadata).length ? { metadata } : {}) };
}

const strict = new TextDecoder('utf-8', { fatal: true });

/** A suggested name for the converted copy of `path`: `notes.md` -> `notes.utf8.md`. */
function utf8Name(path: string): string {
  const ext = extname(path);
  return `${path.slice(0, path.length - ext.length)}.utf8${ext}`;
}

/** The 1-based line of the first invalid UTF-8 sequence in `buf`, or undefined when it is all valid. */
function firstBadUtf8Line(buf: Uint8Array): number | undefined {
  let line = 1;
  for (let start = 0; start <= buf.length; line++) {
    let end = buf.indexOf(10, start);
    if (end < 0) end = buf.length;
    try {
      strict.decode(buf.subarray(start, end));
    } catch {
      return line;
    }
    start = end + 1;
  }
  return undefined;
}

/**
 * Why the bytes of `path` are not UTF-8 text, with the fix, or undefined when they are: UTF-16 (a byte-order
 * mark), binary (NUL bytes) or invalid UTF-8. Read as UTF-8 they would be indexed as replacement characters.
 */
export function notUtf8Text(buf: Uint8Array, path: string): string | undefined {
  if (buf.length >= 2 && ((buf[0] === 0xff && buf[1] === 0xfe) || (buf[0] === 0xfe && buf[1] === 0xff)))
    return `${path}: UTF-16 text, but tartan reads UTF-8; convert it: iconv -f UTF-16 -t UTF-8 ${path} > ${utf8Name(path)}`;
  if (buf.includes(0)) return `${path}: binary (it has NUL bytes), not text; leave it out of the inputs`;
  const line = isUtf8(buf) ? undefined : firstBadUtf8Line(buf);
  if (line !== undefined)
    return `${path}:${line}: not valid UTF-8 (another encoding, such as Latin-1?); convert it, e.g. iconv -f LATIN1 -t UTF-8 ${path} > ${utf8Name(path)}`;
  return undefined;
}

/** Reads a .txt/.md input as text, or throws E_INPUT_FORMAT when it is not UTF-8 text. */
function readText(path: string): string {
  const buf = fsCall(path, () => readFileSync(path));
  const problem = notUtf8Text(buf, path);
  if (problem) throw new TartanError(ErrorCodes.INPUT_FORMAT, problem);
  return strict.decode(buf).replace(/^\uFEFF/, '');
}

/** What {@link scanInputs} found: the files to read, those skipped (with why), and the documents and ids they hold. */
export interface InputScan {
  files: Array<{ path: string; root: string }>;
  skipped: Array<{ path: string; reason: string }>;
  documents: number;
  ids: Set<string>;
}

/**
 * Reads every input once before anything is indexed, so a bad record fails the run before any write:
 * JSON-lines records must parse, carry a unique id and a non-empty text of at most MAX_TEXT_CHARS characters
 * (E_INPUT_FORMAT, E_DUPLICATE_ID, E_EMPTY_TEXT, E_TEXT_TOO_LONG with file and line); a .jsonl file that is not
 * UTF-8 is refused. A .txt/.md file that is not UTF-8 text (binary, UTF-16, invalid UTF-8) or is blank is
 * skipped and listed in `skipped`.
 */
export function scanInputs(inputs: ReadonlyArray<{ path: string; root: string }>): InputScan {
  const scan: InputScan = { files: [], skipped: [], documents: 0, ids: new Set() };
  const take = (id: string, text: string, where: string) => {
    if (scan.ids.has(id))
      throw new TartanError(ErrorCodes.DUPLICATE_ID, `${where}: id "${id}" appears earlier in the inputs; ids must be unique`, { details: { id } });
    if (text.trim().length === 0) throw new TartanError(ErrorCodes.EMPTY_TEXT, `${where}: document "${id}" has no text; give it a non-empty "text"`);
    if (text.length > MAX_TEXT_CHARS)
      throw new TartanError(
        ErrorCodes.TEXT_TOO_LONG,
        `${where}: document "${id}" has ${text.length} characters, more than ${MAX_TEXT_CHARS}; split it into smaller documents`,
      );
    scan.ids.add(id);
    scan.documents++;
  };
  for (const f of inputs) {
    const buf = fsCall(f.path, () => readFileSync(f.path));
    const problem = notUtf8Text(buf, f.path);
    if (extname(f.path) !== '.jsonl') {
      const text = problem ? '' : strict.decode(buf);
      if (problem || text.trim().length === 0) {
        scan.skipped.push({ path: f.path, reason: problem ?? `${f.path}: empty` });
        continue;
      }
      take(f.root ? relative(f.root, f.path) : f.path, text, f.path);
    } else {
      if (problem) throw new TartanError(ErrorCodes.INPUT_FORMAT, problem);
      let line = 0;
      for (let start = 0; start < buf.length;) {
        let end = buf.indexOf(10, start);
        if (end < 0) end = buf.length;
        // Lines as readDocuments reads them (a lone CR also ends a line), so the numbers in messages agree.
        const chunk = strict.decode(buf.subarray(start, end)).replace(/\r$/, '');
        start = end + 1;
        for (let raw of chunk.split('\r')) {
          line++;
          if (line === 1) raw = raw.replace(/^\uFEFF/, '');
          if (raw.trim().length === 0) continue;
          const where = `${f.path}:${line}`;
          const doc = parseRecord(raw, where);
          take(doc.id, doc.text ?? '', where);
        }
      }
    }
    scan.files.push(f);
  }
  return scan;
}

/** Where a document came from: its file, and its line for JSON-lines (undefined for a whole .txt/.md file). */
export interface InputPosition {
  path: string;
  line?: number;
}

/**
 * Streams the documents of the inputs. `onDocument` hears where each one came from just before it is yielded.
 * A .txt/.md file that is not UTF-8 text is refused (E_INPUT_FORMAT); {@link scanInputs} finds them first.
 */
export async function* readDocuments(
  files: ReadonlyArray<{ path: string; root: string }>,
  onDocument?: (at: InputPosition) => void,
): AsyncGenerator<DocumentInput> {
  for (const f of files) {
    if (extname(f.path) === '.jsonl') {
      const rl = createInterface({ input: createReadStream(f.path, 'utf8'), crlfDelay: Infinity });
      let lineNo = 0;
      const lines = rl[Symbol.asyncIterator]();
      for (;;) {
        // A read error (file removed or unreadable meanwhile) surfaces here: give it a code.
        const next = await lines.next().catch((e: unknown) =>
          fsCall(f.path, () => {
            throw e;
          }),
        );
        if (next.done) break;
        lineNo++;
        const line = lineNo === 1 ? next.value.replace(/^\uFEFF/, '') : next.value;
        if (line.trim().length === 0) continue;
        const doc = parseRecord(line, `${f.path}:${lineNo}`);
        onDocument?.({ path: f.path, line: lineNo });
        yield doc;
      }
    } else {
      const doc = { id: f.root ? relative(f.root, f.path) : f.path, text: readText(f.path), metadata: { path: f.path } };
      onDocument?.({ path: f.path });
      yield doc;
    }
  }
}
