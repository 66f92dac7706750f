/** What `info` reports about a file index, from its manifest alone. */
import type { StoreInfo } from '../types.js';
import type { Manifest } from './manifest.js';
import { manifestBytes } from './manifest.js';
import { driftAdvice } from './drift.js';

/**
 * Counts, sizes and settings; for plaid indexes the centroid drift: the mean squared residual of
 * vectors added after training against that of documents held out of training, and whether a
 * rebuild is recommended (see {@link driftAdvice}).
 */
export function manifestInfo(m: Manifest): StoreInfo {
  const s = m.settings;
  const tokens = m.segments.reduce((n, seg) => n + seg.tokens, 0);
  const documents = m.segments.reduce((n, seg) => n + seg.documents, 0) - m.deleted;
  const vectorBytes = manifestBytes(m, (r) => !['docs', 'text'].includes(r));
  const advice = driftAdvice(m.drift, m.codebook?.centroids ?? 0, tokens, !(s.centroids > 0));
  return {
    kind: s.mode,
    documents,
    tokens,
    dim: s.dim,
    bytesPerToken: tokens ? vectorBytes / tokens : 0,
    totalBytes: manifestBytes(m),
    ...(s.model ? { model: s.model } : {}),
    ...(s.pcaDim ? { pcaDim: s.pcaDim } : {}),
    ...(s.mode === 'plaid' ? { centroids: m.codebook?.centroids ?? 0, nbits: s.nbits, rerankVectors: s.rerankVectors ?? 'none' } : { dtype: s.flatDtype }),
    segments: m.segments.length,
    deleted: m.deleted,
    generation: m.generation,
    poolFactor: s.poolFactor,
    chunkTokens: s.chunkTokens,
    nprobe: s.nprobe,
    ndocs: s.ndocs,
    ...(s.mode === 'plaid' ? { drift: Number(advice.drift.toFixed(3)), rebuildRecommended: advice.rebuildRecommended } : {}),
  };
}
