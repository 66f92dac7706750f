// Token-level PLAID stages (see plaid-tokens.h). Scalar code in a fixed order of float32
// operations, mirrored by src/plaid/token-kernels.ts, so both return the same bits.
#include "plaid-tokens.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

namespace tartan {
namespace {

constexpr float kNegInf = -std::numeric_limits<float>::infinity();

bool wide() {
  static const bool yes = avx512::supported();
  return yes;
}

}  // namespace

void plaidBuildLut(const float* query, int rows, const ResidualDecoder& dec, float* lut) {
  const int dim = dec.dim, nbits = dec.nbits, buckets = 1 << nbits, fields = 8 / nbits;
  const size_t rb = (static_cast<size_t>(dim) * nbits + 7) / 8;
  std::vector<float> v(static_cast<size_t>(fields) * buckets), tab(256), next(256);
  for (int r = 0; r < rows; r++) {
    const float* q = query + static_cast<size_t>(r) * dim;
    for (size_t j = 0; j < rb; j++) {
      // v[i][code]: the contribution of field i (dimension j * fields + i) holding `code`.
      for (int i = 0; i < fields; i++) {
        const int d = static_cast<int>(j) * fields + i;
        for (int b = 0; b < buckets; b++) v[i * buckets + b] = d < dim ? q[d] * dec.wt[b * dim + d] : 0.0f;
      }
      // Table over the top field, then one lower field at a time: tab[(hi << nbits) | lo] = tab[hi] + v[i][lo].
      size_t size = buckets;
      for (int b = 0; b < buckets; b++) tab[b] = v[(fields - 1) * buckets + b];
      for (int i = fields - 2; i >= 0; i--) {
        for (size_t hi = 0; hi < size; hi++)
          for (int lo = 0; lo < buckets; lo++) next[(hi << nbits) | lo] = tab[hi] + v[i * buckets + lo];
        size <<= nbits;
        std::swap(tab, next);
      }
      std::copy(tab.begin(), tab.begin() + 256, lut + (static_cast<size_t>(r) * rb + j) * 256);
    }
  }
}

template <typename Code>
void plaidInvNorms(const ResidualDecoder& dec, const Code* codes, const uint8_t* packed, size_t n, float* out) {
  // Vectorised where possible (float32 sums: may differ from the twin in the last bit, which only
  // moves candidate estimates); else scalar float64 sums, like decompress() in TypeScript.
  if (wide() && dec.dim % 16 == 0) { avx512::invNorms(dec, codes, packed, n, out); return; }
  const int dim = dec.dim, nbits = dec.nbits, mask = (1 << nbits) - 1;
  const size_t rb = (static_cast<size_t>(dim) * nbits + 7) / 8;
  for (size_t t = 0; t < n; t++) {
    const float* c = dec.centroids + static_cast<size_t>(codes[t]) * dim;
    const uint8_t* p = packed + t * rb;
    double norm = 0;
    for (int d = 0; d < dim; d++) {
      const int bit = d * nbits;
      const double v = static_cast<double>(c[d]) + dec.wt[((p[bit >> 3] >> (bit & 7)) & mask) * dim + d];
      norm += v * v;
    }
    out[t] = norm > 0 ? static_cast<float>(1 / std::sqrt(norm)) : 1.0f;
  }
}

size_t plaidTokenScores(const TokenLists& tl, const uint32_t* probes, int nprobe, const float* scores, int rows,
                        const float* lut, const uint8_t* allowed, const float* imputed, float* found,
                        uint32_t* outPassages, float* outEst, size_t keep) {
  const size_t P = tl.passages, rb = tl.rb;
  std::fill(found, found + P * rows, kNegInf);
  for (int r = 0; r < rows; r++) {
    const float* lutRow = lut + static_cast<size_t>(r) * rb * 256;
    float* f = found + static_cast<size_t>(r) * P;
    for (int i = 0; i < nprobe; i++) {
      const uint32_t c = probes[static_cast<size_t>(r) * nprobe + i];
      if (c == UINT32_MAX) continue;
      const float cs = scores[static_cast<size_t>(c) * rows + r];
      const uint32_t end = tl.listStart[c + 1];
      for (uint32_t j = tl.listStart[c]; j < end; j++) {
        const uint32_t t = tl.listTokens[j];
        // The residual rows of a list are scattered over the segment: ask for them ahead.
        if (j + 8 < end && tl.listTokens[j + 8] < tl.tokens) __builtin_prefetch(tl.packed + static_cast<size_t>(tl.listTokens[j + 8]) * rb);
        if (t >= tl.tokens) continue;
        const uint32_t p = tl.passageOf[t];
        if (p >= P || !allowed[p]) continue;
        const float s = pairScore(lutRow, tl.packed + static_cast<size_t>(t) * rb, rb, cs, tl.invNorm[t]);
        f[p] = std::max(f[p], s);
      }
    }
  }
  return plaidFoundEstimates(found, P, rows, imputed, outPassages, outEst, keep);
}

size_t plaidFoundEstimates(const float* found, size_t P, int rows, const float* imputed, uint32_t* outPassages, float* outEst, size_t keep) {
  // Rows outer and passages inner, so both arrays are read in order; each passage's sum still
  // adds the rows in order 0, 1, ... as the TypeScript twins do.
  std::vector<float> est(P, 0.0f);
  std::vector<uint8_t> any(P, 0);
  for (int r = 0; r < rows; r++) {
    const float* f = found + static_cast<size_t>(r) * P;
    const float imp = imputed[r];
    for (size_t p = 0; p < P; p++) {
      const bool none = f[p] == kNegInf;
      any[p] |= !none;
      est[p] += none ? imp : f[p];
    }
  }
  size_t count = 0;
  for (size_t p = 0; p < P; p++) {
    if (!any[p]) continue;
    outPassages[count] = static_cast<uint32_t>(p);
    outEst[count++] = est[p];
  }
  if (count <= keep) return count;
  // Only the best `keep` go on (estimate, then lower passage): selected, then put back in passage order.
  std::vector<uint32_t> order(count);
  for (size_t i = 0; i < count; i++) order[i] = static_cast<uint32_t>(i);
  std::nth_element(order.begin(), order.begin() + keep, order.end(),
                   [&](uint32_t a, uint32_t b) { return outEst[a] > outEst[b] || (outEst[a] == outEst[b] && a < b); });
  order.resize(keep);
  std::sort(order.begin(), order.end());
  for (size_t i = 0; i < keep; i++) {
    outPassages[i] = outPassages[order[i]];
    outEst[i] = outEst[order[i]];
  }
  return keep;
}

template <typename Code>
void plaidRefine(const TokenLists& tl, const Code* codes, const uint32_t* tokenOffsets, const uint32_t* list, size_t n,
                 const float* found, const float* ceiling, const float* scores, int rows, const float* lut, float margin, float* out) {
  const size_t rb = tl.rb;
  std::vector<float> best(n * rows), cbest(rows), tau(rows);
  // (candidate, token) pairs bucketed by row, then scored row by row so that the row's 32 KiB
  // lookup table stays in L1 while its pairs are scored.
  thread_local std::vector<std::vector<uint64_t>> tlsBuckets;
  std::vector<std::vector<uint64_t>>& buckets = tlsBuckets;  // one TLS lookup, not one per pair
  if (buckets.size() < static_cast<size_t>(rows)) buckets.resize(rows);
  for (int r = 0; r < rows; r++) buckets[r].clear();
  const bool simd = wide() && rows <= 64;
  for (size_t i = 0; i < n; i++) {
    const uint32_t p = list[i];
    const uint32_t t0 = tokenOffsets[p], t1 = tokenOffsets[p + 1];
    std::fill(cbest.begin(), cbest.end(), kNegInf);
    if (simd) {
      avx512::passageBest(codes + t0, t1 - t0, scores, rows, cbest.data());
    } else {
      for (uint32_t t = t0; t < t1; t++) {
        const float* row = scores + static_cast<size_t>(codes[t]) * rows;
        for (int r = 0; r < rows; r++) cbest[r] = std::max(cbest[r], row[r]);
      }
    }
    for (int r = 0; r < rows; r++) {
      const float f = found[static_cast<size_t>(r) * tl.passages + p];
      tau[r] = std::max(cbest[r], f) - margin;
      best[i * rows + r] = f;
    }
    for (uint32_t t = t0; t < t1; t++) {
      const float* row = scores + static_cast<size_t>(codes[t]) * rows;
      const uint64_t pair = (static_cast<uint64_t>(i) << 32) | t;
      if (simd) {
        for (uint64_t m = avx512::rowsInRange(row, tau.data(), ceiling, rows); m; m &= m - 1) buckets[__builtin_ctzll(m)].push_back(pair);
      } else {
        for (int r = 0; r < rows; r++)
          if (row[r] >= tau[r] && row[r] <= ceiling[r]) buckets[r].push_back(pair);
      }
    }
  }
  for (int r = 0; r < rows; r++) {
    const float* lutRow = lut + static_cast<size_t>(r) * rb * 256;
    const std::vector<uint64_t>& bucket = buckets[r];
    for (size_t k = 0; k < bucket.size(); k++) {
      if (k + 8 < bucket.size()) __builtin_prefetch(tl.packed + static_cast<size_t>(bucket[k + 8] & 0xffffffffu) * rb);
      const size_t i = bucket[k] >> 32;
      const uint32_t t = static_cast<uint32_t>(bucket[k]);
      const float s = pairScore(lutRow, tl.packed + static_cast<size_t>(t) * rb, rb, scores[static_cast<size_t>(codes[t]) * rows + r], tl.invNorm[t]);
      float& b = best[i * rows + r];
      if (s > b) b = s;
    }
  }
  for (size_t i = 0; i < n; i++) {
    float sum = 0;
    for (int r = 0; r < rows; r++) sum += best[i * rows + r];
    out[i] = sum;
  }
}

template void plaidInvNorms<uint16_t>(const ResidualDecoder&, const uint16_t*, const uint8_t*, size_t, float*);
template void plaidInvNorms<uint32_t>(const ResidualDecoder&, const uint32_t*, const uint8_t*, size_t, float*);
template void plaidRefine<uint16_t>(const TokenLists&, const uint16_t*, const uint32_t*, const uint32_t*, size_t, const float*,
                                    const float*, const float*, int, const float*, float, float*);
template void plaidRefine<uint32_t>(const TokenLists&, const uint32_t*, const uint32_t*, const uint32_t*, size_t, const float*,
                                    const float*, const float*, int, const float*, float, float*);

}  // namespace tartan
