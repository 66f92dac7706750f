/** Random-weight ONNX BERT models at real sizes, for tests and benchmarks where real weights cannot be downloaded. */
export { makeSyntheticModel, pylateProjection, type SyntheticModelInfo, type SyntheticModelOptions } from './make-synthetic.js';
export { ensureSyntheticModel } from './ensure-synthetic.js';
export { buildSyntheticGraph, SYNTHETIC_OPSET, type SyntheticGraph } from './synthetic-graph.js';
export {
  ARCHITECTURES as SYNTHETIC_ARCHITECTURES,
  SYNTHETIC_KINDS,
  SYNTHETIC_LAYOUTS,
  type BertArchitecture,
  type SyntheticArch,
  type SyntheticKind,
  type SyntheticLayout,
} from './architectures.js';
export { OUTPUT_NAMES as SYNTHETIC_OUTPUT_NAMES } from './heads.js';
export { BERT_INPUTS as SYNTHETIC_INPUT_NAMES } from './bert-graph.js';
