/**
 * onnxruntime-node, loaded on first use. Importing tartan must not pay for the native runtime
 * (its binding and about 100 ms) when no model runs, so nothing imports it statically.
 *
 * @example
 * ```ts
 * const ort = await loadOnnxRuntime();
 * const session = await ort.InferenceSession.create('model.onnx');
 * ```
 */
import type * as Ort from 'onnxruntime-node';
import { ErrorCodes, TartanError } from '../../core/errors.js';

/** The onnxruntime-node module namespace. */
export type OrtModule = typeof Ort;

let loading: Promise<OrtModule> | undefined;

/** The onnxruntime-node module (one import per process); MODEL_RUNTIME when it cannot load. */
export function loadOnnxRuntime(): Promise<OrtModule> {
  loading ??= import('onnxruntime-node').catch((err: unknown) => {
    loading = undefined; // a later call may succeed once the package is repaired
    throw new TartanError(
      ErrorCodes.MODEL_RUNTIME,
      `onnxruntime-node could not be loaded: ${(err as Error).message.split('\n')[0]}. Reinstall it (npm install onnxruntime-node) for this platform.`,
      { cause: err },
    );
  });
  return loading;
}
