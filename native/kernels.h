// Shared declarations of the MaxSim kernels. Each instruction-set file (scalar, AVX2, AVX-512)
// implements the same three range kernels; addon.cc picks one set at run time.
#pragma once
#include <cstddef>
#include <cstdint>
#include <ctime>

#include "portable.h"

namespace tartan {

// One query, prepared once per call, and the packed documents it is scored against.
struct MaxSimJob {
  // Query as given: qrows x dim, row-major. f32 for the f32/f16 paths, int8 (+ per-row scale) for i8.
  const float* query = nullptr;
  const int8_t* query8 = nullptr;
  const float* qscales = nullptr;
  int qrows = 0;
  int dim = 0;
  // Per query row weight (1 for sum and mean); the kernel returns sum_q weight[q] * max_d sim(q, d).
  const float* weights = nullptr;
  // Documents: rows offsets[i]..offsets[i+1] of `docs` belong to document i.
  const void* docs = nullptr;
  const float* dscales = nullptr;  // i8 only: one scale per row
  const uint32_t* offsets = nullptr;
  size_t ndocs = 0;
  float* out = nullptr;  // one raw score per document
  // Kernel-specific packed query (built by the kernel set's prepare function).
  const void* packed = nullptr;
  int qpad = 0;
};

enum class DType { F32, F16, I8 };

// Scores documents [begin, end). Returns the lowest document index in the range holding a
// non-finite value, or -1.
using RangeKernel = int64_t (*)(const MaxSimJob& job, size_t begin, size_t end);
// Packs the query for a kernel set; returns the number of bytes needed when `dst` is null.
using PrepareFn = size_t (*)(const MaxSimJob& job, DType dtype, void* dst);

struct KernelSet {
  const char* isa;
  int qblock;  // the packed query is padded to a multiple of this many rows
  PrepareFn prepare;
  RangeKernel f32;
  RangeKernel f16;
  RangeKernel i8;
  // GFLOP/s of a pure FMA loop on the calling thread, per wall second and per CPU second of the
  // thread (the second is what the core delivers when it is not shared with other processes).
  void (*peak)(double seconds, double* perWallSecond, double* perCpuSecond);
};

const KernelSet& scalarKernels();
const KernelSet& avx2Kernels();
const KernelSet& avx512Kernels();

// The per-document epilogue shared by every kernel: sum_q weights[q] * maxes[q].
inline float weightedSum(const float* maxes, const float* weights, int qrows) {
  double s = 0;
  for (int q = 0; q < qrows; q++) s += static_cast<double>(weights[q]) * maxes[q];
  return static_cast<float>(s);
}

}  // namespace tartan
