/**
 * Documents from files for `tartan index`: JSON-lines (`id` or `_id`, `text`
 * plus optional `title`, `metadata` object; other scalar fields become
 * metadata), and .txt / .md files (id = path relative to the folder given).
 * Folders are walked recursively.
 */
import { createReadStream, lstatSync, readdirSync, readFileSync, statSync, existsSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { extname, join, relative } from 'node:path';
import { ErrorCodes, TartanError } from '../core/errors.js';
import type { DocumentInput, MetadataValue } from '../stores/types.js';

const TEXT_EXT = new Set(['.txt', '.md', '.markdown']);
const RESERVED = new Set(['id', '_id', 'text', 'title', 'metadata']);

/** Runs a file-system call, turning its errors (EACCES, ELOOP, ...) into E_INPUT_FORMAT naming the path. */
function fsCall<T>(path: string, fn: () => T): T {
  try {
    return fn();
  } catch (e) {
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
    if (!existsSync(input)) throw new TartanError(ErrorCodes.INPUT_FORMAT, `input ${input} does not exist; pass .jsonl, .txt or .md files or folders`);
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

/** Streams the documents of the inputs. */
export async function* readDocuments(files: ReadonlyArray<{ path: string; root: string }>): AsyncGenerator<DocumentInput> {
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
        if (next.value.trim().length === 0) continue;
        yield parseRecord(next.value, `${f.path}:${lineNo}`);
      }
    } else {
      yield { id: f.root ? relative(f.root, f.path) : f.path, text: fsCall(f.path, () => readFileSync(f.path, 'utf8')), metadata: { path: f.path } };
    }
  }
}
