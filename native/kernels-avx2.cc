// AVX2 + FMA + F16C MaxSim kernels: the same scheme as the AVX-512 file (transposed query, broadcast
// document values, running max without horizontal reductions) with 256-bit registers: 16 query
// rows per chunk and 6 document rows per block fill 12 of the 16 ymm registers with accumulators.
// int8 uses exact 16-bit multiply-adds (vpmaddwd), which cannot saturate.
#include <immintrin.h>

#include <algorithm>
#include <chrono>
#include <cstring>
#include <limits>
#include <vector>

#include "simd-target.h"
#include "kernels.h"

TARTAN_TARGET_PUSH("avx2,fma,f16c")

namespace tartan {
namespace {

constexpr int QB = 16;  // query rows per chunk (two ymm registers)
constexpr int DB = 6;   // document rows per block

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
  // int8: qt[k2][qpad] holds 2 consecutive query values of one row as int16 per 32-bit lane.
  const size_t k2n = (dim + 1) / 2;
  const size_t bytes = k2n * qpad * sizeof(int32_t);
  if (dst == nullptr) return bytes;
  std::memset(dst, 0, bytes);
  int16_t* qt = static_cast<int16_t*>(dst);
  for (int q = 0; q < job.qrows; q++)
    for (size_t k = 0; k < dim; k++) qt[((k / 2) * qpad + q) * 2 + (k % 2)] = job.query8[q * dim + k];
  return bytes;
}

inline void blockF32(const float* rows, int dim, const float* qt, size_t qpad, __m256& m0, __m256& m1) {
  __m256 a0[DB], a1[DB];
#pragma GCC unroll 6
  for (int j = 0; j < DB; j++) { a0[j] = _mm256_setzero_ps(); a1[j] = _mm256_setzero_ps(); }
  for (int k = 0; k < dim; k++) {
    const __m256 q0 = _mm256_load_ps(qt + k * qpad);
    const __m256 q1 = _mm256_load_ps(qt + k * qpad + 8);
#pragma GCC unroll 6
    for (int j = 0; j < DB; j++) {
      const __m256 b = _mm256_broadcast_ss(rows + j * dim + k);
      a0[j] = _mm256_fmadd_ps(b, q0, a0[j]);
      a1[j] = _mm256_fmadd_ps(b, q1, a1[j]);
    }
  }
#pragma GCC unroll 6
  for (int j = 0; j < DB; j++) { m0 = _mm256_max_ps(m0, a0[j]); m1 = _mm256_max_ps(m1, a1[j]); }
}

inline bool allFinite(const float* p, size_t n) {
  __m256 acc = _mm256_setzero_ps();
  const __m256 zero = _mm256_setzero_ps();
  size_t i = 0;
  for (; i + 8 <= n; i += 8) acc = _mm256_fmadd_ps(_mm256_loadu_ps(p + i), zero, acc);
  float rest = 0;
  for (; i < n; i++) rest += p[i] * 0.0f;
  alignas(32) float lanes[8];
  _mm256_store_ps(lanes, acc);
  for (float v : lanes) rest += v;
  return rest == rest;
}

// Scores rows padded to a multiple of DB (the last row repeated, which leaves every max unchanged).
float scorePadded(const MaxSimJob& job, const float* rows, size_t blocks, float* maxes) {
  const size_t qpad = job.qpad, dim = job.dim;
  const float* qt = static_cast<const float*>(job.packed);
  for (size_t c = 0; c < qpad; c += QB) {
    __m256 m0 = _mm256_set1_ps(-std::numeric_limits<float>::infinity()), m1 = m0;
    for (size_t b = 0; b < blocks; b++) blockF32(rows + b * DB * dim, job.dim, qt + c, qpad, m0, m1);
    _mm256_storeu_ps(maxes + c, m0);
    _mm256_storeu_ps(maxes + c + 8, m1);
  }
  return weightedSum(maxes, job.weights, job.qrows);
}

int64_t f32Range(const MaxSimJob& job, size_t begin, size_t end) {
  const size_t dim = job.dim;
  const float* docs = static_cast<const float*>(job.docs);
  const float* qt = static_cast<const float*>(job.packed);
  std::vector<float> tail(DB * dim), maxes(job.qpad);
  int64_t bad = -1;
  for (size_t i = begin; i < end; i++) {
    const size_t r0 = job.offsets[i], n = job.offsets[i + 1] - r0;
    if (n == 0) { job.out[i] = 0; continue; }
    const float* base = docs + r0 * dim;
    if (bad < 0 && !allFinite(base, n * dim)) bad = static_cast<int64_t>(i);
    const size_t full = n / DB, rem = n % DB, qpad = job.qpad;
    if (rem) {
      std::memcpy(tail.data(), base + full * DB * dim, rem * dim * sizeof(float));
      for (size_t j = rem; j < DB; j++) std::memcpy(tail.data() + j * dim, base + (n - 1) * dim, dim * sizeof(float));
    }
    for (size_t c = 0; c < qpad; c += QB) {
      __m256 m0 = _mm256_set1_ps(-std::numeric_limits<float>::infinity()), m1 = m0;
      for (size_t b = 0; b < full; b++) blockF32(base + b * DB * dim, job.dim, qt + c, qpad, m0, m1);
      if (rem) blockF32(tail.data(), job.dim, qt + c, qpad, m0, m1);
      _mm256_storeu_ps(maxes.data() + c, m0);
      _mm256_storeu_ps(maxes.data() + c + 8, m1);
    }
    job.out[i] = weightedSum(maxes.data(), job.weights, job.qrows);
  }
  return bad;
}

int64_t f16Range(const MaxSimJob& job, size_t begin, size_t end) {
  const size_t dim = job.dim;
  const uint16_t* docs = static_cast<const uint16_t*>(job.docs);
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
    for (; k + 8 <= count; k += 8)
      _mm256_storeu_ps(rows.data() + k, _mm256_cvtph_ps(_mm_loadu_si128(reinterpret_cast<const __m128i*>(src + k))));
    for (; k < count; k++) rows[k] = _cvtsh_ss(src[k]);
    if (bad < 0 && !allFinite(rows.data(), count)) bad = static_cast<int64_t>(i);
    for (size_t j = n; j < blocks * DB; j++) std::memcpy(rows.data() + j * dim, rows.data() + (n - 1) * dim, dim * sizeof(float));
    job.out[i] = scorePadded(job, rows.data(), blocks, maxes.data());
  }
  return bad;
}

inline void blockI8(const int16_t* rows, size_t dim2, const float* scales, const int32_t* qt, size_t qpad, __m256& m0, __m256& m1) {
  __m256i a0[DB], a1[DB];
#pragma GCC unroll 6
  for (int j = 0; j < DB; j++) { a0[j] = _mm256_setzero_si256(); a1[j] = _mm256_setzero_si256(); }
  for (size_t k2 = 0; k2 < dim2 / 2; k2++) {
    const __m256i q0 = _mm256_load_si256(reinterpret_cast<const __m256i*>(qt + k2 * qpad));
    const __m256i q1 = _mm256_load_si256(reinterpret_cast<const __m256i*>(qt + k2 * qpad + 8));
#pragma GCC unroll 6
    for (int j = 0; j < DB; j++) {
      int32_t pair;
      std::memcpy(&pair, rows + j * dim2 + 2 * k2, 4);
      const __m256i b = _mm256_set1_epi32(pair);
      a0[j] = _mm256_add_epi32(a0[j], _mm256_madd_epi16(b, q0));
      a1[j] = _mm256_add_epi32(a1[j], _mm256_madd_epi16(b, q1));
    }
  }
#pragma GCC unroll 6
  for (int j = 0; j < DB; j++) {
    const __m256 s = _mm256_set1_ps(scales[j]);
    m0 = _mm256_max_ps(m0, _mm256_mul_ps(_mm256_cvtepi32_ps(a0[j]), s));
    m1 = _mm256_max_ps(m1, _mm256_mul_ps(_mm256_cvtepi32_ps(a1[j]), s));
  }
}

int64_t i8Range(const MaxSimJob& job, size_t begin, size_t end) {
  const size_t dim = job.dim, dim2 = (dim + 1) / 2 * 2, qpad = job.qpad;
  const int8_t* docs = static_cast<const int8_t*>(job.docs);
  const int32_t* qt = static_cast<const int32_t*>(job.packed);
  std::vector<int16_t> rows;
  std::vector<float> scales, maxes(qpad);
  for (size_t i = begin; i < end; i++) {
    const size_t r0 = job.offsets[i], n = job.offsets[i + 1] - r0;
    if (n == 0) { job.out[i] = 0; continue; }
    const size_t blocks = (n + DB - 1) / DB;
    if (rows.size() < blocks * DB * dim2) { rows.resize(blocks * DB * dim2, 0); scales.resize(blocks * DB); }
    for (size_t j = 0; j < n; j++) {
      const int8_t* src = docs + (r0 + j) * dim;
      int16_t* dst = rows.data() + j * dim2;
      size_t k = 0;
      for (; k + 16 <= dim; k += 16)
        _mm256_storeu_si256(reinterpret_cast<__m256i*>(dst + k), _mm256_cvtepi8_epi16(_mm_loadu_si128(reinterpret_cast<const __m128i*>(src + k))));
      for (; k < dim; k++) dst[k] = src[k];
      scales[j] = job.dscales[r0 + j];
    }
    for (size_t j = n; j < blocks * DB; j++) {
      std::memcpy(rows.data() + j * dim2, rows.data() + (n - 1) * dim2, dim2 * sizeof(int16_t));
      scales[j] = scales[n - 1];
    }
    for (size_t c = 0; c < qpad; c += QB) {
      __m256 m0 = _mm256_set1_ps(-std::numeric_limits<float>::infinity()), m1 = m0;
      for (size_t b = 0; b < blocks; b++) blockI8(rows.data() + b * DB * dim2, dim2, scales.data() + b * DB, qt + c, qpad, m0, m1);
      _mm256_storeu_ps(maxes.data() + c, _mm256_mul_ps(m0, _mm256_loadu_ps(job.qscales + c)));
      _mm256_storeu_ps(maxes.data() + c + 8, _mm256_mul_ps(m1, _mm256_loadu_ps(job.qscales + c + 8)));
    }
    job.out[i] = weightedSum(maxes.data(), job.weights, job.qrows);
  }
  return -1;
}

void peak(double seconds, double* perWall, double* perCpu) {
  const double cpu0 = threadCpuSeconds();
  __m256 a[10];
  for (int j = 0; j < 10; j++) a[j] = _mm256_set1_ps(1.0f + j * 1e-3f);
  const __m256 m = _mm256_set1_ps(0.999999f), c = _mm256_set1_ps(1e-7f);
  uint64_t iters = 0;
  const auto t0 = std::chrono::steady_clock::now();
  double elapsed = 0;
  do {
    for (int n = 0; n < 20000; n++) {
#pragma GCC unroll 10
      for (int j = 0; j < 10; j++) a[j] = _mm256_fmadd_ps(a[j], m, c);
    }
    iters += 20000;
    elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  } while (elapsed < seconds);
  alignas(32) float lanes[8];
  __m256 s = a[0];
  for (int j = 1; j < 10; j++) s = _mm256_add_ps(s, a[j]);
  _mm256_store_ps(lanes, s);
  volatile float sink = lanes[0];
  (void)sink;
  const double flop = static_cast<double>(iters) * 10 * 8 * 2;
  *perWall = flop / elapsed / 1e9;
  *perCpu = flop / std::max(1e-9, threadCpuSeconds() - cpu0) / 1e9;
}

}  // namespace

const KernelSet& avx2Kernels() {
  static const KernelSet set{"avx2", QB, prepare, f32Range, f16Range, i8Range, peak};
  return set;
}

namespace f16c {

bool supported() {
  __builtin_cpu_init();
  return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("f16c");
}

// Float32 to float16 bit patterns, rounding to nearest even (as floatToHalf in src/scoring/float16.ts).
void toHalf(const float* src, uint16_t* out, size_t n) {
  size_t i = 0;
  for (; i + 8 <= n; i += 8) {
    const __m128i h = _mm256_cvtps_ph(_mm256_loadu_ps(src + i), _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
    _mm_storeu_si128(reinterpret_cast<__m128i*>(out + i), h);
  }
  if (i < n) {
    float tail[8] = {0};
    uint16_t half[8];
    std::memcpy(tail, src + i, (n - i) * sizeof(float));
    _mm_storeu_si128(reinterpret_cast<__m128i*>(half), _mm256_cvtps_ph(_mm256_loadu_ps(tail), _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC));
    std::memcpy(out + i, half, (n - i) * sizeof(uint16_t));
  }
}

}  // namespace f16c

}  // namespace tartan

TARTAN_TARGET_POP
