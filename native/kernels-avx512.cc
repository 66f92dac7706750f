// AVX-512 MaxSim kernels (float32, float16 via F16C, int8 via VNNI).
//
// Layout: the query is transposed once to qt[k][qpad] so that one 512-bit load holds dimension k of
// 16 query rows. Document rows are streamed DB at a time; each document value is broadcast and
// multiplied into 2 x 16 query rows, so 2 * DB accumulators (24 registers) hold the similarities of
// 32 query rows against DB document rows and the running max needs no horizontal reduction.
// Everything in this file is compiled for AVX-512 through the target pragma below and lives in an
// anonymous namespace, so no AVX-512 code can leak into the other kernel sets; addon.cc only calls
// it after checking the CPU.
#include <immintrin.h>

#include <algorithm>
#include <chrono>
#include <cstring>
#include <limits>
#include <vector>

#include "simd-target.h"
#include "kernels.h"

TARTAN_TARGET_PUSH("avx512f,avx512bw,avx512vl,avx512vnni,avx2,fma,f16c")

#include "vnni-dot.h"

namespace tartan {
namespace {

constexpr int QB = 32;  // query rows per chunk (two zmm registers)
constexpr int DB = 12;  // document rows per block

inline size_t roundUp(size_t n, size_t m) { return (n + m - 1) / m * m; }

size_t prepare(const MaxSimJob& job, DType dtype, void* dst) {
  const size_t qpad = job.qpad, dim = job.dim;
  if (dtype != DType::I8) {
    const size_t bytes = dim * qpad * sizeof(float);
    if (dst == nullptr) return bytes;
    float* qt = static_cast<float*>(dst);
    std::memset(qt, 0, bytes);
    for (int q = 0; q < job.qrows; q++)
      for (size_t k = 0; k < dim; k++) qt[k * qpad + q] = job.query[q * dim + k];
    return bytes;
  }
  // int8: qt[k4][qpad] holds 4 consecutive int8 values of one query row per 32-bit lane, then
  // corr[qpad] = 128 * sum(q): documents enter VNNI as unsigned bytes (d + 128).
  const size_t k4n = (dim + 3) / 4;
  const size_t bytes = (k4n * qpad + qpad) * sizeof(int32_t);
  if (dst == nullptr) return bytes;
  std::memset(dst, 0, bytes);
  int8_t* qt = static_cast<int8_t*>(dst);
  int32_t* corr = static_cast<int32_t*>(dst) + k4n * qpad;
  for (int q = 0; q < job.qrows; q++) {
    int32_t sum = 0;
    for (size_t k = 0; k < dim; k++) {
      const int8_t v = job.query8[q * dim + k];
      qt[((k / 4) * qpad + q) * 4 + (k % 4)] = v;
      sum += v;
    }
    corr[q] = 128 * sum;
  }
  return bytes;
}

// Running max over DB contiguous rows (stride `dim`) for 32 query rows starting at qt.
template <int DIM>
inline void blockF32(const float* rows, int dimRt, const float* qt, size_t qpad, __m512& m0, __m512& m1) {
  const int dim = DIM ? DIM : dimRt;
  __m512 a0[DB], a1[DB];
#pragma GCC unroll 12
  for (int j = 0; j < DB; j++) { a0[j] = _mm512_setzero_ps(); a1[j] = _mm512_setzero_ps(); }
  for (int k = 0; k < dim; k++) {
    const __m512 q0 = _mm512_load_ps(qt + k * qpad);
    const __m512 q1 = _mm512_load_ps(qt + k * qpad + 16);
#pragma GCC unroll 12
    for (int j = 0; j < DB; j++) {
      const __m512 b = _mm512_set1_ps(rows[j * dim + k]);
      a0[j] = _mm512_fmadd_ps(b, q0, a0[j]);
      a1[j] = _mm512_fmadd_ps(b, q1, a1[j]);
    }
  }
#pragma GCC unroll 12
  for (int j = 0; j < DB; j++) { m0 = _mm512_max_ps(m0, a0[j]); m1 = _mm512_max_ps(m1, a1[j]); }
}

// Pulls bytes [p, p + bytes) toward L1 (clamped to `end`) while the current block computes, so
// streaming documents from memory overlaps with arithmetic instead of preceding it.
inline void prefetch(const void* p, size_t bytes, const void* end) {
  const char* s = static_cast<const char*>(p);
  const char* e = std::min(s + bytes, static_cast<const char*>(end));
  for (; s < e; s += 64) _mm_prefetch(s, _MM_HINT_T0);
}

// True when all n floats are finite: x * 0 is NaN exactly for NaN and +-Inf.
inline bool allFinite(const float* p, size_t n) {
  __m512 acc = _mm512_setzero_ps();
  const __m512 zero = _mm512_setzero_ps();
  size_t i = 0;
  for (; i + 16 <= n; i += 16) acc = _mm512_fmadd_ps(_mm512_loadu_ps(p + i), zero, acc);
  if (i < n) acc = _mm512_fmadd_ps(_mm512_maskz_loadu_ps(static_cast<__mmask16>((1u << (n - i)) - 1), p + i), zero, acc);
  return _mm512_cmp_ps_mask(acc, acc, _CMP_UNORD_Q) == 0;
}

// Scores one document whose rows (padded to a multiple of DB by repeating the last row) are in `rows`.
// While block b computes, the next document's source rows (`ahead`, `aheadRowBytes` each) are
// prefetched two blocks' worth at a time.
template <int DIM>
void scoreRowsF32(const MaxSimJob& job, const float* qt, const float* rows, size_t blocks, float* maxes,
                  const char* ahead, size_t aheadRowBytes, const void* end) {
  const size_t qpad = job.qpad, dim = job.dim;
  for (size_t c = 0; c < qpad; c += QB) {
    __m512 m0 = _mm512_set1_ps(-std::numeric_limits<float>::infinity()), m1 = m0;
    for (size_t b = 0; b < blocks; b++) {
      if (c == 0) prefetch(ahead + b * 2 * DB * aheadRowBytes, 2 * DB * aheadRowBytes, end);
      blockF32<DIM>(rows + b * DB * dim, job.dim, qt + c, qpad, m0, m1);
    }
    _mm512_storeu_ps(maxes + c, m0);
    _mm512_storeu_ps(maxes + c + 16, m1);
  }
}

template <int DIM>
int64_t f32Range(const MaxSimJob& job, size_t begin, size_t end) {
  const size_t dim = job.dim;
  const float* docs = static_cast<const float*>(job.docs);
  const float* qt = static_cast<const float*>(job.packed);
  std::vector<float> tail(DB * dim), maxes(job.qpad);
  const float* dataEnd = docs + static_cast<size_t>(job.offsets[job.ndocs]) * dim;
  int64_t bad = -1;
  for (size_t i = begin; i < end; i++) {
    const size_t r0 = job.offsets[i], n = job.offsets[i + 1] - r0;
    if (n == 0) { job.out[i] = 0; continue; }
    const float* base = docs + r0 * dim;
    const size_t full = n / DB, rem = n % DB;
    const size_t qpad = job.qpad;
    for (size_t c = 0; c < qpad; c += QB) {
      __m512 m0 = _mm512_set1_ps(-std::numeric_limits<float>::infinity()), m1 = m0;
      for (size_t b = 0; b < full; b++) {
        const float* block = base + b * DB * dim;
        if (c == 0) {
          prefetch(block + 2 * DB * dim, DB * dim * sizeof(float), dataEnd);
          if (bad < 0 && !allFinite(block, DB * dim)) bad = static_cast<int64_t>(i);
        }
        blockF32<DIM>(block, job.dim, qt + c, qpad, m0, m1);
      }
      if (rem) {
        // Repeating the last row leaves every max unchanged, so the tail block needs no masking.
        if (c == 0) {
          if (bad < 0 && !allFinite(base + full * DB * dim, rem * dim)) bad = static_cast<int64_t>(i);
          std::memcpy(tail.data(), base + full * DB * dim, rem * dim * sizeof(float));
          for (size_t j = rem; j < DB; j++) std::memcpy(tail.data() + j * dim, base + (n - 1) * dim, dim * sizeof(float));
        }
        blockF32<DIM>(tail.data(), job.dim, qt + c, qpad, m0, m1);
      }
      _mm512_storeu_ps(maxes.data() + c, m0);
      _mm512_storeu_ps(maxes.data() + c + 16, m1);
    }
    job.out[i] = weightedSum(maxes.data(), job.weights, job.qrows);
  }
  return bad;
}

template <int DIM>
int64_t f16Range(const MaxSimJob& job, size_t begin, size_t end) {
  const size_t dim = job.dim;
  const uint16_t* docs = static_cast<const uint16_t*>(job.docs);
  const float* qt = static_cast<const float*>(job.packed);
  std::vector<float> rows, maxes(job.qpad);
  int64_t bad = -1;
  for (size_t i = begin; i < end; i++) {
    const size_t r0 = job.offsets[i], n = job.offsets[i + 1] - r0;
    if (n == 0) { job.out[i] = 0; continue; }
    const size_t blocks = (n + DB - 1) / DB;
    if (rows.size() < blocks * DB * dim) rows.resize(blocks * DB * dim);
    const uint16_t* src = docs + r0 * dim;
    const size_t count = n * dim;
    size_t k = 0;
    for (; k + 16 <= count; k += 16)
      _mm512_storeu_ps(rows.data() + k, _mm512_cvtph_ps(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(src + k))));
    if (k < count) {
      const __mmask16 m = static_cast<__mmask16>((1u << (count - k)) - 1);
      _mm512_mask_storeu_ps(rows.data() + k, m, _mm512_cvtph_ps(_mm256_maskz_loadu_epi16(m, src + k)));
    }
    if (bad < 0 && !allFinite(rows.data(), count)) bad = static_cast<int64_t>(i);
    for (size_t j = n; j < blocks * DB; j++) std::memcpy(rows.data() + j * dim, rows.data() + (n - 1) * dim, dim * sizeof(float));
    scoreRowsF32<DIM>(job, qt, rows.data(), blocks, maxes.data(), reinterpret_cast<const char*>(src + count),
                      dim * sizeof(uint16_t), docs + static_cast<size_t>(job.offsets[job.ndocs]) * dim);
    job.out[i] = weightedSum(maxes.data(), job.weights, job.qrows);
  }
  return bad;
}

// int8 block: rows are unsigned bytes (d + 128) with stride dim4; scales one per row.
template <int DIM>
inline void blockI8(const uint8_t* rows, size_t dim4Rt, const float* scales, const int32_t* qt, size_t qpad,
                    __m512i c0, __m512i c1, __m512& m0, __m512& m1) {
  const size_t dim4 = DIM ? (DIM + 3) / 4 * 4 : dim4Rt;
  __m512i a0[DB], a1[DB];
#pragma GCC unroll 12
  for (int j = 0; j < DB; j++) { a0[j] = _mm512_setzero_si512(); a1[j] = _mm512_setzero_si512(); }
  for (size_t k4 = 0; k4 < dim4 / 4; k4++) {
    const __m512i q0 = _mm512_load_si512(qt + k4 * qpad);
    const __m512i q1 = _mm512_load_si512(qt + k4 * qpad + 16);
#pragma GCC unroll 12
    for (int j = 0; j < DB; j++) {
      int32_t quad;
      std::memcpy(&quad, rows + j * dim4 + 4 * k4, 4);
      const __m512i b = _mm512_set1_epi32(quad);
      a0[j] = dpbusdInPlace(a0[j], b, q0);
      a1[j] = dpbusdInPlace(a1[j], b, q1);
    }
  }
#pragma GCC unroll 12
  for (int j = 0; j < DB; j++) {
    const __m512 s = _mm512_set1_ps(scales[j]);
    m0 = _mm512_max_ps(m0, _mm512_mul_ps(_mm512_cvtepi32_ps(_mm512_sub_epi32(a0[j], c0)), s));
    m1 = _mm512_max_ps(m1, _mm512_mul_ps(_mm512_cvtepi32_ps(_mm512_sub_epi32(a1[j], c1)), s));
  }
}

template <int DIM>
int64_t i8Range(const MaxSimJob& job, size_t begin, size_t end) {
  const size_t dim = job.dim, dim4 = roundUp(dim, 4), qpad = job.qpad;
  const int8_t* docs = static_cast<const int8_t*>(job.docs);
  const int32_t* qt = static_cast<const int32_t*>(job.packed);
  const int32_t* corr = qt + (dim4 / 4) * qpad;
  std::vector<uint8_t> rows;
  std::vector<float> scales, maxes(qpad);
  const int8_t* dataEnd = docs + static_cast<size_t>(job.offsets[job.ndocs]) * dim;
  const __m512i flip = _mm512_set1_epi8(static_cast<char>(0x80));
  for (size_t i = begin; i < end; i++) {
    const size_t r0 = job.offsets[i], n = job.offsets[i + 1] - r0;
    if (n == 0) { job.out[i] = 0; continue; }
    const size_t blocks = (n + DB - 1) / DB;
    if (rows.size() < blocks * DB * dim4) { rows.resize(blocks * DB * dim4); scales.resize(blocks * DB); }
    for (size_t j = 0; j < n; j++) {
      const int8_t* src = docs + (r0 + j) * dim;
      uint8_t* dst = rows.data() + j * dim4;
      size_t k = 0;
      for (; k + 64 <= dim; k += 64)
        _mm512_storeu_si512(dst + k, _mm512_xor_si512(_mm512_loadu_si512(src + k), flip));
      if (k < dim) {
        const __mmask64 m = (~0ULL) >> (64 - (dim - k));
        _mm512_mask_storeu_epi8(dst + k, m, _mm512_xor_si512(_mm512_maskz_loadu_epi8(m, src + k), flip));
      }
      scales[j] = job.dscales[r0 + j];
    }
    for (size_t j = n; j < blocks * DB; j++) {
      std::memcpy(rows.data() + j * dim4, rows.data() + (n - 1) * dim4, dim4);
      scales[j] = scales[n - 1];
    }
    for (size_t c = 0; c < qpad; c += QB) {
      const __m512i c0 = _mm512_loadu_si512(corr + c), c1 = _mm512_loadu_si512(corr + c + 16);
      __m512 m0 = _mm512_set1_ps(-std::numeric_limits<float>::infinity()), m1 = m0;
      for (size_t b = 0; b < blocks; b++) {
        if (c == 0) prefetch(docs + (r0 + n + b * 2 * DB) * dim, 2 * DB * dim, dataEnd);
        blockI8<DIM>(rows.data() + b * DB * dim4, dim4, scales.data() + b * DB, qt + c, qpad, c0, c1, m0, m1);
      }
      _mm512_storeu_ps(maxes.data() + c, _mm512_mul_ps(m0, _mm512_loadu_ps(job.qscales + c)));
      _mm512_storeu_ps(maxes.data() + c + 16, _mm512_mul_ps(m1, _mm512_loadu_ps(job.qscales + c + 16)));
    }
    job.out[i] = weightedSum(maxes.data(), job.weights, job.qrows);
  }
  return -1;
}

template <int64_t (*K96)(const MaxSimJob&, size_t, size_t), int64_t (*K128)(const MaxSimJob&, size_t, size_t),
          int64_t (*KAny)(const MaxSimJob&, size_t, size_t)>
int64_t byDim(const MaxSimJob& job, size_t begin, size_t end) {
  // The common ColBERT widths get loops with constant strides; any other width takes the generic loop.
  if (job.dim == 96) return K96(job, begin, end);
  if (job.dim == 128) return K128(job, begin, end);
  return KAny(job, begin, end);
}

void peak(double seconds, double* perWall, double* perCpu) {
  const double cpu0 = threadCpuSeconds();
  // Twelve independent FMA chains cover the FMA latency on both FMA ports.
  __m512 a[12];
  for (int j = 0; j < 12; j++) a[j] = _mm512_set1_ps(1.0f + j * 1e-3f);
  const __m512 m = _mm512_set1_ps(0.999999f), c = _mm512_set1_ps(1e-7f);
  uint64_t iters = 0;
  const auto t0 = std::chrono::steady_clock::now();
  double elapsed = 0;
  do {
    for (int n = 0; n < 20000; n++) {
#pragma GCC unroll 12
      for (int j = 0; j < 12; j++) a[j] = _mm512_fmadd_ps(a[j], m, c);
    }
    iters += 20000;
    elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  } while (elapsed < seconds);
  __m512 s = a[0];
  for (int j = 1; j < 12; j++) s = _mm512_add_ps(s, a[j]);
  volatile float sink = _mm512_reduce_add_ps(s);
  (void)sink;
  const double flop = static_cast<double>(iters) * 12 * 16 * 2;
  *perWall = flop / elapsed / 1e9;
  *perCpu = flop / std::max(1e-9, threadCpuSeconds() - cpu0) / 1e9;
}

}  // namespace

const KernelSet& avx512Kernels() {
  static const KernelSet set{"avx512", QB, prepare,
                             byDim<f32Range<96>, f32Range<128>, f32Range<0>>,
                             byDim<f16Range<96>, f16Range<128>, f16Range<0>>,
                             byDim<i8Range<96>, i8Range<128>, i8Range<0>>, peak};
  return set;
}

}  // namespace tartan

TARTAN_TARGET_POP
