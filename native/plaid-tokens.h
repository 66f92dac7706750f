// Token-level PLAID stages (plaid-tokens.cc): exact similarities of query rows with the tokens
// of their probed centroids, read straight from packed residual codes through per-row lookup
// tables, and a pruned exact refinement of the best candidates. Twins: src/plaid/token-kernels.ts.
#pragma once
#include <cstddef>
#include <cstdint>

#include "plaid.h"

namespace tartan {

// lut[(r * rb + j) * 256 + b] = sum over the dimensions d that byte j holds of
// query[r][d] * bucketValue(d, field of b for d): <query row, residual> is a sum of rb lookups.
void plaidBuildLut(const float* query, int rows, const ResidualDecoder& dec, float* lut);

// 1 / |centroid + residual| of each token (the decoder's normalising factor).
template <typename Code>
void plaidInvNorms(const ResidualDecoder& dec, const Code* codes, const uint8_t* packed, size_t n, float* out);

// <query row r, decoded token t> from the lookup table: (centroidScore + sum_j lut[r][j][packed_t[j]]) * invNorm.
inline float pairScore(const float* lutRow, const uint8_t* p, size_t rb, float centroidScore, float invNorm) {
  // Four partial sums in a fixed order (the TypeScript twin adds in the same order, so both
  // round identically), which also lets consecutive lookups overlap.
  float a0 = 0, a1 = 0, a2 = 0, a3 = 0;
  size_t j = 0;
  for (; j + 4 <= rb; j += 4) {
    a0 += lutRow[j * 256 + p[j]];
    a1 += lutRow[(j + 1) * 256 + p[j + 1]];
    a2 += lutRow[(j + 2) * 256 + p[j + 2]];
    a3 += lutRow[(j + 3) * 256 + p[j + 3]];
  }
  for (; j < rb; j++) a0 += lutRow[j * 256 + p[j]];
  const float acc = (a0 + a1) + (a2 + a3);
  return (centroidScore + acc) * invNorm;
}

struct TokenLists {
  const uint32_t* listStart = nullptr;   // k + 1
  const uint32_t* listTokens = nullptr;  // tokens by centroid
  const uint32_t* passageOf = nullptr;   // per token
  const float* invNorm = nullptr;        // per token
  const uint8_t* packed = nullptr;       // per token, rb bytes
  size_t rb = 0;
  size_t tokens = 0;    // entries of passageOf / invNorm / packed rows
  size_t passages = 0;  // entries of allowed; found is rows x passages
};

// Every (query row, probed token) pair scored exactly; found[r * passages + p] = best score of
// row r in passage p among probed tokens (-inf when none). Row-major, so that the scan of a row
// updates one row of `passages` floats that stays in L1 (passage-major, every update touched
// its own cache line of a table larger than L2, and the scan waited on those stores).
// Returns plaidFoundEstimates over found.
size_t plaidTokenScores(const TokenLists& tl, const uint32_t* probes, int nprobe, const float* scores, int rows,
                        const float* lut, const uint8_t* allowed, const float* imputed, float* found,
                        uint32_t* outPassages, float* outEst, size_t keep);

// For each passage with a found score in some row (in passage order): its number in outPassages
// and est = sum_r (found[r * P + p], or imputed[r] where -inf) in outEst; when more than `keep`,
// only the best `keep` by estimate (ties to the lower passage), still in passage order. Returns their count.
size_t plaidFoundEstimates(const float* found, size_t P, int rows, const float* imputed, uint32_t* outPassages, float* outEst, size_t keep);

// Refinement of listed passages: per row, the exact maximum over the passage's tokens whose
// centroid score is within `margin` of the best (centroid score, or found score) and at most
// ceiling[r] (higher ones were probed: their scores are in found), joined with the found score;
// out[i] = sum over rows.
template <typename Code>
void plaidRefine(const TokenLists& tl, const Code* codes, const uint32_t* tokenOffsets, const uint32_t* list, size_t n,
                 const float* found, const float* ceiling, const float* scores, int rows, const float* lut, float margin, float* out);

}  // namespace tartan
