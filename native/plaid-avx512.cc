// AVX-512 variants of the PLAID kernels (see plaid.h). Compiled for AVX-512 through the target
// pragma; plaid.cc calls them only after avx512::supported() said the CPU has it.
#include <immintrin.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <memory>
#include <vector>

#include "portable.h"
#include "simd-target.h"
#include "plaid.h"

namespace tartan {
namespace avx512 {

bool supported() {
  __builtin_cpu_init();
  return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") && __builtin_cpu_supports("avx512vl") &&
         __builtin_cpu_supports("fma");
}

}  // namespace avx512
}  // namespace tartan

TARTAN_TARGET_PUSH("avx512f,avx512bw,avx512vl,avx2,fma")

namespace tartan {
namespace avx512 {
namespace {

constexpr int CB = 12;  // centroids per block: 2 x 12 accumulators, as the MaxSim kernel

inline __mmask16 laneMask(int valid) {
  return valid >= 16 ? static_cast<__mmask16>(0xffff) : valid <= 0 ? 0 : static_cast<__mmask16>((1u << valid) - 1);
}

// Accumulates nc (<= CB) centroids starting at cv against 32 transposed query rows at qt.
template <int NC>
inline void block(const float* cv, int dim, const float* qt, int qpad, float* out, int rows, __mmask16 m0, __mmask16 m1) {
  __m512 a0[NC], a1[NC];
  for (int j = 0; j < NC; j++) { a0[j] = _mm512_setzero_ps(); a1[j] = _mm512_setzero_ps(); }
  for (int d = 0; d < dim; d++) {
    const __m512 q0 = _mm512_load_ps(qt + static_cast<size_t>(d) * qpad);
    const __m512 q1 = _mm512_load_ps(qt + static_cast<size_t>(d) * qpad + 16);
#pragma GCC unroll 12
    for (int j = 0; j < NC; j++) {
      const __m512 b = _mm512_set1_ps(cv[static_cast<size_t>(j) * dim + d]);
      a0[j] = _mm512_fmadd_ps(b, q0, a0[j]);
      a1[j] = _mm512_fmadd_ps(b, q1, a1[j]);
    }
  }
  for (int j = 0; j < NC; j++) {
    _mm512_mask_storeu_ps(out + static_cast<size_t>(j) * rows, m0, a0[j]);
    _mm512_mask_storeu_ps(out + static_cast<size_t>(j) * rows + 16, m1, a1[j]);
  }
}

}  // namespace

void centroidScores(const float* query, int rows, int dim, const float* centroids, size_t k, float* out) {
  // qt[d][qpad]: one aligned load holds dimension d of 16 query rows.
  const int qpad = (rows + 31) / 32 * 32;
  auto buf = alignedBuffer<float>(static_cast<size_t>(dim) * qpad * sizeof(float));
  float* qt = buf.get();
  std::memset(qt, 0, static_cast<size_t>(dim) * qpad * sizeof(float));
  for (int q = 0; q < rows; q++)
    for (int d = 0; d < dim; d++) qt[static_cast<size_t>(d) * qpad + q] = query[static_cast<size_t>(q) * dim + d];
  for (int qc = 0; qc < qpad; qc += 32) {
    const __mmask16 m0 = laneMask(rows - qc), m1 = laneMask(rows - qc - 16);
    size_t c = 0;
    for (; c + CB <= k; c += CB) block<CB>(centroids + c * dim, dim, qt + qc, qpad, out + c * rows + qc, rows, m0, m1);
    for (; c < k; c++) block<1>(centroids + c * dim, dim, qt + qc, qpad, out + c * rows + qc, rows, m0, m1);
  }
}

namespace {

// Decodes n tokens; NBITS fixed so the per-group byte load and bucket selection compile to a
// few instructions (a generic loop with runtime shifts costs ~10x more).
template <int NBITS, bool NORM_ONLY, typename Code>
void decodeRowsN(const ResidualDecoder& dec, const Code* codes, const uint8_t* packed, size_t n, float* out) {
  const int dim = dec.dim;
  const float* wt = dec.wt;
  constexpr int groupBytes = 2 * NBITS;  // 16 dimensions
  const size_t rb = static_cast<size_t>(dim) * NBITS / 8;
  // Lane i of a group reads bits [i * NBITS, (i + 1) * NBITS): dword (i * NBITS) / 32, shifted by (i * NBITS) % 32.
  alignas(64) int32_t idx[16], sh[16];
  for (int i = 0; i < 16; i++) { idx[i] = (i * NBITS) / 32; sh[i] = (i * NBITS) % 32; }
  const __m512i vidx = _mm512_load_si512(idx), vsh = _mm512_load_si512(sh);
  const __m512i mask = _mm512_set1_epi32((1 << NBITS) - 1);
  const __m512i one = _mm512_set1_epi32(1), two = _mm512_set1_epi32(2);
  const __m512i lane = _mm512_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
  const __m512i vdim = _mm512_set1_epi32(dim);
  // Centroid rows are random reads from a table larger than L2: ask for them a few tokens ahead.
  constexpr size_t kAhead = 6;
  const size_t rowBytes = static_cast<size_t>(dim) * sizeof(float);
  for (size_t t = 0; t < std::min(n, kAhead); t++)
    for (size_t b = 0; b < rowBytes; b += 64) _mm_prefetch(reinterpret_cast<const char*>(dec.centroids + static_cast<size_t>(codes[t]) * dim) + b, _MM_HINT_T0);
  for (size_t t = 0; t < n; t++) {
    if (t + kAhead < n) {
      const char* ahead = reinterpret_cast<const char*>(dec.centroids + static_cast<size_t>(codes[t + kAhead]) * dim);
      for (size_t b = 0; b < rowBytes; b += 64) _mm_prefetch(ahead + b, _MM_HINT_T0);
    }
    const float* centroid = dec.centroids + static_cast<size_t>(codes[t]) * dim;
    const uint8_t* p = packed + t * rb;
    float* o = NORM_ONLY ? out : out + t * dim;
    __m512 norm = _mm512_setzero_ps();
    for (int d0 = 0; d0 < dim; d0 += 16) {
      const uint8_t* g = p + (d0 / 16) * groupBytes;
      __m512i code;
      if constexpr (NBITS == 8) {
        code = _mm512_cvtepu8_epi32(_mm_loadu_si128(reinterpret_cast<const __m128i*>(g)));
      } else {
        uint64_t bits = 0;
        std::memcpy(&bits, g, groupBytes);
        code = _mm512_and_si512(_mm512_srlv_epi32(_mm512_permutexvar_epi32(vidx, _mm512_castsi128_si512(_mm_cvtsi64_si128(static_cast<long long>(bits)))), vsh), mask);
      }
      __m512 w;
      if constexpr (NBITS == 1) {
        w = _mm512_mask_blend_ps(_mm512_test_epi32_mask(code, one), _mm512_loadu_ps(wt + d0), _mm512_loadu_ps(wt + dim + d0));
      } else if constexpr (NBITS == 2) {
        const __mmask16 lo = _mm512_test_epi32_mask(code, one), hi = _mm512_test_epi32_mask(code, two);
        const __m512 w01 = _mm512_mask_blend_ps(lo, _mm512_loadu_ps(wt + d0), _mm512_loadu_ps(wt + dim + d0));
        const __m512 w23 = _mm512_mask_blend_ps(lo, _mm512_loadu_ps(wt + 2 * dim + d0), _mm512_loadu_ps(wt + 3 * dim + d0));
        w = _mm512_mask_blend_ps(hi, w01, w23);
      } else {
        const __m512i at = _mm512_add_epi32(_mm512_mullo_epi32(code, vdim), _mm512_add_epi32(lane, _mm512_set1_epi32(d0)));
        w = _mm512_i32gather_ps(at, wt, 4);
      }
      const __m512 v = _mm512_add_ps(_mm512_loadu_ps(centroid + d0), w);
      if constexpr (!NORM_ONLY) _mm512_storeu_ps(o + d0, v);
      norm = _mm512_fmadd_ps(v, v, norm);
    }
    const float sq = _mm512_reduce_add_ps(norm);
    if constexpr (NORM_ONLY) {
      out[t] = sq > 0 ? 1.0f / std::sqrt(sq) : 1.0f;
    } else if (sq > 0) {
      const __m512 inv = _mm512_set1_ps(1.0f / std::sqrt(sq));
      for (int d0 = 0; d0 < dim; d0 += 16) _mm512_storeu_ps(o + d0, _mm512_mul_ps(_mm512_loadu_ps(o + d0), inv));
    }
  }
}

template <bool NORM_ONLY, typename Code>
void decodeRowsAny(const ResidualDecoder& dec, const Code* codes, const uint8_t* packed, size_t n, float* out) {
  switch (dec.nbits) {
    case 1: decodeRowsN<1, NORM_ONLY>(dec, codes, packed, n, out); break;
    case 2: decodeRowsN<2, NORM_ONLY>(dec, codes, packed, n, out); break;
    case 4: decodeRowsN<4, NORM_ONLY>(dec, codes, packed, n, out); break;
    default: decodeRowsN<8, NORM_ONLY>(dec, codes, packed, n, out); break;
  }
}

}  // namespace

bool anyAbove(const float* row, const float* thr, int rows) {
  int q = 0;
  for (; q + 16 <= rows; q += 16)
    if (_mm512_cmp_ps_mask(_mm512_loadu_ps(row + q), _mm512_loadu_ps(thr + q), _CMP_GT_OQ)) return true;
  if (q < rows) {
    const __mmask16 m = laneMask(rows - q);
    return _mm512_mask_cmp_ps_mask(m, _mm512_maskz_loadu_ps(m, row + q), _mm512_maskz_loadu_ps(m, thr + q), _CMP_GT_OQ) != 0;
  }
  return false;
}

void nearest(const float* x, size_t n, int dim, const float* centroids, size_t k, uint32_t* out) {
  // Tokens go 256 at a time (8 chunks of 32, transposed: 128 KiB at dim 128, held in L2) past every
  // block of 12 centroids (held in L1), so the centroid table is streamed once per 256 tokens.
  constexpr size_t kChunks = 8, kTokens = 32 * kChunks;
  auto buf = alignedBuffer<float>(kChunks * static_cast<size_t>(dim) * 32 * sizeof(float));
  alignas(64) float best[kTokens];
  alignas(64) int32_t arg[kTokens];
  const __m512 ninf = _mm512_set1_ps(-std::numeric_limits<float>::infinity());
  for (size_t s = 0; s < n; s += kTokens) {
    const size_t m = std::min(kTokens, n - s);
    float* qt = buf.get();
    std::memset(qt, 0, kChunks * static_cast<size_t>(dim) * 32 * sizeof(float));
    for (size_t t = 0; t < m; t++)
      for (int d = 0; d < dim; d++) qt[(t / 32) * dim * 32 + static_cast<size_t>(d) * 32 + t % 32] = x[(s + t) * dim + d];
    for (size_t i = 0; i < kTokens; i += 16) { _mm512_store_ps(best + i, ninf); _mm512_store_si512(arg + i, _mm512_setzero_si512()); }
    const size_t chunks = (m + 31) / 32;
    size_t c = 0;
    for (; c < k; c += CB) {
      const int nc = static_cast<int>(std::min<size_t>(CB, k - c));
      const float* cv = centroids + c * dim;
      for (size_t ch = 0; ch < chunks; ch++) {
        const float* q = qt + ch * dim * 32;
        __m512 a0[CB], a1[CB];
#pragma GCC unroll 12
        for (int j = 0; j < CB; j++) { a0[j] = _mm512_setzero_ps(); a1[j] = _mm512_setzero_ps(); }
        if (nc == CB) {
          for (int d = 0; d < dim; d++) {
            const __m512 q0 = _mm512_load_ps(q + d * 32), q1 = _mm512_load_ps(q + d * 32 + 16);
#pragma GCC unroll 12
            for (int j = 0; j < CB; j++) {
              const __m512 b = _mm512_set1_ps(cv[static_cast<size_t>(j) * dim + d]);
              a0[j] = _mm512_fmadd_ps(b, q0, a0[j]);
              a1[j] = _mm512_fmadd_ps(b, q1, a1[j]);
            }
          }
        } else {
          for (int d = 0; d < dim; d++) {
            const __m512 q0 = _mm512_load_ps(q + d * 32), q1 = _mm512_load_ps(q + d * 32 + 16);
            for (int j = 0; j < nc; j++) {
              const __m512 b = _mm512_set1_ps(cv[static_cast<size_t>(j) * dim + d]);
              a0[j] = _mm512_fmadd_ps(b, q0, a0[j]);
              a1[j] = _mm512_fmadd_ps(b, q1, a1[j]);
            }
          }
        }
        // Strictly greater keeps the first best centroid, as ArgMax does.
        __m512 b0 = _mm512_load_ps(best + ch * 32), b1 = _mm512_load_ps(best + ch * 32 + 16);
        __m512i i0 = _mm512_load_si512(arg + ch * 32), i1 = _mm512_load_si512(arg + ch * 32 + 16);
        for (int j = 0; j < nc; j++) {
          const __m512i id = _mm512_set1_epi32(static_cast<int32_t>(c + j));
          const __mmask16 g0 = _mm512_cmp_ps_mask(a0[j], b0, _CMP_GT_OQ), g1 = _mm512_cmp_ps_mask(a1[j], b1, _CMP_GT_OQ);
          b0 = _mm512_mask_mov_ps(b0, g0, a0[j]); i0 = _mm512_mask_mov_epi32(i0, g0, id);
          b1 = _mm512_mask_mov_ps(b1, g1, a1[j]); i1 = _mm512_mask_mov_epi32(i1, g1, id);
        }
        _mm512_store_ps(best + ch * 32, b0); _mm512_store_ps(best + ch * 32 + 16, b1);
        _mm512_store_si512(arg + ch * 32, i0); _mm512_store_si512(arg + ch * 32 + 16, i1);
      }
    }
    for (size_t t = 0; t < m; t++) out[s + t] = static_cast<uint32_t>(arg[t]);
  }
}

void decodeRows(const ResidualDecoder& dec, const uint16_t* codes, const uint8_t* packed, size_t n, float* out) { decodeRowsAny<false>(dec, codes, packed, n, out); }
void decodeRows(const ResidualDecoder& dec, const uint32_t* codes, const uint8_t* packed, size_t n, float* out) { decodeRowsAny<false>(dec, codes, packed, n, out); }
void invNorms(const ResidualDecoder& dec, const uint16_t* codes, const uint8_t* packed, size_t n, float* out) { decodeRowsAny<true>(dec, codes, packed, n, out); }
void invNorms(const ResidualDecoder& dec, const uint32_t* codes, const uint8_t* packed, size_t n, float* out) { decodeRowsAny<true>(dec, codes, packed, n, out); }

template <typename Code>
void passageBestAny(const Code* codes, size_t n, const float* scores, int rows, float* best) {
  for (int q = 0; q < rows; q += 16) {
    const __mmask16 m = laneMask(rows - q);
    __m512 b = _mm512_maskz_loadu_ps(m, best + q);
    for (size_t t = 0; t < n; t++) b = _mm512_max_ps(b, _mm512_maskz_loadu_ps(m, scores + static_cast<size_t>(codes[t]) * rows + q));
    _mm512_mask_storeu_ps(best + q, m, b);
  }
}

void passageBest(const uint16_t* codes, size_t n, const float* scores, int rows, float* best) { passageBestAny(codes, n, scores, rows, best); }
void passageBest(const uint32_t* codes, size_t n, const float* scores, int rows, float* best) { passageBestAny(codes, n, scores, rows, best); }

template <typename Code>
void gatherRowsAny(const Code* codes, size_t n, const float* scores, int rows, float* out, float* best) {
  // Rows of a table larger than L2 read in random order: the first pass asks for them ahead.
  constexpr size_t kAhead = 8;
  const size_t rowBytes = static_cast<size_t>(rows) * sizeof(float);
  for (int q = 0; q < rows; q += 16) {
    const __mmask16 m = laneMask(rows - q);
    __m512 b = _mm512_maskz_loadu_ps(m, best + q);
    for (size_t t = 0; t < n; t++) {
      if (q == 0 && t + kAhead < n) {
        const char* ahead = reinterpret_cast<const char*>(scores + static_cast<size_t>(codes[t + kAhead]) * rows);
        for (size_t o = 0; o < rowBytes; o += 64) _mm_prefetch(ahead + o, _MM_HINT_T0);
      }
      const __m512 v = _mm512_maskz_loadu_ps(m, scores + static_cast<size_t>(codes[t]) * rows + q);
      _mm512_mask_storeu_ps(out + t * rows + q, m, v);
      b = _mm512_max_ps(b, v);
    }
    _mm512_mask_storeu_ps(best + q, m, b);
  }
}

void gatherRows(const uint16_t* codes, size_t n, const float* scores, int rows, float* out, float* best) { gatherRowsAny(codes, n, scores, rows, out, best); }
void gatherRows(const uint32_t* codes, size_t n, const float* scores, int rows, float* out, float* best) { gatherRowsAny(codes, n, scores, rows, out, best); }

void countRowsInRange(const float* m, size_t n, int rows, const float* lo, const float* hi, uint32_t* count) {
  const __m512i one = _mm512_set1_epi32(1);
  for (int q = 0; q < rows; q += 16) {
    const __mmask16 valid = laneMask(rows - q);
    const __m512 l = _mm512_maskz_loadu_ps(valid, lo + q), h = _mm512_maskz_loadu_ps(valid, hi + q);
    __m512i c = _mm512_setzero_si512();
    for (size_t t = 0; t < n; t++) {
      const __m512 v = _mm512_maskz_loadu_ps(valid, m + t * rows + q);
      const __mmask16 in = _mm512_mask_cmp_ps_mask(_mm512_mask_cmp_ps_mask(valid, v, l, _CMP_GE_OQ), v, h, _CMP_LE_OQ);
      c = _mm512_mask_add_epi32(c, in, c, one);
    }
    _mm512_mask_storeu_epi32(count + q, valid, c);
  }
}

uint64_t rowsInRange(const float* row, const float* lo, const float* hi, int rows) {
  uint64_t m = 0;
  for (int q = 0; q < rows; q += 16) {
    const __mmask16 valid = laneMask(rows - q);
    const __m512 v = _mm512_maskz_loadu_ps(valid, row + q);
    const __mmask16 ge = _mm512_mask_cmp_ps_mask(valid, v, _mm512_maskz_loadu_ps(valid, lo + q), _CMP_GE_OQ);
    m |= static_cast<uint64_t>(_mm512_mask_cmp_ps_mask(ge, v, _mm512_maskz_loadu_ps(valid, hi + q), _CMP_LE_OQ)) << q;
  }
  return m;
}


}  // namespace avx512
}  // namespace tartan

TARTAN_TARGET_POP
