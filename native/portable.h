// The few operating-system services the kernels use, in one place so that every platform's build
// (Linux, macOS, Windows with clang-cl) compiles the same kernel sources.
#pragma once
#include <cstddef>
#include <cstdlib>
#include <memory>

#ifdef _WIN32
#ifndef NOMINMAX
#define NOMINMAX
#endif
#ifndef WIN32_LEAN_AND_MEAN
#define WIN32_LEAN_AND_MEAN
#endif
#include <malloc.h>
#include <windows.h>
#else
#include <ctime>
#endif

namespace tartan {

// 64-byte aligned memory for packed operands (one cache line, one AVX-512 load); the size is
// rounded up to a multiple of 64 as std::aligned_alloc requires. Null when bytes is 0 or on failure.
inline void* alignedAlloc64(size_t bytes) {
  if (bytes == 0) return nullptr;
  const size_t rounded = (bytes + 63) / 64 * 64;
#ifdef _WIN32
  return _aligned_malloc(rounded, 64);
#else
  return std::aligned_alloc(64, rounded);
#endif
}

struct AlignedFree {
  void operator()(void* p) const {
#ifdef _WIN32
    _aligned_free(p);
#else
    std::free(p);
#endif
  }
};

// An owned alignedAlloc64 buffer of T.
template <typename T>
using AlignedBuffer = std::unique_ptr<T, AlignedFree>;

template <typename T>
AlignedBuffer<T> alignedBuffer(size_t bytes) {
  return AlignedBuffer<T>(static_cast<T*>(alignedAlloc64(bytes)));
}

// CPU time consumed by the calling thread, in seconds.
inline double threadCpuSeconds() {
#ifdef _WIN32
  FILETIME created, exited, kernel, user;
  if (!GetThreadTimes(GetCurrentThread(), &created, &exited, &kernel, &user)) return 0;
  auto ticks = [](const FILETIME& t) { return (static_cast<unsigned long long>(t.dwHighDateTime) << 32) | t.dwLowDateTime; };
  return static_cast<double>(ticks(kernel) + ticks(user)) * 1e-7;
#else
  timespec ts;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
#endif
}

}  // namespace tartan
