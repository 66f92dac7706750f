/**
 * What sits on top of the encoder for each kind of synthetic model, and the
 * output names consumers look outputs up by.
 */
import type { BertArchitecture, SyntheticKind } from './architectures.js';
import { BATCH_DIM, SEQUENCE_DIM, linear } from './bert-graph.js';
import { TensorType, type GraphBuilder } from '../runtime/onnx-graph.js';
import type { WeightFactory } from './weights.js';

/** Output names by head, matching the real exports (fastembed ColBERT, bge-small, ms-marco cross-encoder). */
export const OUTPUT_NAMES = {
  tokenEmbeddings: 'token_embeddings',
  lastHiddenState: 'last_hidden_state',
  logits: 'logits',
} as const;

/** Which head the graph ends in; `projection` only for a ColBERT graph that carries its own projection. */
export type GraphHead = { readonly kind: 'hidden' } | { readonly kind: 'projection'; readonly dim: number } | { readonly kind: 'classifier' };

/** The head a given kind and layout needs: PyLate keeps the projection outside the ONNX graph. */
export function headFor(kind: SyntheticKind, layout: 'onnx' | 'pylate', dim: number): GraphHead {
  if (kind === 'colbert' && layout === 'onnx') return { kind: 'projection', dim };
  if (kind === 'cross-encoder') return { kind: 'classifier' };
  return { kind: 'hidden' };
}

/** Prefix of the ColBERT projection layer, as PyLate's Dense module names it. */
export const PROJECTION_PREFIX = 'linear';
/** Name of the projection weight: the ONNX initializer, the PyLate safetensors tensor, and the seed stream of its values. */
export const PROJECTION_WEIGHT = `${PROJECTION_PREFIX}.weight`;

/**
 * Adds the head on top of `hidden` (the last hidden state) and declares the
 * graph output. Returns the output's name.
 */
export function addHead(g: GraphBuilder, w: WeightFactory, hidden: string, arch: BertArchitecture, head: GraphHead): string {
  if (head.kind === 'hidden') {
    return g.output(hidden, TensorType.FLOAT, [BATCH_DIM, SEQUENCE_DIM, arch.hidden], OUTPUT_NAMES.lastHiddenState);
  }
  if (head.kind === 'projection') {
    // No bias and no normalisation: the runtime L2-normalises, as with fastembed's ColBERT export.
    const projected = linear(g, w, hidden, PROJECTION_PREFIX, arch.hidden, head.dim, false);
    return g.output(projected, TensorType.FLOAT, [BATCH_DIM, SEQUENCE_DIM, head.dim], OUTPUT_NAMES.tokenEmbeddings);
  }
  // BertForSequenceClassification: pooler (dense + tanh on [CLS]) then one logit. With BERT's 0.02 init
  // the logit would barely move between inputs (near-ties everywhere), so the head is initialised
  // with std 1/sqrt(hidden) to give scores that differ visibly between pairs.
  const headStd = 1 / Math.sqrt(arch.hidden);
  const cls = g.op('Gather', [hidden, g.int64([0], [])], { axis: { int: 1 } });
  const pooled = g.op('Tanh', [linear(g, w, cls, 'pooler.dense', arch.hidden, arch.hidden, true, headStd)]);
  const logits = linear(g, w, pooled, 'classifier', arch.hidden, 1, true, headStd);
  return g.output(logits, TensorType.FLOAT, [BATCH_DIM, 1], OUTPUT_NAMES.logits);
}
