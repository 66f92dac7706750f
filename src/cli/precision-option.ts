/** The `--precision` flag shared by commands that load a model. */
import { InvalidArgumentError } from 'commander';
import { isPrecision, PRECISIONS, type Precision } from '../models/runtime/onnx-session.js';

/** Flag text for commander. */
export const PRECISION_FLAG = '--precision <p>';
export const PRECISION_HELP =
  'model precision: fp32 (as exported) or int8 (weights quantised at load: about 2x faster encoding on CPUs with VNNI, vectors differ slightly); default $TARTAN_PRECISION or fp32';

/** Commander parser: one of PRECISIONS. */
export function parsePrecision(value: string): Precision {
  if (!isPrecision(value)) throw new InvalidArgumentError(`--precision must be one of ${PRECISIONS.join(', ')}`);
  return value;
}
