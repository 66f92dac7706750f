/**
 * Loads the late-interaction encoder an index was built with, from the model
 * id or path recorded in its manifest. `lexical` (optionally `lexical:<dim>`)
 * is the built-in download-free lexical model.
 */
import { ErrorCodes, TartanError } from '../core/errors.js';
import type { LateInteractionEncoder } from '../models/types.js';
import type { SessionOptions } from '../models/runtime/onnx-session.js';

/**
 * Returns the ColBERT encoder for `model` (registry id, local folder or `lexical`).
 * @example const enc = await loadColbertEncoder('lexical');
 */
export async function loadColbertEncoder(model: string | undefined, options: SessionOptions & { batchSize?: number } = {}): Promise<LateInteractionEncoder> {
  const lexical = model?.match(/^lexical(?::(\d+))?$/);
  if (lexical) {
    const { LexicalColbert } = await import('../lexical/lexical-colbert.js');
    return new LexicalColbert(lexical[1] ? { dim: Number(lexical[1]) } : {});
  }
  const { loadEncoder } = await import('../models/model-loader.js');
  const enc = await loadEncoder(model, 'colbert', options);
  if (enc.kind !== 'colbert')
    throw new TartanError(ErrorCodes.UNSUPPORTED_MODEL, `${model} is a ${enc.kind} model; an index needs a ColBERT (late-interaction) model`);
  return enc;
}
