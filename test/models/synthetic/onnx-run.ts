/** Test helper: runs a synthetic model with onnxruntime-node on plain number arrays. */
import * as ort from 'onnxruntime-node';

/** One tokenised sequence: ids and token types of equal length. */
export interface Sequence {
  ids: number[];
  types: number[];
}

/** Pads `seqs` to one length (id 0, mask 0) and runs them as one batch; returns the named output. */
export async function runBatch(session: ort.InferenceSession, seqs: Sequence[], output: string): Promise<{ data: Float32Array; dims: readonly number[] }> {
  const len = Math.max(...seqs.map((s) => s.ids.length));
  const ids = new BigInt64Array(seqs.length * len);
  const mask = new BigInt64Array(seqs.length * len);
  const types = new BigInt64Array(seqs.length * len);
  seqs.forEach((s, b) => {
    s.ids.forEach((id, i) => {
      ids[b * len + i] = BigInt(id);
      mask[b * len + i] = 1n;
      types[b * len + i] = BigInt(s.types[i]);
    });
  });
  const dims = [seqs.length, len];
  const out = await session.run({
    input_ids: new ort.Tensor('int64', ids, dims),
    attention_mask: new ort.Tensor('int64', mask, dims),
    token_type_ids: new ort.Tensor('int64', types, dims),
  });
  const t = out[output];
  if (!t) throw new Error(`model has no output named ${output}; it has ${Object.keys(out).join(', ')}`);
  return { data: t.data as Float32Array, dims: t.dims };
}

/** Largest absolute difference between two equal-length arrays. */
export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new Error(`length ${a.length} != ${b.length}`);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

/** Two sequences of different lengths, so the shorter one is padded in a batch. */
export const SAMPLE_SEQUENCES: Sequence[] = [
  { ids: [101, 1996, 4937, 2938, 2006, 1996, 13523, 102], types: [0, 0, 0, 0, 1, 1, 1, 1] },
  { ids: [101, 7592, 2088, 102], types: [0, 0, 1, 1] },
];
