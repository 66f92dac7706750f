/**
 * The BERT encoder as an ONNX graph: word + position + token-type embeddings,
 * LayerNorm, then per layer multi-head self-attention (with the padding mask as
 * an additive bias) and a GELU feed-forward block, each with residual + LayerNorm.
 * Weight names follow Hugging Face's BertModel so the graph reads familiar.
 */
import type { BertArchitecture } from './architectures.js';
import { TensorType, type GraphBuilder } from '../runtime/onnx-graph.js';
import { BERT_INIT_STD, type WeightFactory } from './weights.js';

/** Symbolic names of the dynamic dimensions, as Hugging Face's ONNX exports call them. */
export const BATCH_DIM = 'batch_size';
export const SEQUENCE_DIM = 'sequence_length';

/** The three model inputs every synthetic graph takes, all int64 [batch, seq]. */
export const BERT_INPUTS = ['input_ids', 'attention_mask', 'token_type_ids'] as const;

const LAYER_NORM_EPS = 1e-12;
/** Added to attention scores of padded keys; exp(-1e4) underflows to exactly 0 in float32. */
const MASK_BIAS = -10000;

/** A dense layer x @ W + b with W stored [in, out] (the transpose of torch's Linear.weight), W ~ normal(0, std). */
export function linear(g: GraphBuilder, w: WeightFactory, x: string, prefix: string, inDim: number, outDim: number, bias = true, std = BERT_INIT_STD): string {
  const y = g.op('MatMul', [x, w.normal(`${prefix}.weight`, [inDim, outDim], std)]);
  return bias ? g.op('Add', [y, w.zeros(`${prefix}.bias`, [outDim])]) : y;
}

function layerNorm(g: GraphBuilder, w: WeightFactory, x: string, prefix: string, hidden: number): string {
  return g.op('LayerNormalization', [x, w.ones(`${prefix}.weight`, [hidden]), w.zeros(`${prefix}.bias`, [hidden])], {
    axis: { int: -1 },
    epsilon: { float: LAYER_NORM_EPS },
  });
}

/** Exact GELU: 0.5 * x * (1 + erf(x / sqrt(2))). */
function gelu(g: GraphBuilder, x: string, consts: Consts): string {
  const erf = g.op('Erf', [g.op('Div', [x, consts.sqrt2])]);
  return g.op('Mul', [g.op('Mul', [x, g.op('Add', [erf, consts.one])]), consts.half]);
}

interface Consts {
  one: string;
  half: string;
  sqrt2: string;
  /** Shape [0, 0, heads, headDim]: split the hidden axis into heads, keeping batch and sequence. */
  splitHeads: string;
  /** Shape [0, 0, hidden]: merge the heads back. */
  mergeHeads: string;
  /** 1 / sqrt(headDim), the attention score scale. */
  scoreScale: string;
}

function embeddings(g: GraphBuilder, w: WeightFactory, arch: BertArchitecture): string {
  const { hidden } = arch;
  const words = g.op('Gather', [w.normal('embeddings.word_embeddings.weight', [arch.vocabSize, hidden]), 'input_ids']);
  // Position ids 0..seq-1 come from the input's own shape, so callers pass only the three inputs.
  const seqLen = g.op('Gather', [g.op('Shape', ['input_ids']), g.int64([1], [])], { axis: { int: 0 } });
  const positionIds = g.op('Range', [g.int64([0], []), seqLen, g.int64([1], [])]);
  const positions = g.op('Gather', [w.normal('embeddings.position_embeddings.weight', [arch.maxPositions, hidden]), positionIds]);
  const types = g.op('Gather', [w.normal('embeddings.token_type_embeddings.weight', [arch.typeVocabSize, hidden]), 'token_type_ids']);
  const sum = g.op('Add', [g.op('Add', [words, positions]), types]);
  return layerNorm(g, w, sum, 'embeddings.LayerNorm', hidden);
}

/** (1 - mask) * -1e4 as float, shaped [batch, 1, 1, seq] to broadcast over heads and query positions. */
function attentionBias(g: GraphBuilder, consts: Consts): string {
  const mask = g.op('Cast', ['attention_mask'], { to: { int: TensorType.FLOAT } });
  const expanded = g.op('Unsqueeze', [mask, g.int64([1, 2])]);
  return g.op('Mul', [g.op('Sub', [consts.one, expanded]), g.float(MASK_BIAS)]);
}

function heads(g: GraphBuilder, x: string, consts: Consts, perm: readonly number[]): string {
  return g.op('Transpose', [g.op('Reshape', [x, consts.splitHeads])], { perm: { ints: perm } });
}

function selfAttention(g: GraphBuilder, w: WeightFactory, x: string, bias: string, p: string, arch: BertArchitecture, consts: Consts): string {
  const h = arch.hidden;
  const q = heads(g, linear(g, w, x, `${p}.attention.self.query`, h, h), consts, [0, 2, 1, 3]); // [B,H,S,D]
  const kT = heads(g, linear(g, w, x, `${p}.attention.self.key`, h, h), consts, [0, 2, 3, 1]); // [B,H,D,S]
  const v = heads(g, linear(g, w, x, `${p}.attention.self.value`, h, h), consts, [0, 2, 1, 3]); // [B,H,S,D]
  const scores = g.op('Add', [g.op('Mul', [g.op('MatMul', [q, kT]), consts.scoreScale]), bias]);
  const probs = g.op('Softmax', [scores], { axis: { int: -1 } });
  const context = g.op('Transpose', [g.op('MatMul', [probs, v])], { perm: { ints: [0, 2, 1, 3] } });
  const merged = g.op('Reshape', [context, consts.mergeHeads]);
  const out = linear(g, w, merged, `${p}.attention.output.dense`, h, h);
  return layerNorm(g, w, g.op('Add', [out, x]), `${p}.attention.output.LayerNorm`, h);
}

function feedForward(g: GraphBuilder, w: WeightFactory, x: string, p: string, arch: BertArchitecture, consts: Consts): string {
  const inner = gelu(g, linear(g, w, x, `${p}.intermediate.dense`, arch.hidden, arch.intermediate), consts);
  const out = linear(g, w, inner, `${p}.output.dense`, arch.intermediate, arch.hidden);
  return layerNorm(g, w, g.op('Add', [out, x]), `${p}.output.LayerNorm`, arch.hidden);
}

/**
 * Declares the three int64 inputs and adds the BERT encoder to `g`.
 * Returns the name of the last hidden state, float [batch, seq, hidden].
 */
export function addBertEncoder(g: GraphBuilder, w: WeightFactory, arch: BertArchitecture): string {
  if (arch.hidden % arch.heads !== 0) throw new Error(`hidden size ${arch.hidden} is not divisible by ${arch.heads} heads`);
  for (const name of BERT_INPUTS) g.input(name, TensorType.INT64, [BATCH_DIM, SEQUENCE_DIM]);
  const headDim = arch.hidden / arch.heads;
  const consts: Consts = {
    one: g.float(1),
    half: g.float(0.5),
    sqrt2: g.float(Math.SQRT2),
    splitHeads: g.int64([0, 0, arch.heads, headDim]),
    mergeHeads: g.int64([0, 0, arch.hidden]),
    scoreScale: g.float(1 / Math.sqrt(headDim)),
  };
  let x = embeddings(g, w, arch);
  const bias = attentionBias(g, consts);
  for (let i = 0; i < arch.layers; i++) {
    const p = `encoder.layer.${i}`;
    x = feedForward(g, w, selfAttention(g, w, x, bias, p, arch, consts), p, arch, consts);
  }
  return x;
}
