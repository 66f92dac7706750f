// AVX2 block sums for the fast scan (plaid-fastscan.h): per byte position, two byte shuffles look
// up the low and high nibbles of 32 tokens in 16-entry tables; the 8-bit results are widened into
// 16-bit sums split by even and odd token (a 16-bit lane holds two neighbouring tokens' bytes).
#include <immintrin.h>

#include "simd-target.h"
#include "plaid-fastscan.h"

namespace tartan {
namespace avx2 {

bool supported() {
  __builtin_cpu_init();
  return __builtin_cpu_supports("avx2");
}

}  // namespace avx2
}  // namespace tartan

TARTAN_TARGET_PUSH("avx2")

namespace tartan {
namespace avx2 {

void blockScores(const uint8_t* bytes, size_t rb, const uint8_t* qlutRow, float delta, float bias, float centroidScore,
                 const float* invNorm, float* out) {
  const __m256i low4 = _mm256_set1_epi8(0x0f), low8 = _mm256_set1_epi16(0x00ff);
  __m256i even = _mm256_setzero_si256(), odd = _mm256_setzero_si256();
  for (size_t j = 0; j < rb; j++) {
    const __m256i x = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(bytes + j * kScanBlock));
    const __m256i lo = _mm256_and_si256(x, low4), hi = _mm256_and_si256(_mm256_srli_epi16(x, 4), low4);
    const __m256i tlo = _mm256_broadcastsi128_si256(_mm_loadu_si128(reinterpret_cast<const __m128i*>(qlutRow + 2 * j * 16)));
    const __m256i thi = _mm256_broadcastsi128_si256(_mm_loadu_si128(reinterpret_cast<const __m128i*>(qlutRow + (2 * j + 1) * 16)));
    const __m256i a = _mm256_shuffle_epi8(tlo, lo), b = _mm256_shuffle_epi8(thi, hi);
    even = _mm256_add_epi16(even, _mm256_add_epi16(_mm256_and_si256(a, low8), _mm256_and_si256(b, low8)));
    odd = _mm256_add_epi16(odd, _mm256_add_epi16(_mm256_srli_epi16(a, 8), _mm256_srli_epi16(b, 8)));
  }
  // 16-bit lane k of even/odd belongs to tokens 2k/2k+1: interleave back into token order
  // (unpack works within 128-bit halves, so the halves are put back in order after).
  const __m256i i0 = _mm256_unpacklo_epi16(even, odd), i1 = _mm256_unpackhi_epi16(even, odd);
  const __m256i t0_15 = _mm256_permute2x128_si256(i0, i1, 0x20), t16_31 = _mm256_permute2x128_si256(i0, i1, 0x31);
  const __m256 d = _mm256_set1_ps(delta), b = _mm256_set1_ps(bias), cs = _mm256_set1_ps(centroidScore);
  const __m256i parts[4] = {_mm256_cvtepu16_epi32(_mm256_castsi256_si128(t0_15)), _mm256_cvtepu16_epi32(_mm256_extracti128_si256(t0_15, 1)),
                            _mm256_cvtepu16_epi32(_mm256_castsi256_si128(t16_31)), _mm256_cvtepu16_epi32(_mm256_extracti128_si256(t16_31, 1))};
  for (int q = 0; q < 4; q++) {
    // Separate multiply and adds in the scalar order: (cs + (sum * delta + bias)) * invNorm.
    const __m256 dot = _mm256_add_ps(_mm256_mul_ps(_mm256_cvtepi32_ps(parts[q]), d), b);
    _mm256_storeu_ps(out + 8 * q, _mm256_mul_ps(_mm256_add_ps(cs, dot), _mm256_loadu_ps(invNorm + 8 * q)));
  }
}

}  // namespace avx2
}  // namespace tartan

TARTAN_TARGET_POP
