/**
 * Builders for the parts of ONNX's protobuf schema that a BERT graph needs
 * (ModelProto, GraphProto, NodeProto, AttributeProto, TensorProto, ValueInfoProto).
 * Field numbers follow onnx/onnx.proto. Tensors are written as raw little-endian
 * bytes (`raw_data`), which may be {@link LazyBytes} so large weights are
 * generated while the file is streamed.
 *
 * @example
 * ```ts
 * const g = new GraphBuilder('tiny');
 * g.input('x', TensorType.FLOAT, ['batch', 4]);
 * const [y] = g.node('Relu', ['x']);
 * g.output(y, TensorType.FLOAT, ['batch', 4], 'y');
 * const bytes = modelProto(g, { opset: 17 }).toBuffer();
 * ```
 */
import { ProtoMessage, type LazyBytes } from './protobuf-writer.js';

/** ONNX TensorProto.DataType values used here. */
export const TensorType = { FLOAT: 1, UINT8: 2, INT8: 3, INT32: 6, INT64: 7 } as const;
export type TensorElemType = (typeof TensorType)[keyof typeof TensorType];

/** One ONNX node attribute value, tagged by its ONNX type. */
export type AttributeValue = { int: number } | { float: number } | { ints: readonly number[] } | { string: string };

/** A dimension: a fixed size or a symbolic (dynamic) name such as `batch_size`. */
export type Dim = number | string;

const ATTR_FLOAT = 1;
const ATTR_INT = 2;
const ATTR_STRING = 3;
const ATTR_INTS = 7;

function attributeProto(name: string, value: AttributeValue): ProtoMessage {
  const m = new ProtoMessage().string(1, name);
  if ('int' in value) m.varint(3, value.int).varint(20, ATTR_INT);
  else if ('float' in value) m.float32(2, value.float).varint(20, ATTR_FLOAT);
  else if ('ints' in value) {
    for (const v of value.ints) m.varint(8, v);
    m.varint(20, ATTR_INTS);
  } else m.string(4, value.string).varint(20, ATTR_STRING);
  return m;
}

function valueInfoProto(name: string, elemType: TensorElemType, dims: readonly Dim[]): ProtoMessage {
  const shape = new ProtoMessage();
  for (const d of dims) shape.message(1, typeof d === 'number' ? new ProtoMessage().varint(1, d) : new ProtoMessage().string(2, d));
  const tensorType = new ProtoMessage().varint(1, elemType).message(2, shape);
  return new ProtoMessage().string(1, name).message(2, new ProtoMessage().message(1, tensorType));
}

/** A TensorProto with raw little-endian data. */
export function tensorProto(name: string, elemType: TensorElemType, dims: readonly number[], raw: Uint8Array | LazyBytes): ProtoMessage {
  const m = new ProtoMessage();
  for (const d of dims) m.varint(1, d);
  m.varint(2, elemType).string(8, name);
  if (raw instanceof Uint8Array) m.bytes(9, raw);
  else m.lazyBytes(9, raw);
  return m;
}

/**
 * Collects nodes, initializers, inputs and outputs of one ONNX graph, naming
 * intermediate values automatically so graph-building code reads like dataflow.
 */
export class GraphBuilder {
  private readonly nodes: ProtoMessage[] = [];
  private readonly initializers: ProtoMessage[] = [];
  private readonly inputs: ProtoMessage[] = [];
  private readonly outputs: ProtoMessage[] = [];
  private readonly names = new Set<string>();
  private counter = 0;

  constructor(readonly name: string) {}

  private claim(name: string): string {
    if (this.names.has(name)) throw new Error(`duplicate ONNX value name ${name}`);
    this.names.add(name);
    return name;
  }

  /** Declares a graph input. */
  input(name: string, elemType: TensorElemType, dims: readonly Dim[]): string {
    this.inputs.push(valueInfoProto(this.claim(name), elemType, dims));
    return name;
  }

  /** Declares `value` as a graph output named `name`, inserting an Identity node when the names differ. */
  output(value: string, elemType: TensorElemType, dims: readonly Dim[], name: string = value): string {
    if (name !== value) this.node('Identity', [value], {}, [name]);
    this.outputs.push(valueInfoProto(name, elemType, dims));
    return name;
  }

  /** Adds a named initializer (a weight or constant) and returns its name. */
  initializer(name: string, elemType: TensorElemType, dims: readonly number[], raw: Uint8Array | LazyBytes): string {
    this.initializers.push(tensorProto(this.claim(name), elemType, dims, raw));
    return name;
  }

  /** An int64 constant of the given shape (`[]` for a scalar). */
  int64(values: readonly number[], dims: readonly number[] = [values.length]): string {
    const raw = new Uint8Array(new BigInt64Array(values.map((v) => BigInt(v))).buffer);
    return this.initializer(`const_i64_${this.counter++}`, TensorType.INT64, dims, raw);
  }

  /** A float32 scalar constant. */
  float(value: number): string {
    return this.initializer(`const_f32_${this.counter++}`, TensorType.FLOAT, [], new Uint8Array(new Float32Array([value]).buffer));
  }

  /** Adds a node and returns the names of its outputs (auto-named unless `outputs` is given). */
  node(opType: string, inputs: readonly string[], attributes: Readonly<Record<string, AttributeValue>> = {}, outputs?: readonly string[]): string[] {
    const id = this.counter++;
    const outs = outputs ? outputs.map((o) => this.claim(o)) : [this.claim(`${opType.toLowerCase()}_${id}`)];
    const m = new ProtoMessage();
    for (const i of inputs) m.string(1, i);
    for (const o of outs) m.string(2, o);
    m.string(3, `${opType}_${id}`).string(4, opType);
    for (const [k, v] of Object.entries(attributes)) m.message(5, attributeProto(k, v));
    this.nodes.push(m);
    return outs;
  }

  /** Shorthand for a single-output node. */
  op(opType: string, inputs: readonly string[], attributes: Readonly<Record<string, AttributeValue>> = {}): string {
    return this.node(opType, inputs, attributes)[0];
  }

  /** The GraphProto message (nodes in the order they were added, which is topological here). */
  toProto(): ProtoMessage {
    const g = new ProtoMessage();
    for (const n of this.nodes) g.message(1, n);
    g.string(2, this.name);
    for (const t of this.initializers) g.message(5, t);
    for (const i of this.inputs) g.message(11, i);
    for (const o of this.outputs) g.message(12, o);
    return g;
  }
}

/** Model-level settings written into the ModelProto. */
export interface ModelOptions {
  /** Default-domain opset; LayerNormalization needs 17 or later. */
  opset: number;
  producerName?: string;
  producerVersion?: string;
  docString?: string;
  /** Free-form key/value metadata (ModelProto.metadata_props). */
  metadata?: Readonly<Record<string, string>>;
}

/** IR version 8 is the one that goes with opset 17 (ONNX 1.12). */
const IR_VERSION = 8;

/** The ModelProto wrapping a graph. */
export function modelProto(graph: GraphBuilder, opts: ModelOptions): ProtoMessage {
  const m = new ProtoMessage()
    .varint(1, IR_VERSION)
    .string(2, opts.producerName ?? 'tartan')
    .string(3, opts.producerVersion ?? '0')
    .message(7, graph.toProto())
    .message(8, new ProtoMessage().string(1, '').varint(2, opts.opset));
  if (opts.docString) m.string(6, opts.docString);
  for (const [k, v] of Object.entries(opts.metadata ?? {})) m.message(14, new ProtoMessage().string(1, k).string(2, v));
  return m;
}
