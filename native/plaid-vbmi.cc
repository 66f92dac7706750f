// The (query row, token) sums of the stage-3 refinement with AVX-512 VBMI: the 64 nibbles of 32
// residual bytes index 64 different 16-entry tables at once, eight two-register byte permutes
// (each covering 8 tables) blended by lane group, then one sum of absolute differences. About
// 25 instructions instead of 64 dependent scalar lookups. Compiled for VBMI in this file only;
// called after vbmi::supported().
#include <immintrin.h>

#include <cstddef>
#include <cstdint>

#include "simd-target.h"
#include "plaid-fastscan.h"

namespace tartan {
namespace vbmi {

bool supported() {
  __builtin_cpu_init();
  return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") && __builtin_cpu_supports("avx512vbmi");
}

}  // namespace vbmi
}  // namespace tartan

TARTAN_TARGET_PUSH("avx512f,avx512bw,avx512vl,avx512vbmi")

namespace tartan {
namespace vbmi {

// For each row r of rowMask: sums[r] = sum over j < rb of qrow[2j][packed[j] & 15] + qrow[2j + 1][packed[j] >> 4],
// qrow = qlut + r * 2 * rb * 16 (2 * rb tables of 16 bytes). The token's nibble indices are built
// once for all its rows.
static void nibbleSums(const uint8_t* packed, size_t rb, const uint8_t* qlut, uint64_t rowMask, uint32_t* sums) {
  // Byte n of `group` = (n % 8) * 16: the offset of table n within its group of 8 tables.
  alignas(64) static const uint8_t kGroup[64] = {
      0, 16, 32, 48, 64, 80, 96, 112, 0, 16, 32, 48, 64, 80, 96, 112, 0, 16, 32, 48, 64, 80, 96, 112, 0, 16, 32, 48, 64, 80, 96, 112,
      0, 16, 32, 48, 64, 80, 96, 112, 0, 16, 32, 48, 64, 80, 96, 112, 0, 16, 32, 48, 64, 80, 96, 112, 0, 16, 32, 48, 64, 80, 96, 112};
  const __m512i group = _mm512_load_si512(kGroup);
  const __m512i low4 = _mm512_set1_epi16(0x000f);
  for (uint64_t m = rowMask; m; m &= m - 1) sums[__builtin_ctzll(m)] = 0;
  for (size_t j = 0; j < rb; j += 32) {
    const size_t n = rb - j < 32 ? rb - j : 32;  // bytes in this chunk
    const __mmask32 bytes = n == 32 ? ~0u : (1u << n) - 1;
    // 16-bit lane i = byte i; low nibble to byte 2i, high nibble to byte 2i + 1.
    const __m512i x = _mm512_cvtepu8_epi16(_mm256_maskz_loadu_epi8(bytes, packed + j));
    const __m512i nib = _mm512_or_si512(_mm512_and_si512(x, low4), _mm512_slli_epi16(_mm512_and_si512(_mm512_srli_epi16(x, 4), low4), 8));
    const __m512i idx = _mm512_or_si512(nib, group);
    const size_t groups = (2 * n + 7) / 8;
    const __mmask64 valid = 2 * n == 64 ? ~0ull : (1ull << (2 * n)) - 1;
    for (uint64_t m = rowMask; m; m &= m - 1) {
      const int r = __builtin_ctzll(m);
      const uint8_t* tables = qlut + static_cast<size_t>(r) * 2 * rb * 16 + 2 * j * 16;
      __m512i hit = _mm512_setzero_si512();
      for (size_t g = 0; g < groups; g++) {
        const __m512i a = _mm512_loadu_si512(tables + 128 * g), b = _mm512_loadu_si512(tables + 128 * g + 64);
        hit = _mm512_mask_mov_epi8(hit, static_cast<__mmask64>(0xffull << (8 * g)), _mm512_permutex2var_epi8(a, idx, b));
      }
      sums[r] += static_cast<uint32_t>(_mm512_reduce_add_epi64(_mm512_sad_epu8(_mm512_maskz_mov_epi8(valid, hit), _mm512_setzero_si512())));
    }
  }
}

void refineTokens(const RefinePassage& rp, const uint8_t* qlut, const float* tau, const float* ceiling, const float* delta,
                  const float* bias, float* best) {
  const int rows = rp.rows, groups = (rows + 15) / 16;
  __mmask16 valid[4];
  __m512 lo[4], hi[4], dl[4], bi[4], top[4];
  for (int g = 0; g < groups; g++) {
    const int left = rows - 16 * g;
    valid[g] = left >= 16 ? static_cast<__mmask16>(0xffff) : static_cast<__mmask16>((1u << left) - 1);
    lo[g] = _mm512_maskz_loadu_ps(valid[g], tau + 16 * g);
    hi[g] = _mm512_maskz_loadu_ps(valid[g], ceiling + 16 * g);
    dl[g] = _mm512_maskz_loadu_ps(valid[g], delta + 16 * g);
    bi[g] = _mm512_maskz_loadu_ps(valid[g], bias + 16 * g);
    top[g] = _mm512_maskz_loadu_ps(valid[g], best + 16 * g);
  }
  alignas(64) uint32_t sums[64];
  size_t nextAt = 0;
  for (size_t t = 0; t < rp.n; t++) {
    for (size_t l = 0; l < rp.linesPerToken && nextAt < rp.nextBytes; l++, nextAt += 64) __builtin_prefetch(rp.nextFrom + nextAt);
    const float* row = rp.local + t * rows;
    __m512 v[4];
    uint64_t in = 0;
    for (int g = 0; g < groups; g++) {
      v[g] = _mm512_maskz_loadu_ps(valid[g], row + 16 * g);
      const __mmask16 ge = _mm512_mask_cmp_ps_mask(valid[g], v[g], lo[g], _CMP_GE_OQ);
      in |= static_cast<uint64_t>(_mm512_mask_cmp_ps_mask(ge, v[g], hi[g], _CMP_LE_OQ)) << (16 * g);
    }
    if (!in) continue;
    nibbleSums(rp.packed + t * rp.rb, rp.rb, qlut, in, sums);
    const __m512 inv = _mm512_set1_ps(rp.invNorm[t]);
    for (int g = 0; g < groups; g++) {
      const __mmask16 m = static_cast<__mmask16>(in >> (16 * g));
      if (!m) continue;
      // The scalar order: dot = float(sum) * delta + bias; (centroid score + dot) * invNorm.
      const __m512 dot = _mm512_add_ps(_mm512_mul_ps(_mm512_cvtepu32_ps(_mm512_maskz_loadu_epi32(m, sums + 16 * g)), dl[g]), bi[g]);
      const __m512 s = _mm512_mul_ps(_mm512_add_ps(v[g], dot), inv);
      // max(s, top) keeps top where s is not greater (as `if (s > best) best = s`).
      top[g] = _mm512_mask_max_ps(top[g], m, s, top[g]);
    }
  }
  for (int g = 0; g < groups; g++) _mm512_mask_storeu_ps(best + 16 * g, valid[g], top[g]);
}

}  // namespace vbmi
}  // namespace tartan

TARTAN_TARGET_POP
