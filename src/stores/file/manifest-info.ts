/** What `info` reports about a file index, from its manifest alone. */
import type { StoreInfo } from '../types.js';
import type { Manifest } from './manifest.js';
import { manifestBytes } from './manifest.js';

/**
 * Counts, sizes and settings; for plaid indexes the centroid drift: the mean squared residual of
 * vectors added after training against the training residual (above 1.25, or more than half the
 * tokens added untrained, a rebuild is recommended).
 */
export function manifestInfo(m: Manifest): StoreInfo {
  const s = m.settings;
  const tokens = m.segments.reduce((n, seg) => n + seg.tokens, 0);
  const documents = m.segments.reduce((n, seg) => n + seg.documents, 0) - m.deleted;
  const vectorBytes = manifestBytes(m, (r) => !['docs', 'text'].includes(r));
  const drift = m.drift && m.drift.addedTokens > 0 ? m.drift.addedResidualSum / m.drift.addedTokens / Math.max(1e-12, m.drift.trainResidual) : 1;
  const untrainedShare = m.drift ? m.drift.addedTokens / Math.max(1, tokens) : 0;
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
    ...(s.mode === 'plaid' ? { drift: Number(drift.toFixed(3)), rebuildRecommended: drift > 1.25 || untrainedShare > 0.5 } : {}),
  };
}
