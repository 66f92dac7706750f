/** Public scoring API: MaxSim (native and TypeScript kernels), encodings, top-k, explanations. */
export type { F32Documents, F16Documents, I8Documents, PackedDocuments, MaxSimVariant, MaxSimOptions, MaxSimScores } from './types.js';
export { maxsim, maxsimPair, resolveImpl } from './maxsim.js';
export { nativeStatus, type NativeStatus } from './maxsim-native.js';
export { floatToHalf, halfToFloat, toFloat16, fromFloat16 } from './float16.js';
export { quantizeRowsInt8, dequantizeRowsInt8, toF32Documents, toF16Documents, toI8Documents, dequantizeDocuments, type Int8Rows } from './quantize.js';
export { topK, type TopK } from './topk.js';
export { explainMaxSim, type Explanation, type ExplainOptions, type TokenMatch } from './explain.js';
