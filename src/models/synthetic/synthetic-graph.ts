/**
 * Assembles the whole ONNX model of a synthetic BERT (encoder + head) without
 * producing any weight bytes yet: the result knows its size and parameter count,
 * and its weights are generated only when it is streamed.
 */
import type { BertArchitecture, SyntheticKind, SyntheticLayout } from './architectures.js';
import { addBertEncoder } from './bert-graph.js';
import { addHead, headFor } from './heads.js';
import { GraphBuilder, modelProto } from '../runtime/onnx-graph.js';
import type { ProtoMessage } from '../runtime/protobuf-writer.js';
import { WeightFactory } from './weights.js';

/** The opset the graph is written for; LayerNormalization appeared in 17. */
export const SYNTHETIC_OPSET = 17;

/** A synthetic model ready to stream. */
export interface SyntheticGraph {
  /** The encoded ModelProto; its weights are made while its chunks are read. */
  model: ProtoMessage;
  /** Parameters (float32 weights) in the graph. */
  params: number;
  /** Name of the graph's single output. */
  output: string;
}

/**
 * Builds the ModelProto of `arch` with the head `kind` needs in `layout`
 * (`dim` is the ColBERT projection width; ignored by other kinds).
 *
 * @example
 * ```ts
 * const { model, params } = buildSyntheticGraph(ARCHITECTURES['bert-base'], 'backbone', 'onnx', 0, 42);
 * // params === 108_891_648, model.byteLength is known before any weight exists
 * ```
 */
export function buildSyntheticGraph(arch: BertArchitecture, kind: SyntheticKind, layout: SyntheticLayout, dim: number, seed: number): SyntheticGraph {
  const graph = new GraphBuilder(`tartan-synthetic-${arch.name}-${kind}`);
  const weights = new WeightFactory(graph, seed);
  const output = addHead(graph, weights, addBertEncoder(graph, weights, arch), arch, headFor(kind, layout, dim));
  const model = modelProto(graph, {
    opset: SYNTHETIC_OPSET,
    docString: `tartan synthetic ${arch.name} ${kind} model with random weights (seed ${seed})`,
    metadata: { 'tartan.synthetic': 'true', 'tartan.arch': arch.name, 'tartan.kind': kind, 'tartan.seed': String(seed) },
  });
  return { model, params: weights.params, output };
}
