// Builds for CPUs without x86 vector extensions (arm64) compile this file instead of the x86
// variant files (binding.gyp): every variant reports itself unsupported, so the dispatchers in
// addon.cc, plaid.cc, plaid-tokens.cc and plaid-fastscan.cc take their scalar paths and the
// other entry points below are never reached.
#include <cstdlib>

#include "kernels.h"
#include "plaid-fastscan.h"
#include "plaid.h"

namespace tartan {

const KernelSet& avx2Kernels() { return scalarKernels(); }
const KernelSet& avx512Kernels() { return scalarKernels(); }

namespace f16c {
bool supported() { return false; }
void toHalf(const float*, uint16_t*, size_t) { std::abort(); }
}  // namespace f16c

namespace vnni {
bool supported() { return false; }
void centroidScoresI8(const int8_t*, const float*, int, int, const int8_t*, const float*, const int32_t*, size_t, float*) {
  std::abort();
}
void nearestI8(const float*, size_t, int, const int8_t*, const float*, const int32_t*, size_t, uint32_t*) { std::abort(); }
}  // namespace vnni

namespace avx512 {
bool supported() { return false; }
void centroidScores(const float*, int, int, const float*, size_t, float*) { std::abort(); }
void nearest(const float*, size_t, int, const float*, size_t, uint32_t*) { std::abort(); }
void invNorms(const ResidualDecoder&, const uint16_t*, const uint8_t*, size_t, float*) { std::abort(); }
void invNorms(const ResidualDecoder&, const uint32_t*, const uint8_t*, size_t, float*) { std::abort(); }
void passageBest(const uint16_t*, size_t, const float*, int, float*) { std::abort(); }
void passageBest(const uint32_t*, size_t, const float*, int, float*) { std::abort(); }
void gatherRows(const uint16_t*, size_t, const float*, int, float*, float*) { std::abort(); }
void gatherRows(const uint32_t*, size_t, const float*, int, float*, float*) { std::abort(); }
void countRowsInRange(const float*, size_t, int, const float*, const float*, uint32_t*) { std::abort(); }
uint64_t rowsInRange(const float*, const float*, const float*, int) { std::abort(); }
bool anyAbove(const float*, const float*, int) { std::abort(); }
void decodeRows(const ResidualDecoder&, const uint16_t*, const uint8_t*, size_t, float*) { std::abort(); }
void decodeRows(const ResidualDecoder&, const uint32_t*, const uint8_t*, size_t, float*) { std::abort(); }
}  // namespace avx512

namespace vbmi {
bool supported() { return false; }
void refineTokens(const RefinePassage&, const uint8_t*, const float*, const float*, const float*, const float*, float*) { std::abort(); }
}  // namespace vbmi

namespace avx2 {
bool supported() { return false; }
void blockScores(const uint8_t*, size_t, const uint8_t*, float, float, float, const float*, float*) { std::abort(); }
}  // namespace avx2

}  // namespace tartan
