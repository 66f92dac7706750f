// acc += u8 x s8 dot products per 32-bit lane (VPDPBUSD), updated in place: GCC 12 lowers the
// intrinsic with a register copy per call and spilled a kernel's 24 accumulators to the stack (2x
// slower). Include inside a region compiled for AVX-512 VNNI (#pragma GCC target).
#pragma once
#include <immintrin.h>

namespace tartan {

inline __m512i dpbusdInPlace(__m512i acc, __m512i u8, __m512i s8) {
  asm("vpdpbusd %2, %1, %0" : "+v"(acc) : "v"(u8), "v"(s8));
  return acc;
}

}  // namespace tartan
