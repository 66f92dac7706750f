/**
 * Synthetic weight tensors: BERT-style initialisation (normal(0, 0.02) for
 * matrices and embeddings, ones for LayerNorm scales, zeros for biases),
 * produced in chunks while the model file is written so a 440 MB model never
 * sits in memory whole.
 */
import { endianness } from 'node:os';
import type { LazyBytes } from '../runtime/protobuf-writer.js';
import { TensorType, type GraphBuilder } from '../runtime/onnx-graph.js';
import { fillNormal, tensorSeed, Xoshiro128 } from './random.js';

/** How a tensor's values are made. */
export type WeightInit = { readonly normal: number } | { readonly constant: number };

/** BERT's initializer range (std of the normal init). */
export const BERT_INIT_STD = 0.02;

/** Floats per generated chunk: 1 MiB of data, even so normal pairs never straddle chunks. */
const CHUNK_FLOATS = 1 << 18;

function assertLittleEndian(): void {
  // Float32Array uses the host's byte order, and ONNX raw_data is little-endian.
  if (endianness() !== 'LE') throw new Error('synthetic models can only be written on a little-endian host');
}

/** The float32 bytes of one weight tensor, generated on demand from (seed, name). */
export class WeightBytes implements LazyBytes {
  readonly byteLength: number;

  constructor(
    readonly count: number,
    readonly seed: number,
    readonly name: string,
    readonly init: WeightInit,
  ) {
    assertLittleEndian();
    this.byteLength = count * 4;
  }

  *chunks(): Iterable<Uint8Array> {
    const rng = new Xoshiro128(tensorSeed(this.seed, this.name));
    const buf = new Float32Array(Math.min(CHUNK_FLOATS, this.count));
    for (let done = 0; done < this.count; done += buf.length) {
      const view = done + buf.length <= this.count ? buf : buf.subarray(0, this.count - done);
      if ('normal' in this.init) fillNormal(view, rng, this.init.normal);
      else view.fill(this.init.constant);
      yield new Uint8Array(view.buffer, view.byteOffset, view.byteLength);
    }
  }
}

/** All values of a weight tensor at once (for small tensors such as the PyLate projection). */
export function materialiseWeight(count: number, seed: number, name: string, init: WeightInit): Float32Array {
  const out = new Float32Array(count);
  let at = 0;
  for (const chunk of new WeightBytes(count, seed, name, init).chunks()) {
    out.set(new Float32Array(chunk.buffer, chunk.byteOffset, chunk.byteLength / 4), at);
    at += chunk.byteLength / 4;
  }
  return out;
}

/** Adds weight initializers to a graph and counts the parameters added. */
export class WeightFactory {
  private count = 0;

  constructor(
    private readonly graph: GraphBuilder,
    readonly seed: number,
  ) {}

  /** Number of parameters (float32 values) added so far. */
  get params(): number {
    return this.count;
  }

  /** A weight initialised normal(0, std). */
  normal(name: string, dims: readonly number[], std: number = BERT_INIT_STD): string {
    return this.add(name, dims, { normal: std });
  }

  /** A weight filled with ones (LayerNorm scale). */
  ones(name: string, dims: readonly number[]): string {
    return this.add(name, dims, { constant: 1 });
  }

  /** A weight filled with zeros (biases, LayerNorm shift). */
  zeros(name: string, dims: readonly number[]): string {
    return this.add(name, dims, { constant: 0 });
  }

  private add(name: string, dims: readonly number[], init: WeightInit): string {
    const n = dims.reduce((a, b) => a * b, 1);
    this.count += n;
    return this.graph.initializer(name, TensorType.FLOAT, dims, new WeightBytes(n, this.seed, name, init));
  }
}
