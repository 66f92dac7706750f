/**
 * Test helper: a plain, slow, float64 BERT forward pass written from the
 * architecture's definition (not from the ONNX graph), to check the graph the
 * builder writes computes exactly BERT. One unpadded sequence at a time.
 */
import type { BertArchitecture } from '../../../src/models/synthetic/index.js';

/** Returns the float32 values of a weight by name (the builder's initializer names). */
export type WeightLookup = (name: string, count: number, std?: number) => Float32Array;

type Matrix = Float64Array[];

function linear(x: Matrix, w: Float32Array, b: Float32Array | null, inDim: number, outDim: number): Matrix {
  return x.map((row) => {
    const out = new Float64Array(outDim);
    for (let o = 0; o < outDim; o++) {
      let s = b ? b[o] : 0;
      for (let i = 0; i < inDim; i++) s += row[i] * w[i * outDim + o]; // W stored [in, out]
      out[o] = s;
    }
    return out;
  });
}

/** LayerNorm with gamma 1 and beta 0 (the builder's init), eps 1e-12. */
function layerNorm(x: Matrix): Matrix {
  return x.map((row) => {
    const mean = row.reduce((a, v) => a + v, 0) / row.length;
    const variance = row.reduce((a, v) => a + (v - mean) ** 2, 0) / row.length;
    return row.map((v) => (v - mean) / Math.sqrt(variance + 1e-12));
  });
}

function erf(x: number): number {
  // Abramowitz-Stegun 7.1.26 is too coarse for 1e-5 checks; use a series / continued fraction split.
  const t = Math.abs(x);
  if (t < 3) {
    let sum = t;
    let term = t;
    for (let n = 1; n < 200; n++) {
      term *= (-t * t) / n;
      const add = term / (2 * n + 1);
      sum += add;
      if (Math.abs(add) < 1e-17) break;
    }
    return Math.sign(x) * (2 / Math.sqrt(Math.PI)) * sum;
  }
  return Math.sign(x) * (1 - (Math.exp(-t * t) / (t * Math.sqrt(Math.PI))) * (1 - 1 / (2 * t * t)));
}

function add(a: Matrix, b: Matrix): Matrix {
  return a.map((row, t) => row.map((v, i) => v + b[t][i]));
}

/** Last hidden state [seq][hidden] of one sequence. */
export function referenceHidden(arch: BertArchitecture, weight: WeightLookup, ids: number[], types: number[]): Matrix {
  const h = arch.hidden;
  const word = weight('embeddings.word_embeddings.weight', arch.vocabSize * h);
  const pos = weight('embeddings.position_embeddings.weight', arch.maxPositions * h);
  const typ = weight('embeddings.token_type_embeddings.weight', arch.typeVocabSize * h);
  let x: Matrix = ids.map((id, t) => Float64Array.from({ length: h }, (_, i) => word[id * h + i] + pos[t * h + i] + typ[types[t] * h + i]));
  x = layerNorm(x);
  const heads = arch.heads;
  const d = h / heads;
  const zeros = (n: number) => new Float32Array(n);
  for (let l = 0; l < arch.layers; l++) {
    const p = `encoder.layer.${l}`;
    const q = linear(x, weight(`${p}.attention.self.query.weight`, h * h), zeros(h), h, h);
    const k = linear(x, weight(`${p}.attention.self.key.weight`, h * h), zeros(h), h, h);
    const v = linear(x, weight(`${p}.attention.self.value.weight`, h * h), zeros(h), h, h);
    const context: Matrix = x.map(() => new Float64Array(h));
    for (let head = 0; head < heads; head++) {
      for (let t = 0; t < x.length; t++) {
        const scores = x.map((_, s) => {
          let dot = 0;
          for (let j = 0; j < d; j++) dot += q[t][head * d + j] * k[s][head * d + j];
          return dot / Math.sqrt(d);
        });
        const max = Math.max(...scores);
        const e = scores.map((sc) => Math.exp(sc - max));
        const z = e.reduce((a, b) => a + b, 0);
        for (let s = 0; s < x.length; s++) for (let j = 0; j < d; j++) context[t][head * d + j] += (e[s] / z) * v[s][head * d + j];
      }
    }
    x = layerNorm(add(linear(context, weight(`${p}.attention.output.dense.weight`, h * h), zeros(h), h, h), x));
    const f = arch.intermediate;
    const inner = linear(x, weight(`${p}.intermediate.dense.weight`, h * f), zeros(f), h, f).map((row) => row.map((u) => 0.5 * u * (1 + erf(u / Math.SQRT2))));
    x = layerNorm(add(linear(inner, weight(`${p}.output.dense.weight`, f * h), zeros(h), f, h), x));
  }
  return x;
}

/** ColBERT token embeddings: last hidden state times the [hidden, dim] projection, no bias. */
export function referenceColbert(arch: BertArchitecture, weight: WeightLookup, dim: number, ids: number[], types: number[]): Matrix {
  return linear(referenceHidden(arch, weight, ids, types), weight('linear.weight', arch.hidden * dim), null, arch.hidden, dim);
}

/** Cross-encoder logit: tanh pooler on [CLS], then the classifier (both initialised with std 1/sqrt(hidden)). */
export function referenceLogit(arch: BertArchitecture, weight: WeightLookup, ids: number[], types: number[]): number {
  const h = arch.hidden;
  const std = 1 / Math.sqrt(h);
  const cls = [referenceHidden(arch, weight, ids, types)[0]];
  const pooled = linear(cls, weight('pooler.dense.weight', h * h, std), new Float32Array(h), h, h).map((row) => row.map(Math.tanh));
  return linear(pooled, weight('classifier.weight', h, std), new Float32Array(1), h, 1)[0][0];
}
