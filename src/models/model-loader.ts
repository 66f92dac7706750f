/**
 * From a model id or a path to a ready encoder. An existing directory loads as a local
 * model folder; anything else must be a registry id, whose files are fetched into (or found
 * in) the Hugging Face hub cache (see resolve-model.ts).
 *
 * @example
 * ```ts
 * const enc = await loadEncoder('BAAI/bge-small-en-v1.5');      // a TextEmbedding
 * const col = await loadEncoder('./my-colbert-folder', 'colbert'); // a local PyLate folder
 * ```
 */
import { TextCrossEncoder } from './encoders/cross-encoder.js';
import { TextEmbedding } from './encoders/dense.js';
import { LateInteractionTextEmbedding } from './encoders/late-interaction.js';
import { resolveModelFolder, type LoadModelOptions } from './resolve-model.js';
import type { Encoder, ModelKind } from './types.js';

export { isLocalModelPath, resolveModelDir, resolveModelFolder, resolveModelInfo, type LoadModelOptions } from './resolve-model.js';

/**
 * Loads the encoder of a model id or folder: a {@link LateInteractionTextEmbedding},
 * {@link TextEmbedding} or {@link TextCrossEncoder} according to `kind` (or the model's own kind).
 */
export async function loadEncoder(idOrPath: string | undefined, kind?: ModelKind, options: LoadModelOptions = {}): Promise<Encoder> {
  const folder = await resolveModelFolder(idOrPath, kind, options);
  switch (folder.kind) {
    case 'colbert':
      return LateInteractionTextEmbedding.fromFolder(folder, options);
    case 'dense':
      return TextEmbedding.fromFolder(folder, options);
    case 'cross-encoder':
      return TextCrossEncoder.fromFolder(folder, options);
  }
}
