/**
 * The scoring interface: one query matrix against many document matrices,
 * documents packed as rows + offsets in float32, float16 or int8.
 */
import type { TokenMatrix } from '../core/tensors.js';

/** Documents as packed float32 rows. Document i spans rows offsets[i]..offsets[i+1]. */
export interface F32Documents {
  readonly dtype: 'f32';
  readonly data: Float32Array;
  readonly offsets: Uint32Array;
  readonly dim: number;
}

/** Documents as packed IEEE float16 bit patterns. */
export interface F16Documents {
  readonly dtype: 'f16';
  readonly data: Uint16Array;
  readonly offsets: Uint32Array;
  readonly dim: number;
}

/** Documents as packed int8 rows with one float32 scale per row: value = data * scales[row]. */
export interface I8Documents {
  readonly dtype: 'i8';
  readonly data: Int8Array;
  readonly scales: Float32Array;
  readonly offsets: Uint32Array;
  readonly dim: number;
}

export type PackedDocuments = F32Documents | F16Documents | I8Documents;

/** sum of max (ColBERT), mean of max, or a weighted sum with one weight per query row. */
export type MaxSimVariant = 'sum' | 'mean' | 'weighted';

export interface MaxSimOptions {
  variant?: MaxSimVariant;
  /** One weight per query row (e.g. IDF); required for 'weighted'. */
  weights?: Float32Array;
  /** Worker threads for native kernels; default all cores. */
  threads?: number;
  /** 'native' | 'ts' | 'auto' (default): which implementation to use. */
  impl?: 'native' | 'ts' | 'auto';
}

/**
 * Scores for each document. `raw` is the variant's score; `normalized` divides
 * the raw sum by the number of query rows (or the sum of weights) so scores
 * compare across queries. For 'mean', raw and normalized are equal.
 */
export interface MaxSimScores {
  readonly raw: Float32Array;
  readonly normalized: Float32Array;
}

export type { TokenMatrix };
