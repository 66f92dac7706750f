/**
 * Reads of one snapshot that searches share: the query in the stored dimension, the documents a
 * search may return, a document's stored fields and its passages.
 */
import type { TokenMatrix } from '../../core/tensors.js';
import type { DocumentInput, MetadataValue, StoreSearchOptions } from '../types.js';
import { matchesFilter, validateFilter } from '../filter.js';
import { project } from '../../plaid/projection.js';
import { readText } from './metadata-store.js';
import type { Snapshot } from './snapshot.js';

/**
 * The query in the dimension the index stores: projected (rows normalised again, weights still
 * one per row) where the index reduces it. Before the first add with tokens there is no projection
 * and nothing stored to match: zero rows of the stored dimension.
 */
export function storedQuery(snap: Snapshot, query: TokenMatrix): TokenMatrix {
  const pcaDim = snap.manifest.settings.pcaDim;
  if (!pcaDim) return query;
  const data = snap.projection ? project(snap.projection, query.data.subarray(0, query.rows * query.dim)) : new Float32Array(query.rows * pcaDim);
  return { data, rows: query.rows, dim: pcaDim };
}

/** The first passage owned by local document `local` (passages are sorted by owner). */
export function firstPassage(passageDoc: Uint32Array, local: number): number {
  let lo = 0,
    hi = passageDoc.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (passageDoc[mid] < local) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** The id, text and metadata of global document `doc`. */
export function describeDocument(snap: Snapshot, doc: number): DocumentInput & { metadata?: Record<string, MetadataValue> } {
  const { seg, local } = snap.locate(doc)!;
  const text = readText(seg.docs, seg.text, local);
  const metadata = seg.docs.metadata[local];
  return { id: seg.docs.ids[local], ...(text !== undefined ? { text } : {}), ...(metadata ? { metadata } : {}) };
}

/** The documents a search may return: live, passing the filter, within `candidates` when given. */
export function allowedDocuments(snap: Snapshot, options: StoreSearchOptions): Uint8Array {
  const allowed = new Uint8Array(snap.deleted.length);
  if (options.candidates) {
    for (const id of options.candidates) {
      const d = snap.idToDoc.get(id);
      if (d !== undefined) allowed[d] = 1;
    }
  } else {
    for (let d = 0; d < allowed.length; d++) allowed[d] = snap.deleted[d] ? 0 : 1;
  }
  if (options.filter !== undefined && options.filter !== null) {
    validateFilter(options.filter);
    for (const seg of snap.segments) {
      for (let i = 0; i < seg.entry.documents; i++) {
        const d = seg.entry.docBase + i;
        if (allowed[d] && !matchesFilter(seg.docs.metadata[i], options.filter)) allowed[d] = 0;
      }
    }
  }
  return allowed;
}
