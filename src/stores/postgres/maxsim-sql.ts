/**
 * MaxSim inside PostgreSQL, so token vectors never cross the wire at search
 * time: only (id, score) rows come back.
 *
 * `tartan_maxsim(query halfvec[], doc halfvec[], weights float8[] DEFAULT NULL)`
 * = sum over query rows i of weights[i] (1 when NULL) * max over document rows
 * of the inner product. pgvector's `<#>` is the *negative* inner product, hence
 * the minus sign. Written in plain SQL over unnest (no C code), so it runs on
 * any server that has pgvector, including managed ones.
 */
import { quoteIdent } from './connection.js';
import type { CollectionTables } from './schema.js';

/** DDL of the SQL functions (migration 2). */
export const MAXSIM_FUNCTIONS_SQL = `
CREATE OR REPLACE FUNCTION tartan_maxsim(query halfvec[], doc halfvec[], weights float8[] DEFAULT NULL)
RETURNS float8 LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $fn$
  -- A correlated subquery per query row beats a join + GROUP BY (no hashing): ~40% faster.
  SELECT coalesce(sum(coalesce(weights[q.qi], 1) * (SELECT max(-(q.qv <#> d.dv)) FROM unnest(doc) AS d(dv))), 0)
  FROM unnest(query) WITH ORDINALITY AS q(qv, qi)
$fn$;
COMMENT ON FUNCTION tartan_maxsim(halfvec[], halfvec[], float8[]) IS
  'ColBERT MaxSim: sum over query vectors of the best inner product with any document vector (optionally weighted).';
`;

/**
 * Exact MaxSim over a set of documents of a collection, top-k, returning only
 * (id, text, metadata, score).
 *
 * Parameters: $1 query halfvec[], $2 weights float8[] (or NULL), $3 k; the
 * caller's `where` clause (on alias `d`, the documents table) uses $4 onwards.
 * For the token layout the document's vectors are aggregated from the tokens
 * table per candidate (one index range scan each).
 */
export function exactSearchSql(t: CollectionTables, where: string): string {
  const vectors =
    t.layout === 'document'
      ? `(SELECT v.vecs FROM ${quoteIdent(t.docVectors)} v WHERE v.doc_key = d.doc_key)`
      : `(SELECT array_agg(x.vec) FROM ${quoteIdent(t.tokens)} x WHERE x.doc_key = d.doc_key)`;
  return `SELECT d.id, d.text, d.metadata, s.score
    FROM ${quoteIdent(t.documents)} d
    CROSS JOIN LATERAL (SELECT tartan_maxsim($1::halfvec[], ${vectors}, $2::float8[]) AS score) s
    WHERE ${where || 'true'}
    ORDER BY s.score DESC, d.id
    LIMIT $3`;
}

/**
 * Token layout, two stages in one statement:
 * 1. candidate generation: for each query vector, the `$4` nearest document
 *    tokens by the HNSW index (inner product); a document's approximate score
 *    is the sum over query rows of its best retrieved token (PLAID-like);
 *    the `$5` best documents (after the metadata `where` on alias `d`) survive;
 * 2. exact MaxSim of those candidates over all their tokens, top `$3`.
 * Parameters: $1 query halfvec[], $2 weights, $3 k, $4 tokens per query row,
 * $5 candidate documents; the caller's `where` uses $6 onwards.
 */
export function tokenCandidateSearchSql(t: CollectionTables, where: string): string {
  const tokens = quoteIdent(t.tokens);
  return `WITH q AS (
      SELECT qv, qi FROM unnest($1::halfvec[]) WITH ORDINALITY AS u(qv, qi)
    ), hits AS (
      SELECT q.qi, nn.doc_key, max(-nn.dist) AS sim
      FROM q CROSS JOIN LATERAL (
        SELECT x.doc_key, x.vec <#> q.qv AS dist FROM ${tokens} x ORDER BY x.vec <#> q.qv LIMIT $4
      ) nn
      GROUP BY q.qi, nn.doc_key
    ), approx AS (
      SELECT h.doc_key, sum(h.sim) AS approx_score
      FROM hits h GROUP BY h.doc_key
    ), candidates AS (
      SELECT d.doc_key, d.id, d.text, d.metadata
      FROM approx a JOIN ${quoteIdent(t.documents)} d ON d.doc_key = a.doc_key
      WHERE ${where || 'true'}
      ORDER BY a.approx_score DESC
      LIMIT $5
    )
    SELECT c.id, c.text, c.metadata, s.score
    FROM candidates c
    CROSS JOIN LATERAL (
      SELECT tartan_maxsim($1::halfvec[], (SELECT array_agg(x.vec) FROM ${tokens} x WHERE x.doc_key = c.doc_key), $2::float8[]) AS score
    ) s
    ORDER BY s.score DESC, c.id
    LIMIT $3`;
}
