/**
 * Compaction without a rebuild: the live passages of every segment are copied
 * (codes and packed residuals, or flat vectors, byte for byte) into one new
 * segment with fresh inverted lists, tombstones are dropped and documents are
 * renumbered. The centroids are kept.
 */
import type { DocumentInput } from '../types.js';
import type { Manifest } from './manifest.js';
import type { Snapshot } from './snapshot.js';
import { readText } from './metadata-store.js';
import { encodeDocuments } from './metadata-store.js';
import { buildInvertedLists } from '../../plaid/inverted-lists.js';
import { residualBytes } from '../../plaid/residual-codec.js';
import { encodePassageTable } from './segment-builder.js';
import { codeArray } from '../../plaid/segment-encoding.js';
import { writeFiles, segmentPrefix } from './segment-files.js';
import { storedDim } from '../../plaid/projection.js';

/** Writes the compacted segment and returns the next manifest. */
export function prepareCompact(dir: string, snap: Snapshot): Manifest {
  const m: Manifest = structuredClone(snap.manifest);
  // Stored rows are copied as they are: the projection (when the index reduces the dimension) is kept.
  const s = m.settings,
    dim = storedDim(s);
  const docs: DocumentInput[] = [];
  const passageDoc: number[] = [];
  const lengths: number[] = [];
  const picks: Array<{ seg: number; p: number }> = [];
  snap.segments.forEach((seg, si) => {
    const localToNew = new Int32Array(seg.entry.documents).fill(-1);
    for (let i = 0; i < seg.entry.documents; i++) {
      if (snap.deleted[seg.entry.docBase + i]) continue;
      localToNew[i] = docs.length;
      const text = readText(seg.docs, seg.text, i);
      docs.push({ id: seg.docs.ids[i], ...(text !== undefined ? { text } : {}), ...(seg.docs.metadata[i] ? { metadata: seg.docs.metadata[i] } : {}) });
    }
    for (let p = 0; p < seg.passageDoc.length; p++) {
      const nd = localToNew[seg.passageDoc[p]];
      if (nd < 0) continue;
      passageDoc.push(nd);
      lengths.push(seg.tokenOffsets[p + 1] - seg.tokenOffsets[p]);
      picks.push({ seg: si, p });
    }
  });
  const offsets = new Uint32Array(lengths.length + 1);
  lengths.forEach((l, i) => {
    offsets[i + 1] = offsets[i] + l;
  });
  const tokens = offsets[lengths.length];
  const { records, texts } = encodeDocuments(docs);
  const pd = Uint32Array.from(passageDoc);
  const buffers: Record<string, Uint8Array> = { docs: Buffer.from(records, 'utf8'), text: texts, passages: encodePassageTable(pd, offsets) };
  if (s.mode === 'plaid' && snap.codebook) {
    const k = snap.codebook.k;
    const rb = residualBytes(dim, s.nbits);
    const codes = codeArray(k, tokens);
    const residuals = new Uint8Array(tokens * rb);
    picks.forEach(({ seg, p }, i) => {
      const src = snap.segments[seg];
      const t0 = src.tokenOffsets[p],
        t1 = src.tokenOffsets[p + 1];
      codes.set(src.codes!.subarray(t0, t1), offsets[i]);
      src.residuals!.read(t0 * rb, (t1 - t0) * rb, residuals.subarray(offsets[i] * rb, offsets[i + 1] * rb));
    });
    buffers.codes = new Uint8Array(codes.buffer);
    buffers.residuals = residuals;
    buffers.ivf = buildInvertedLists(codes, offsets, pd.length, k);
    // Rerank vectors survive only when every source segment has them (older segments may not).
    if (picks.length > 0 && snap.segments.every((g) => g.vectors || g.entry.tokens === 0))
      buffers.vectors = copyVectors(snap, picks, offsets, tokens * dim * 2, dim * 2);
  } else if (s.mode === 'flat') {
    const width = s.flatDtype === 'f16' ? 2 : 1;
    const scales = new Float32Array(s.flatDtype === 'i8' ? tokens : 0);
    picks.forEach(({ seg, p }, i) => {
      const src = snap.segments[seg];
      if (src.scales) scales.set(src.scales.subarray(src.tokenOffsets[p], src.tokenOffsets[p + 1]), offsets[i]);
    });
    buffers.vectors = copyVectors(snap, picks, offsets, tokens * dim * width, dim * width);
    if (s.flatDtype === 'i8') buffers.scales = new Uint8Array(scales.buffer);
  }
  m.generation += 1;
  const id = m.nextSegmentId;
  const files = writeFiles(dir, segmentPrefix(id), buffers);
  m.segments = [{ id, docBase: 0, documents: docs.length, passages: pd.length, tokens, files }];
  m.nextSegmentId = id + 1;
  m.nextDocBase = docs.length;
  delete m.tombstones;
  m.deleted = 0;
  return m;
}

/** The vector rows of the picked passages, in pick order (`rowBytes` per token). */
function copyVectors(snap: Snapshot, picks: ReadonlyArray<{ seg: number; p: number }>, offsets: Uint32Array, bytes: number, rowBytes: number): Uint8Array {
  const out = new Uint8Array(bytes);
  picks.forEach(({ seg, p }, i) => {
    const src = snap.segments[seg];
    const t0 = src.tokenOffsets[p],
      t1 = src.tokenOffsets[p + 1];
    src.vectors!.read(t0 * rowBytes, (t1 - t0) * rowBytes, out.subarray(offsets[i] * rowBytes, offsets[i + 1] * rowBytes));
  });
  return out;
}
