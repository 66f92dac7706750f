/** The `list_indexes` tool: what each served index holds. */
import type { ServedIndexes } from './served-indexes.js';
import type { ToolOutput } from './tool-output.js';

/** Describes every served index: name, location, model, document count, mode, side indexes. */
export async function runListIndexes(indexes: ServedIndexes, writable: boolean): Promise<ToolOutput> {
  const rows = [];
  for (const entry of indexes.all()) {
    const info = await entry.collection.index.info();
    rows.push({
      name: entry.name,
      location: entry.location,
      ...(info.model ? { model: info.model } : {}),
      documents: info.documents,
      mode: info.kind,
      dim: info.dim,
      tokens: info.tokens,
      sideIndexes: entry.collection.sides.map((s) => s.name),
    });
  }
  const lines = rows.map(
    (r) =>
      `- ${r.name}: ${r.documents} documents, model ${r.model ?? 'unknown'}, ${r.mode} index at ${r.location}` +
      (r.sideIndexes.length > 0 ? `; side indexes for pipelines: ${r.sideIndexes.join(', ')}` : ''),
  );
  const text = [`${rows.length} index${rows.length === 1 ? '' : 'es'} served${writable ? ' (add_documents enabled)' : ''}:`, ...lines].join('\n');
  return { text, structured: { indexes: rows, writable } };
}
