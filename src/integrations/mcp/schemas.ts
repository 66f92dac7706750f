/**
 * The tools' input and output schemas (zod shapes, which the SDK turns into the JSON Schema clients see).
 * Inputs are loose where tartan checks a value itself (k, filter, query text), so a bad value comes
 * back as a tool error carrying tartan's code and message rather than a generic validation error.
 */
import { z } from 'zod';
import { MAX_K } from '../../core/result-count.js';

const metadataValue = z.union([z.string(), z.number(), z.boolean(), z.null()]);
const metadata = z.record(z.string(), metadataValue);
const indexName = z.string().optional().describe('name of the index (list_indexes lists them); may be left out when one index is served');

/** `search` arguments. */
export const searchInput = {
  query: z.string().describe('what to search for, in natural language'),
  index: indexName,
  k: z.number().optional().describe(`number of results, an integer from 1 to ${MAX_K} (default 10)`),
  pipeline: z
    .string()
    .optional()
    .describe(
      'retrieval pipeline: a preset (colbert, bm25, bm25>colbert, dense, dense>colbert, hybrid, colbert>cross-encoder) or a spec such as "bm25:200>colbert:20"; default colbert',
    ),
  filter: z
    .union([z.record(z.string(), z.unknown()), z.string()])
    .optional()
    .describe('metadata filter, all keys must match: {"lang":"en"}, {"tag":{"$in":["a","b"]}}, {"year":{"$gte":2000,"$lt":2010}} (an object or its JSON text)'),
  explain: z.boolean().optional().describe('attach token-level explanations: which query token matched which document token, and its share of the score'),
};

/** `explain` arguments. */
export const explainInput = {
  query: z.string().describe('the query whose score is explained'),
  id: z.string().describe('id of a document in the index (e.g. from a search hit)'),
  index: indexName,
  matrix: z.boolean().optional().describe('also return the full query x document token similarity matrix (for a heatmap)'),
};

/** `add_documents` arguments. */
export const addDocumentsInput = {
  documents: z
    .array(
      z.object({
        id: z.string().describe('unique document id'),
        text: z.string().describe('the document text'),
        metadata: metadata.optional().describe('flat metadata (string, number, boolean or null values) for filters'),
      }),
    )
    .describe('documents to index'),
  index: indexName,
  replace: z.boolean().optional().describe('replace documents whose id already exists (upsert) instead of refusing them'),
};

/** `list_indexes` takes no arguments. */
export const listIndexesInput = {};

const tokenMatch = z.object({
  queryIndex: z.number(),
  queryToken: z.string().optional(),
  docIndex: z.number(),
  docToken: z.string().optional(),
  similarity: z.number(),
  weight: z.number(),
  contribution: z.number(),
  share: z.number(),
});

/** An explanation as tool results carry it (the matrix only on request). */
export const explanationOutput = z.object({
  variant: z.string(),
  raw: z.number().describe("the explained score: the sum of the matches' contributions"),
  normalized: z.number(),
  passage: z.number().optional().describe('the passage of a chunked document that scored'),
  matches: z.array(tokenMatch).describe('per query token, its best document token'),
  queryTokens: z.array(z.string()).optional(),
  docTokens: z.array(z.string()).optional(),
  matrix: z.array(z.array(z.number())).optional().describe('query rows x document token similarities'),
});

const hit = z.object({
  id: z.string(),
  rank: z.number(),
  score: z.number(),
  normalizedScore: z.number().optional(),
  stage: z.string().optional().describe('the pipeline stage whose score this is'),
  text: z.string().optional(),
  metadata: metadata.optional(),
  explanation: explanationOutput.optional(),
});

/** `search` result. */
export const searchOutput = {
  index: z.string(),
  query: z.string(),
  pipeline: z.string(),
  latencyMs: z.record(z.string(), z.number()),
  hits: z.array(hit),
};

/** `explain` result. */
export const explainOutput = {
  index: z.string(),
  query: z.string(),
  id: z.string(),
  score: z.number(),
  normalizedScore: z.number(),
  text: z.string().optional(),
  explanation: explanationOutput,
};

/** `list_indexes` result. */
export const listIndexesOutput = {
  indexes: z.array(
    z.object({
      name: z.string(),
      location: z.string(),
      model: z.string().optional(),
      documents: z.number(),
      mode: z.string().describe('plaid, flat or postgres'),
      dim: z.number(),
      tokens: z.number(),
      sideIndexes: z.array(z.string()).describe('side indexes its pipelines can use as first stages beside colbert (bm25, dense...)'),
    }),
  ),
  writable: z.boolean().describe('whether add_documents is available'),
};

/** `add_documents` result. */
export const addDocumentsOutput = {
  index: z.string(),
  added: z.number(),
  documents: z.number().describe('documents in the index now'),
};
