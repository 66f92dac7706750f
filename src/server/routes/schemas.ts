/** JSON-schema pieces shared by the route files (validation and OpenAPI alike). */
import { ErrorCodes, TartanError } from '../../core/errors.js';
import { INDEX_NAME_PATTERN } from '../index-registry.js';

/** `:name` path parameter. Not pattern-checked here so a bad name gets the registry's explanatory 400. */
export const indexNameParams = {
  type: 'object',
  required: ['name'],
  properties: { name: { type: 'string', description: `index name, ${INDEX_NAME_PATTERN}` } },
} as const;

export const metadataSchema = {
  type: 'object',
  description: 'flat metadata: string, number, boolean or null values',
  additionalProperties: { type: ['string', 'number', 'boolean', 'null'] },
} as const;

/** Security requirement of write routes (API key in a header). */
export const writeSecurity: Array<Record<string, string[]>> = [{ apiKey: [] }, { bearer: [] }];

export const indexInfoSchema = {
  type: 'object',
  additionalProperties: true,
  properties: {
    name: { type: 'string' },
    kind: { type: 'string' },
    documents: { type: 'integer' },
    tokens: { type: 'integer' },
    dim: { type: 'integer' },
    bytesPerToken: { type: 'number' },
    model: { type: 'string' },
    deletable: { type: 'boolean' },
  },
} as const;

/** Validates a length-bounded non-empty string at the handler level with a clear message. */
export function nonEmptyText(value: string, field: string, maxChars: number): string {
  if (value.trim().length === 0) throw new TartanError(ErrorCodes.EMPTY_TEXT, `${field} is empty; send some text`);
  if (value.length > maxChars) {
    throw new TartanError(
      ErrorCodes.TEXT_TOO_LONG,
      `${field} has ${value.length} characters, more than the ${maxChars} this server accepts; shorten or split it`,
    );
  }
  return value;
}
