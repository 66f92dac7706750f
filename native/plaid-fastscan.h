// Stage 2 by "fast scan": the tokens of each centroid stored in blocks of 32, byte j of the 32
// tokens side by side, and every query row's <row, residual> tables quantised to 8 bits per
// 4-bit nibble, so one byte shuffle looks up 32 tokens at once (plaid-fastscan-avx2.cc).
// Twins: fastScan / quantLut in src/plaid/fastscan-kernels.ts (same integers, same float ops).
#pragma once
#include <cstddef>
#include <cstdint>

#include "plaid.h"

namespace tartan {

constexpr size_t kScanBlock = 32;
// Refinement: rows with more tokens in range than this get their margin halved, at most kHalvings times.
constexpr uint32_t kRefineCap = 64;
constexpr int kHalvings = 4;

struct ScanBlocks {
  const uint32_t* blockStart = nullptr;  // k + 1: blocks of centroid c are blockStart[c]..blockStart[c + 1]
  const uint8_t* bytes = nullptr;        // nblocks * rb * 32: bytes[(b * rb + j) * 32 + i] = byte j of token i of block b
  const uint32_t* passage = nullptr;     // nblocks * 32, UINT32_MAX for padding
  const float* invNorm = nullptr;        // nblocks * 32
  size_t rb = 0;
  size_t nblocks = 0;
  size_t passages = 0;  // entries of allowed; found is rows x passages
};

// qlut[(r * 2 * rb + n) * 16 + v]: nibble n holding v, quantised; <row r, residual> is about
// delta[r] * sum + bias[r].
void plaidQuantLut(const float* query, int rows, const ResidualDecoder& dec, uint8_t* qlut, float* delta, float* bias);

// As plaidTokenScores (plaid-tokens.h), with the quantised tables: found (row-major,
// found[r * passages + p]) holds (centroidScore + delta * sum + bias) * invNorm per (row, passage),
// est sums found or imputed.
size_t plaidFastScan(const ScanBlocks& sb, const uint32_t* probes, int nprobe, const float* scores, int rows,
                     const uint8_t* qlut, const float* delta, const float* bias, const uint8_t* allowed,
                     const float* imputed, float* found, uint32_t* outPassages, float* outEst, size_t keep, int threads = 1);

// Stage 3 with the quantised tables (see plaidRefine in plaid-tokens.h; found[r * passages + p]): per listed passage and row,
// the best of the found score and the scores of the passage's tokens whose centroid score is within
// `margin` of the row's best (centroid or found) score and at most ceiling[r] (tokens above it were
// probed, so their scores are already in found); tokens are visited in passage order, so the
// residual rows stream from memory and the 32 rows' tables (32 KiB) stay in L1.
template <typename Code>
void plaidRefineQuant(const float* invNorm, const uint8_t* packed, size_t rb, const Code* codes, const uint32_t* tokenOffsets,
                      size_t passages, const uint32_t* list, size_t n, const float* found, const float* ceiling,
                      const float* scores, int rows, const uint8_t* qlut, const float* delta, const float* bias, float margin,
                      float* out);

// One passage of the refinement's token loop, for vbmi::refineTokens.
struct RefinePassage {
  const float* local = nullptr;     // n x rows centroid scores of the passage's tokens
  const uint8_t* packed = nullptr;  // n residuals of rb bytes
  const float* invNorm = nullptr;   // n
  size_t n = 0, rb = 0;
  int rows = 0;                     // at most 64
  const char* nextFrom = nullptr;   // the next passage's residuals, prefetched a few lines per token
  size_t nextBytes = 0, linesPerToken = 0;
};

namespace vbmi {
bool supported();
// The token loop of plaidRefineQuant for one passage: for every token and row with
// tau[r] <= centroid score <= ceiling[r], best[r] = max(best[r], (score + sum * delta[r] + bias[r]) *
// invNorm), in the same float operations as the scalar loop.
void refineTokens(const RefinePassage& rp, const uint8_t* qlut, const float* tau, const float* ceiling, const float* delta,
                  const float* bias, float* best);
}  // namespace vbmi

namespace avx2 {
bool supported();
// For the 32 tokens of a block: sum_i = sum over j of qlutRow[2j][byte & 15] + qlutRow[2j + 1][byte >> 4],
// out_i = (centroidScore + (float(sum_i) * delta + bias)) * invNorm_i.
void blockScores(const uint8_t* bytes, size_t rb, const uint8_t* qlutRow, float delta, float bias, float centroidScore,
                 const float* invNorm, float* out);
}  // namespace avx2

}  // namespace tartan
