/**
 * A streaming JSON Lines reader: one parsed object per non-blank line, read
 * with a line reader so corpora larger than memory can be walked once.
 */
import { createReadStream, existsSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { ErrorCodes, TartanError } from '../core/errors.js';

/** One parsed line and its 1-based line number. */
export interface JsonlRecord {
  readonly value: Record<string, unknown>;
  readonly line: number;
}

/**
 * Yields each non-blank line of `path` parsed as a JSON object.
 * Throws DATASET_FORMAT naming the file and line when a line is not a JSON object.
 *
 * @example
 * ```ts
 * for await (const { value, line } of readJsonl('corpus.jsonl')) console.log(line, value._id);
 * ```
 */
export async function* readJsonl(path: string): AsyncGenerator<JsonlRecord> {
  if (!existsSync(path))
    throw new TartanError(ErrorCodes.DATASET_FORMAT, `${path} does not exist; a BEIR folder needs corpus.jsonl, queries.jsonl and qrels/<split>.tsv.`);
  const lines = createInterface({ input: createReadStream(path, { encoding: 'utf8' }), crlfDelay: Infinity })[Symbol.asyncIterator]();
  let line = 0;
  for (;;) {
    // A read error (a folder named like the file, no permission) becomes DATASET_FORMAT naming the file.
    const next = await lines.next().catch((e: unknown) => {
      throw new TartanError(ErrorCodes.DATASET_FORMAT, `cannot read ${path} (${(e as NodeJS.ErrnoException).code ?? (e as Error).message}).`, { cause: e });
    });
    if (next.done) break;
    const text = next.value;
    line++;
    if (text.trim().length === 0) continue;
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch (e) {
      throw new TartanError(ErrorCodes.DATASET_FORMAT, `${path} line ${line} is not valid JSON (${(e as Error).message}); each line must be one JSON object.`);
    }
    if (value === null || typeof value !== 'object' || Array.isArray(value)) {
      throw new TartanError(
        ErrorCodes.DATASET_FORMAT,
        `${path} line ${line} is not a JSON object; each line must be one object such as {"_id": "...", "text": "..."}.`,
      );
    }
    yield { value: value as Record<string, unknown>, line };
  }
}
