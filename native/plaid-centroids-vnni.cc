// Stage 1 of a search from int8 centroids (index format 3 stores them so): every query row,
// quantised to int8 by the caller, against every centroid with AVX-512 VNNI, four products per
// byte lane and instruction instead of one float multiply-add. The integer sums are exact, so
// the TypeScript twin (onnxruntime's MatMulInteger, src/plaid/centroid-scores-i8.ts) gets the
// same bits after the same two float multiplies.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <memory>

#include "portable.h"
#include "simd-target.h"
#include "plaid.h"

namespace tartan {
namespace vnni {

bool supported() {
  __builtin_cpu_init();
  return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") && __builtin_cpu_supports("avx512vl") &&
         __builtin_cpu_supports("avx512vnni");
}

}  // namespace vnni
}  // namespace tartan

TARTAN_TARGET_PUSH("avx512f,avx512bw,avx512vl,avx512vnni")

#include "vnni-dot.h"

namespace tartan {
namespace vnni {
namespace {

constexpr int CB = 12;  // centroids per block: 2 x 12 accumulators

inline __mmask16 laneMask(int valid) {
  return valid >= 16 ? static_cast<__mmask16>(0xffff) : valid <= 0 ? 0 : static_cast<__mmask16>((1u << valid) - 1);
}

// NC centroids (int8 rows of dim bytes from cv) against 32 query rows whose bytes (+128) are in
// qt, four dimensions per 32-bit lane: qt[s * qpad + r] holds dimensions 4s..4s+3 of row r.
template <int NC>
inline void block(const int8_t* cv, int dim, const int32_t* qt, int qpad, const float* cscale, const int32_t* csum,
                  __m512 qs0, __m512 qs1, float* out, int rows, __mmask16 m0, __mmask16 m1) {
  __m512i a0[NC], a1[NC];
  for (int j = 0; j < NC; j++) { a0[j] = _mm512_setzero_si512(); a1[j] = _mm512_setzero_si512(); }
  for (int s = 0; s < dim / 4; s++) {
    const __m512i q0 = _mm512_load_si512(qt + static_cast<size_t>(s) * qpad);
    const __m512i q1 = _mm512_load_si512(qt + static_cast<size_t>(s) * qpad + 16);
#pragma GCC unroll 12
    for (int j = 0; j < NC; j++) {
      int32_t quad;
      std::memcpy(&quad, cv + static_cast<size_t>(j) * dim + 4 * s, 4);
      const __m512i b = _mm512_set1_epi32(quad);
      a0[j] = dpbusdInPlace(a0[j], q0, b);
      a1[j] = dpbusdInPlace(a1[j], q1, b);
    }
  }
  for (int j = 0; j < NC; j++) {
    // sum (q + 128) c - 128 sum c = sum q c, exact; then score = that * (query scale * centroid scale).
    const __m512i corr = _mm512_set1_epi32(128 * csum[j]);
    const __m512 cs = _mm512_set1_ps(cscale[j]);
    _mm512_mask_storeu_ps(out + static_cast<size_t>(j) * rows, m0, _mm512_mul_ps(_mm512_cvtepi32_ps(_mm512_sub_epi32(a0[j], corr)), _mm512_mul_ps(qs0, cs)));
    _mm512_mask_storeu_ps(out + static_cast<size_t>(j) * rows + 16, m1, _mm512_mul_ps(_mm512_cvtepi32_ps(_mm512_sub_epi32(a1[j], corr)), _mm512_mul_ps(qs1, cs)));
  }
}

}  // namespace

void centroidScoresI8(const int8_t* q8, const float* qscale, int rows, int dim, const int8_t* c8, const float* cscale,
                      const int32_t* csum, size_t k, float* out) {
  const int quads = dim / 4, qpad = (rows + 31) / 32 * 32;
  auto buf = alignedBuffer<int32_t>(static_cast<size_t>(quads) * qpad * sizeof(int32_t));
  int32_t* qt = buf.get();
  // Padding rows hold 128 in every byte: zero once the offset is taken off (their scores are not stored).
  std::fill(qt, qt + static_cast<size_t>(quads) * qpad, static_cast<int32_t>(0x80808080u));
  for (int r = 0; r < rows; r++) {
    for (int s = 0; s < quads; s++) {
      uint8_t b[4];
      for (int i = 0; i < 4; i++) b[i] = static_cast<uint8_t>(q8[static_cast<size_t>(r) * dim + 4 * s + i] + 128);
      std::memcpy(qt + static_cast<size_t>(s) * qpad + r, b, 4);
    }
  }
  for (int qc = 0; qc < qpad; qc += 32) {
    const __mmask16 m0 = laneMask(rows - qc), m1 = laneMask(rows - qc - 16);
    const __m512 qs0 = _mm512_maskz_loadu_ps(m0, qscale + qc), qs1 = _mm512_maskz_loadu_ps(m1, qscale + qc + 16);
    size_t c = 0;
    for (; c + CB <= k; c += CB)
      block<CB>(c8 + c * dim, dim, qt + qc, qpad, cscale + c, csum + c, qs0, qs1, out + c * rows + qc, rows, m0, m1);
    for (; c < k; c++) block<1>(c8 + c * dim, dim, qt + qc, qpad, cscale + c, csum + c, qs0, qs1, out + c * rows + qc, rows, m0, m1);
  }
}

void nearestI8(const float* x, size_t n, int dim, const int8_t* c8, const float* cscale, const int32_t* csum, size_t k, uint32_t* out) {
  // 32 rows at a time: their scores against every centroid (k x 32 floats, in cache), then a running
  // argmax over centroids in two 16-lane registers (strictly greater: the first centroid wins ties).
  // Each row is quantised as quantizeRowsInt8 does (symmetric, largest magnitude to 127); its scale
  // does not change which centroid wins, so 1 is passed.
  auto scores = alignedBuffer<float>(k * 32 * sizeof(float));
  float* buf = scores.get();
  std::unique_ptr<int8_t[]> q8(new int8_t[static_cast<size_t>(32) * dim]);
  float ones[32];
  std::fill(ones, ones + 32, 1.0f);
  for (size_t r0 = 0; r0 < n; r0 += 32) {
    const int rows = static_cast<int>(std::min<size_t>(32, n - r0));
    for (int r = 0; r < rows; r++) {
      const float* row = x + (r0 + r) * dim;
      float maxAbs = 0;
      for (int d = 0; d < dim; d++) maxAbs = std::max(maxAbs, std::fabs(row[d]));
      const float inv = maxAbs > 0 ? 127.0f / maxAbs : 0.0f;
      for (int d = 0; d < dim; d++) {
        const float v = std::nearbyint(row[d] * inv);
        q8[static_cast<size_t>(r) * dim + d] = static_cast<int8_t>(std::max(-127.0f, std::min(127.0f, v)));
      }
    }
    centroidScoresI8(q8.get(), ones, rows, dim, c8, cscale, csum, k, buf);
    const __mmask16 m0 = laneMask(rows), m1 = laneMask(rows - 16);
    __m512 b0 = _mm512_set1_ps(-INFINITY), b1 = _mm512_set1_ps(-INFINITY);
    __m512i i0 = _mm512_setzero_si512(), i1 = _mm512_setzero_si512();
    for (size_t c = 0; c < k; c++) {
      const __m512 v0 = _mm512_maskz_loadu_ps(m0, buf + c * rows), v1 = _mm512_maskz_loadu_ps(m1, buf + c * rows + 16);
      const __m512i ci = _mm512_set1_epi32(static_cast<int32_t>(c));
      const __mmask16 g0 = _mm512_cmp_ps_mask(v0, b0, _CMP_GT_OQ), g1 = _mm512_cmp_ps_mask(v1, b1, _CMP_GT_OQ);
      b0 = _mm512_mask_mov_ps(b0, g0, v0);
      b1 = _mm512_mask_mov_ps(b1, g1, v1);
      i0 = _mm512_mask_mov_epi32(i0, g0, ci);
      i1 = _mm512_mask_mov_epi32(i1, g1, ci);
    }
    _mm512_mask_storeu_epi32(out + r0, m0, i0);
    _mm512_mask_storeu_epi32(out + r0 + 16, m1, i1);
  }
}

}  // namespace vnni
}  // namespace tartan

TARTAN_TARGET_POP
