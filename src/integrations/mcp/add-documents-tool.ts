/** The `add_documents` tool (registered only when writes are allowed): encode and index documents. */
import { ErrorCodes, TartanError } from '../../core/errors.js';
import type { DocumentInput } from '../../stores/types.js';
import type { ServedIndexes } from './served-indexes.js';
import type { ToolOutput } from './tool-output.js';

/** Arguments of the add_documents tool (see schemas.ts). */
export interface AddDocumentsArgs {
  documents: DocumentInput[];
  index?: string;
  replace?: boolean;
}

/** Adds the documents to the index and its side indexes in one write (all or nothing in the index). */
export async function runAddDocuments(indexes: ServedIndexes, args: AddDocumentsArgs): Promise<ToolOutput> {
  const entry = indexes.get(args.index);
  if (args.documents.length === 0) throw new TartanError(ErrorCodes.INVALID_ARGUMENT, 'documents is empty; pass [{"id": "d1", "text": "..."}, ...]');
  const replace = args.replace === true;
  await indexes.write(entry, async (collection) => {
    if (!replace) return collection.add(args.documents);
    // Collection.add hands replaced ids to the side indexes (BM25) as new ones, which they refuse:
    // drop them there first, and put the old versions back if the index (all or nothing) refuses the batch.
    const ids = args.documents.map((d) => d.id);
    const previous = await collection.index.store.get(ids);
    for (const side of collection.sides) await side.delete(ids);
    try {
      await collection.add(args.documents, { replace: true });
    } catch (e) {
      for (const side of collection.sides) {
        await side.delete(ids);
        await side.add(previous.map((d) => ({ id: d.id, text: d.text ?? '' })));
      }
      throw e;
    }
  });
  const { documents } = await entry.collection.index.info();
  const n = args.documents.length;
  return {
    text: `${replace ? 'added or replaced' : 'added'} ${n} document${n === 1 ? '' : 's'} in index "${entry.name}"; it now holds ${documents}`,
    structured: { index: entry.name, added: n, documents },
  };
}
