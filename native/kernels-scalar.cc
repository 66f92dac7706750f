// Portable MaxSim kernels: plain loops the compiler may vectorise for the baseline ISA.
// Used where the CPU has neither AVX2+FMA nor AVX-512, and as the reference in native tests.
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstring>
#include <limits>
#include <vector>

#include "kernels.h"

namespace tartan {
namespace {

float halfToFloat(uint16_t h) {
  const uint32_t sign = static_cast<uint32_t>(h & 0x8000u) << 16;
  uint32_t exp = (h >> 10) & 0x1fu;
  uint32_t mant = h & 0x3ffu;
  uint32_t bits;
  if (exp == 0x1f) {
    bits = sign | 0x7f800000u | (mant << 13);
  } else if (exp != 0) {
    bits = sign | ((exp + 112u) << 23) | (mant << 13);
  } else if (mant == 0) {
    bits = sign;
  } else {
    // Subnormal half: shift the mantissa up until its leading one reaches the implicit bit.
    exp = 113;
    while ((mant & 0x400u) == 0) { mant <<= 1; exp--; }
    bits = sign | (exp << 23) | ((mant & 0x3ffu) << 13);
  }
  float f;
  std::memcpy(&f, &bits, sizeof f);
  return f;
}

size_t prepare(const MaxSimJob&, DType, void*) { return 0; }

template <typename RowLoader>
int64_t scoreRange(const MaxSimJob& job, size_t begin, size_t end, RowLoader load) {
  const int qrows = job.qrows, dim = job.dim;
  std::vector<float> row(dim), maxes(qrows);
  int64_t bad = -1;
  for (size_t i = begin; i < end; i++) {
    const uint32_t r0 = job.offsets[i], r1 = job.offsets[i + 1];
    if (r0 == r1) { job.out[i] = 0; continue; }
    for (int q = 0; q < qrows; q++) maxes[q] = -std::numeric_limits<float>::infinity();
    for (uint32_t r = r0; r < r1; r++) {
      float scale = 1;
      load(r, row.data(), scale);
      for (int k = 0; k < dim; k++) if (!std::isfinite(row[k])) { if (bad < 0) bad = static_cast<int64_t>(i); }
      for (int q = 0; q < qrows; q++) {
        const float* qv = job.query + static_cast<size_t>(q) * dim;
        float acc = 0;
        for (int k = 0; k < dim; k++) acc += qv[k] * row[k];
        maxes[q] = std::fmax(maxes[q], acc * scale);
      }
    }
    job.out[i] = weightedSum(maxes.data(), job.weights, qrows);
  }
  return bad;
}

int64_t f32Range(const MaxSimJob& job, size_t begin, size_t end) {
  const float* docs = static_cast<const float*>(job.docs);
  const size_t dim = job.dim;
  return scoreRange(job, begin, end, [&](uint32_t r, float* row, float&) { std::memcpy(row, docs + r * dim, dim * sizeof(float)); });
}

int64_t f16Range(const MaxSimJob& job, size_t begin, size_t end) {
  const uint16_t* docs = static_cast<const uint16_t*>(job.docs);
  const size_t dim = job.dim;
  return scoreRange(job, begin, end, [&](uint32_t r, float* row, float&) {
    for (size_t k = 0; k < dim; k++) row[k] = halfToFloat(docs[r * dim + k]);
  });
}

// int8: exact integer dot products, then dequantised with the document row's and query row's scales.
int64_t i8Range(const MaxSimJob& job, size_t begin, size_t end) {
  const int8_t* docs = static_cast<const int8_t*>(job.docs);
  const int qrows = job.qrows, dim = job.dim;
  std::vector<float> maxes(qrows);
  for (size_t i = begin; i < end; i++) {
    const uint32_t r0 = job.offsets[i], r1 = job.offsets[i + 1];
    if (r0 == r1) { job.out[i] = 0; continue; }
    for (int q = 0; q < qrows; q++) maxes[q] = -std::numeric_limits<float>::infinity();
    for (uint32_t r = r0; r < r1; r++) {
      const int8_t* d = docs + static_cast<size_t>(r) * dim;
      for (int q = 0; q < qrows; q++) {
        const int8_t* qv = job.query8 + static_cast<size_t>(q) * dim;
        int32_t acc = 0;
        for (int k = 0; k < dim; k++) acc += static_cast<int32_t>(qv[k]) * d[k];
        maxes[q] = std::fmax(maxes[q], static_cast<float>(acc) * job.dscales[r]);
      }
    }
    for (int q = 0; q < qrows; q++) maxes[q] *= job.qscales[q];
    job.out[i] = weightedSum(maxes.data(), job.weights, qrows);
  }
  return -1;
}

void peak(double seconds, double* perWall, double* perCpu) {
  const double cpu0 = threadCpuSeconds();
  // Eight independent scalar multiply-add chains: the best a portable loop can do.
  float a[8] = {1, 1, 1, 1, 1, 1, 1, 1};
  const float m = 0.999999f, c = 1e-7f;
  uint64_t iters = 0;
  const auto t0 = std::chrono::steady_clock::now();
  double elapsed = 0;
  do {
    for (int n = 0; n < 100000; n++)
      for (int j = 0; j < 8; j++) a[j] = a[j] * m + c;
    iters += 100000;
    elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  } while (elapsed < seconds);
  volatile float sink = a[0] + a[7];
  (void)sink;
  const double flop = static_cast<double>(iters) * 8 * 2;
  *perWall = flop / elapsed / 1e9;
  *perCpu = flop / std::max(1e-9, threadCpuSeconds() - cpu0) / 1e9;
}

}  // namespace

const KernelSet& scalarKernels() {
  static const KernelSet set{"scalar", 1, prepare, f32Range, f16Range, i8Range, peak};
  return set;
}

}  // namespace tartan
