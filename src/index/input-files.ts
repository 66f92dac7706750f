/**
 * Documents from files for `tartan index`: JSON-lines (`id` or `_id`, `text`
 * plus optional `title`, `metadata` object; other scalar fields become
 * metadata), and .txt / .md files (id = path relative to the folder given).
 * Folders are walked recursively.
 */
import { createReadStream, readdirSync, readFileSync, statSync, existsSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { extname, join, relative } from 'node:path';
import { ErrorCodes, TartanError } from '../errors.js';
import type { DocumentInput, MetadataValue } from '../stores/types.js';

const TEXT_EXT = new Set(['.txt', '.md', '.markdown']);
const RESERVED = new Set(['id', '_id', 'text', 'title', 'metadata']);

/** The files an input list expands to, with the root each file's id is relative to. */
export function expandInputs(inputs: readonly string[]): Array<{ path: string; root: string }> {
  const out: Array<{ path: string; root: string }> = [];
  for (const input of inputs) {
    if (!existsSync(input)) throw new TartanError(ErrorCodes.INPUT_FORMAT, `input ${input} does not exist; pass .jsonl, .txt or .md files or folders`);
    const walk = (p: string, root: string) => {
      if (statSync(p).isDirectory()) {
        for (const name of readdirSync(p).sort()) walk(join(p, name), root);
      } else if (extname(p) === '.jsonl' || TEXT_EXT.has(extname(p))) {
        out.push({ path: p, root });
      }
    };
    if (statSync(input).isDirectory()) walk(input, input);
    else if (extname(input) === '.jsonl' || TEXT_EXT.has(extname(input))) out.push({ path: input, root: '' });
    else throw new TartanError(ErrorCodes.INPUT_FORMAT, `cannot index ${input}: use .jsonl (id, text, metadata), .txt or .md files, or folders of them`);
  }
  return out;
}

/** Counts the documents the inputs hold (JSON-lines: non-empty lines), for the progress bar. */
export function countDocuments(files: ReadonlyArray<{ path: string }>): number {
  let n = 0;
  for (const f of files) {
    if (extname(f.path) !== '.jsonl') { n++; continue; }
    const buf = readFileSync(f.path);
    let nonEmpty = false;
    for (let i = 0; i < buf.length; i++) {
      if (buf[i] === 10) { if (nonEmpty) n++; nonEmpty = false; } else if (buf[i] !== 13 && buf[i] !== 32) nonEmpty = true;
    }
    if (nonEmpty) n++;
  }
  return n;
}

/** Parses one JSON-lines record into a document; `where` names the file and line for errors. */
export function parseRecord(line: string, where: string): DocumentInput {
  let rec: Record<string, unknown>;
  try { rec = JSON.parse(line) as Record<string, unknown>; } catch {
    throw new TartanError(ErrorCodes.INPUT_FORMAT, `${where}: not valid JSON; each line must be an object like {"id": "d1", "text": "..."}`);
  }
  const id = rec.id ?? rec._id;
  if (typeof id !== 'string' && typeof id !== 'number') throw new TartanError(ErrorCodes.INPUT_FORMAT, `${where}: missing "id" (or "_id"); give every record an id`);
  const body = typeof rec.text === 'string' ? rec.text : '';
  const text = typeof rec.title === 'string' && rec.title.length > 0 ? `${rec.title}\n${body}` : body;
  const metadata: Record<string, MetadataValue> = {};
  if (rec.metadata && typeof rec.metadata === 'object' && !Array.isArray(rec.metadata)) Object.assign(metadata, rec.metadata);
  for (const [k, v] of Object.entries(rec)) {
    if (!RESERVED.has(k) && (v === null || ['string', 'number', 'boolean'].includes(typeof v))) metadata[k] = v as MetadataValue;
  }
  return { id: String(id), text, ...(Object.keys(metadata).length ? { metadata } : {}) };
}

/** Streams the documents of the inputs. */
export async function* readDocuments(files: ReadonlyArray<{ path: string; root: string }>): AsyncGenerator<DocumentInput> {
  for (const f of files) {
    if (extname(f.path) === '.jsonl') {
      const rl = createInterface({ input: createReadStream(f.path, 'utf8'), crlfDelay: Infinity });
      let lineNo = 0;
      for await (const line of rl) {
        lineNo++;
        if (line.trim().length === 0) continue;
        yield parseRecord(line, `${f.path}:${lineNo}`);
      }
    } else {
      yield { id: f.root ? relative(f.root, f.path) : f.path, text: readFileSync(f.path, 'utf8'), metadata: { path: f.path } };
    }
  }
}
