/**
 * Turns documents and their token matrices into the byte contents of one
 * segment: passages (chunked, pooled), then per token either a centroid code
 * plus packed residual (plaid) or float16/int8 values (flat), the inverted
 * lists, and the document records.
 */
import type { DocumentInput } from '../types.js';
import type { TokenMatrix, TokenMatrixBatch } from '../../core/tensors.js';
import { matrixAt } from '../../core/tensors.js';
import type { IndexSettings } from './manifest.js';
import type { Codebook } from '../../plaid/types.js';
import { encodeTokens } from '../../plaid/segment-encoding.js';
import { chunkMatrix } from '../../plaid/chunking.js';
import { poolTokens } from '../../plaid/token-pooling.js';
import { buildInvertedLists } from '../../plaid/inverted-lists.js';
import { encodeDocuments } from './metadata-store.js';
import { toFloat16Bulk } from '../../plaid/kernels.js';
import { quantizeRowsInt8 } from '../../scoring/quantize.js';

/** Passages of a batch of documents: all token rows packed, passage p owned by document passageDoc[p]. */
export interface PassageBatch {
  data: Float32Array;
  /** Token offsets, passages + 1 entries. */
  offsets: Uint32Array;
  passageDoc: Uint32Array;
}

/** Chunks then pools every document's matrix into passages. */
export function toPassages(vectors: TokenMatrixBatch, settings: Pick<IndexSettings, 'poolFactor' | 'chunkTokens' | 'chunkOverlap'>): PassageBatch {
  const parts: TokenMatrix[] = [];
  const owners: number[] = [];
  const docs = vectors.offsets.length - 1;
  for (let i = 0; i < docs; i++) {
    const m = matrixAt(vectors, i);
    for (const chunk of chunkMatrix(m, settings.chunkTokens, settings.chunkOverlap)) {
      parts.push(poolTokens(chunk, settings.poolFactor));
      owners.push(i);
    }
  }
  const offsets = new Uint32Array(parts.length + 1);
  for (let p = 0; p < parts.length; p++) offsets[p + 1] = offsets[p] + parts[p].rows;
  const data = new Float32Array(offsets[parts.length] * vectors.dim);
  parts.forEach((m, p) => data.set(m.data.subarray(0, m.rows * m.dim), offsets[p] * vectors.dim));
  return { data, offsets, passageDoc: Uint32Array.from(owners) };
}

/** The byte contents of one segment, keyed by file role. */
export type SegmentBuffers = Record<string, Uint8Array>;

function bytesOf(a: ArrayBufferView): Uint8Array {
  return new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
}

/** Serialises the passage table: passageDoc (u32 each) then passage lengths (u32 each). */
export function encodePassageTable(passageDoc: Uint32Array, offsets: Uint32Array): Uint8Array {
  const p = passageDoc.length;
  const out = new Uint32Array(2 * p);
  out.set(passageDoc, 0);
  for (let i = 0; i < p; i++) out[p + i] = offsets[i + 1] - offsets[i];
  return bytesOf(out);
}

/**
 * Builds a plaid segment; also returns the summed squared residual norm (drift statistics).
 * `rerankVectors` 'f16' also keeps the original vectors as float16 for the final rerank.
 */
export async function buildPlaidSegment(
  docs: readonly DocumentInput[],
  passages: PassageBatch,
  dim: number,
  codebook: Codebook,
  rerankVectors: 'f16' | 'none' = 'none',
): Promise<{ buffers: SegmentBuffers; sqResidualSum: number }> {
  const { codes, residuals: packed, sqResidualSum } = await encodeTokens(codebook, passages.data);
  const { records, texts } = encodeDocuments(docs);
  return {
    buffers: {
      docs: Buffer.from(records, 'utf8'),
      text: texts,
      passages: encodePassageTable(passages.passageDoc, passages.offsets),
      codes: bytesOf(codes),
      residuals: packed,
      ivf: buildInvertedLists(codes, passages.offsets, passages.passageDoc.length, codebook.k),
      ...(rerankVectors === 'f16' ? { vectors: bytesOf(toFloat16Bulk(passages.data)) } : {}),
    },
    sqResidualSum,
  };
}

/** Builds a flat segment (float16, or int8 with per-token scales). */
export function buildFlatSegment(docs: readonly DocumentInput[], passages: PassageBatch, dim: number, dtype: 'f16' | 'i8'): SegmentBuffers {
  const { records, texts } = encodeDocuments(docs);
  const common = { docs: Buffer.from(records, 'utf8'), text: texts, passages: encodePassageTable(passages.passageDoc, passages.offsets) };
  if (dtype === 'f16') return { ...common, vectors: bytesOf(toFloat16Bulk(passages.data)) };
  const { data, scales } = quantizeRowsInt8(passages.data, dim);
  return { ...common, vectors: bytesOf(data), scales: bytesOf(scales) };
}
