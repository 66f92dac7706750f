/** JSON schema of a token-level explanation (see TokenMatchExplanation in ../backend.ts). */
export const explanationSchema = {
  type: 'object',
  description: 'query tokens x document tokens: similarity is row-major, best[i] the document token that query token i matched, share[i] its part of the score',
  properties: {
    queryTokens: { type: 'array', items: { type: 'string' } },
    docTokens: { type: 'array', items: { type: 'string' } },
    similarity: { type: 'array', items: { type: 'number' } },
    best: { type: 'array', items: { type: 'integer' } },
    share: { type: 'array', items: { type: 'number' } },
    raw: { type: 'number', description: 'the score the contributions add up to: the ColBERT score of the hit' },
  },
} as const;
