/**
 * Adding documents: validate, chunk and pool into passages, reduce their
 * dimension where the index does (the projection is learned on the first add
 * that holds tokens), train the codebook on the first add (plaid), encode
 * into a new segment, write its files, and return the next manifest. New
 * vectors always go to the existing centroids; their residual norms feed the
 * drift statistics (drift.ts), compared with documents held out of training.
 */
import { ErrorCodes, TartanError } from '../../core/errors.js';
import type { DocumentInput } from '../types.js';
import type { TokenMatrixBatch } from '../../core/tensors.js';
import type { Manifest } from './manifest.js';
import type { Snapshot } from './snapshot.js';
import { toPassages, buildPlaidSegment, buildFlatSegment } from './segment-builder.js';
import type { PassageBatch, SegmentBuffers } from './segment-builder.js';
import { trainCodebook } from '../../plaid/codebook.js';
import type { Codebook } from '../../plaid/codebook.js';
import { codecToJson } from '../../plaid/residual-codec.js';
import { encodeCentroidsI8 } from '../../plaid/centroid-bytes.js';
import { writeFiles, segmentPrefix } from './segment-files.js';
import type { Projection } from '../../plaid/projection.js';
import { encodeProjection, learnProjection, project, storedDim } from '../../plaid/projection.js';
import { defaultCentroidCount } from '../../plaid/kmeans.js';
import { meanResidual, splitForTraining } from './drift.js';

function validate(snap: Snapshot, docs: readonly DocumentInput[], vectors: TokenMatrixBatch): void {
  const dim = snap.manifest.settings.dim;
  if (vectors.dim !== dim)
    throw new TartanError(
      ErrorCodes.DIMENSION_MISMATCH,
      `vectors have dim ${vectors.dim} but the index stores dim ${dim}; use the model the index was built with`,
    );
  if (vectors.offsets.length - 1 !== docs.length)
    throw new TartanError(
      ErrorCodes.INVALID_ARGUMENT,
      `${docs.length} documents but ${vectors.offsets.length - 1} token matrices; pass one matrix per document`,
    );
  const seen = new Set<string>();
  for (const d of docs) {
    if (typeof d.id !== 'string' || d.id.length === 0) throw new TartanError(ErrorCodes.INVALID_ARGUMENT, 'every document needs a non-empty string id');
    if (seen.has(d.id) || snap.idToDoc.has(d.id))
      throw new TartanError(ErrorCodes.DUPLICATE_ID, `document id "${d.id}" is already in the index; delete it first to replace it`, { details: { id: d.id } });
    seen.add(d.id);
  }
  for (let i = 0; i < vectors.data.length; i++) {
    if (!Number.isFinite(vectors.data[i]))
      throw new TartanError(ErrorCodes.NON_FINITE_VALUE, `vector value ${i} is ${vectors.data[i]}; the encoder produced NaN/Infinity, check the model`);
  }
}

/**
 * Projects the passages to settings.pcaDim values per token (no-op when the index keeps its dimension).
 * The first add with tokens learns the projection from them and names its file in `m`.
 */
function reduce(dir: string, snap: Snapshot, m: Manifest, gen: number, passages: PassageBatch): PassageBatch {
  const s = m.settings;
  if (!s.pcaDim) return passages;
  let p: Projection | undefined = snap.projection;
  if (!p) {
    // Nothing is stored yet: empty documents need no projection, and the next add with tokens learns it.
    if (passages.data.length === 0) return passages;
    p = learnProjection(passages.data, s.dim, s.pcaDim);
    m.projection = writeFiles(dir, `projection-g${gen}`, { f32: encodeProjection(p) }).f32;
  }
  return { ...passages, data: project(p, passages.data) };
}

/**
 * Writes the files of one add and returns the manifest that makes them visible
 * (the caller writes it). Nothing is visible until that manifest is written.
 */
export async function prepareAdd(dir: string, snap: Snapshot, docs: readonly DocumentInput[], vectors: TokenMatrixBatch): Promise<Manifest> {
  validate(snap, docs, vectors);
  const m: Manifest = structuredClone(snap.manifest);
  const s = m.settings;
  const gen = m.generation + 1;
  const passages = reduce(dir, snap, m, gen, toPassages(vectors, s));
  // Values per stored token (the input dim, or pcaDim).
  const dim = storedDim(s);
  let buffers: SegmentBuffers;
  if (s.mode === 'plaid') {
    let codebook: Codebook | undefined = snap.codebook;
    if (!codebook) {
      if (passages.data.length === 0)
        throw new TartanError(ErrorCodes.INVALID_ARGUMENT, 'the first add of a plaid index needs at least one token vector to train centroids');
      // Trained without the held-out documents, whose residual is what later adds are compared with (drift.ts);
      // the centroid count still follows the whole add.
      const { train, held } = splitForTraining(passages, dim, docs.length);
      const trained = await trainCodebook(train, dim, s.nbits, s.centroids > 0 ? s.centroids : defaultCentroidCount(passages.data.length / dim));
      codebook = trained;
      const codecJson = Buffer.from(JSON.stringify(codecToJson(trained.codec)));
      const cbFiles = writeFiles(dir, `codebook-g${gen}`, { centroids: encodeCentroidsI8(trained.centroids, dim), codec: codecJson });
      m.codebook = { centroids: trained.k, centroidType: 'i8', files: cbFiles };
      const reference = held ? await meanResidual(trained, held) : trained.trainResidual;
      m.drift = { trainResidual: reference, trainTokens: train.length / dim, addedResidualSum: 0, addedTokens: 0 };
    }
    const built = await buildPlaidSegment(docs, passages, dim, codebook, s.rerankVectors ?? 'none');
    buffers = built.buffers;
    if (snap.codebook && m.drift) {
      m.drift.addedResidualSum += built.sqResidualSum;
      m.drift.addedTokens += passages.data.length / dim;
    }
  } else {
    buffers = buildFlatSegment(docs, passages, dim, s.flatDtype);
  }
  const id = m.nextSegmentId;
  const files = writeFiles(dir, segmentPrefix(id), buffers);
  m.segments.push({ id, docBase: m.nextDocBase, documents: docs.length, passages: passages.passageDoc.length, tokens: passages.data.length / dim, files });
  m.nextSegmentId = id + 1;
  m.nextDocBase += docs.length;
  m.generation = gen;
  return m;
}
