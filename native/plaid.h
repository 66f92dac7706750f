// PLAID search kernels: the stages of src/plaid/search-stages.ts in C++, so that a search never
// materialises more than one passage of float vectors and never allocates per candidate.
// Every kernel has a TypeScript twin that returns the same values (stages 2 and 3 bit for bit,
// stages 1 and 4 to float32 rounding); test/plaid/kernels.test.ts compares them.
#pragma once
#include <cstddef>
#include <cstdint>

namespace tartan {

struct KernelSet;

// Stage 1: out[c * rows + q] = <query_q, centroid_c> for k centroids of `dim` floats.
void plaidCentroidScores(const float* query, int rows, int dim, const float* centroids, size_t k, float* out);

// Build time: packs the residual x - centroids[codes[t]] of each of n rows into nbits-bit bucket codes
// (bucket = number of the dimension's cutoffs <= the value, low bits first); returns the summed squared residual norm.
double plaidEncodeResiduals(const float* x, size_t n, int dim, int nbits, const float* centroids, const uint32_t* codes,
                            const float* cutoffs, uint8_t* out, int threads);

// Build time: the nearest (max dot product, first on ties) centroid of each of n rows, on `threads` threads.
void plaidNearest(const float* x, size_t n, int dim, const float* centroids, size_t k, uint32_t* out, int threads);

// Top `nprobe` centroids of every query row (ties to the lower id), probes[q * nprobe + i].
void plaidProbe(const float* scores, int rows, size_t k, int nprobe, uint32_t* probes, int threads = 1);

// Residual decoding shared by the decompressor and the reranker: bucket values transposed to
// wt[b * dim + d] so that one vector load holds bucket b of consecutive dimensions.
struct ResidualDecoder {
  int dim = 0;
  int nbits = 0;
  const float* centroids = nullptr;  // k x dim
  const float* wt = nullptr;         // (1 << nbits) x dim
};

// Decodes `n` tokens (codes + packed residuals, rb bytes each) into unit rows of out (n x dim).
template <typename Code>
void plaidDecompress(const ResidualDecoder& dec, const Code* codes, const uint8_t* packed, size_t n, float* out);

// Stage 4: exact MaxSim of the query against candidates whose tokens are codes[offsets[i]..] /
// packed[offsets[i] * rb ..], decompressed one candidate at a time into a reused buffer and
// scored by the f32 kernel of `set`. out[i] = sum_q weights[q] * max_t <q, v_t>.
template <typename Code>
void plaidRerank(const KernelSet& set, const float* query, int rows, const float* weights, const ResidualDecoder& dec,
                 const Code* codes, const uint8_t* packed, const uint32_t* offsets, size_t n, float* out);

// Stage 1 from int8 centroids (native/plaid-centroids-vnni.cc): out[c * rows + r] =
// float(sum_d q8[r][d] * c8[c][d]) * (qscale[r] * cscale[c]), where csum[c] = sum_d c8[c][d].
// Requires dim % 4 == 0 and vnni::supported().
namespace vnni {
bool supported();
void centroidScoresI8(const int8_t* q8, const float* qscale, int rows, int dim, const int8_t* c8, const float* cscale,
                      const int32_t* csum, size_t k, float* out);
// Build time: the centroid of highest int8 score for each of n float rows (quantised per row; first on ties).
void nearestI8(const float* x, size_t n, int dim, const int8_t* c8, const float* cscale, const int32_t* csum, size_t k, uint32_t* out);
}  // namespace vnni

// Float32 to float16 (F16C, native/kernels-avx2.cc); requires f16c::supported().
namespace f16c {
bool supported();
void toHalf(const float* src, uint16_t* out, size_t n);
}  // namespace f16c

// Instruction-set variants, chosen at run time in plaid.cc.
namespace avx512 {
bool supported();
void centroidScores(const float* query, int rows, int dim, const float* centroids, size_t k, float* out);
void nearest(const float* x, size_t n, int dim, const float* centroids, size_t k, uint32_t* out);
// 1 / |centroid + residual| per token (float32 sums).
void invNorms(const ResidualDecoder& dec, const uint16_t* codes, const uint8_t* packed, size_t n, float* out);
void invNorms(const ResidualDecoder& dec, const uint32_t* codes, const uint8_t* packed, size_t n, float* out);
// best[r] = max(best[r], scores[codes[t] * rows + r]) over n tokens.
void passageBest(const uint16_t* codes, size_t n, const float* scores, int rows, float* best);
void passageBest(const uint32_t* codes, size_t n, const float* scores, int rows, float* best);
// out[t * rows + r] = scores[codes[t] * rows + r] for the n tokens (a passage's rows gathered
// once, then scanned from L1/L2 instead of the centroid table), and best[r] = max(best[r], those).
void gatherRows(const uint16_t* codes, size_t n, const float* scores, int rows, float* out, float* best);
void gatherRows(const uint32_t* codes, size_t n, const float* scores, int rows, float* out, float* best);
// count[r] = number of the n rows t of m (n x rows) with lo[r] <= m[t * rows + r] <= hi[r].
void countRowsInRange(const float* m, size_t n, int rows, const float* lo, const float* hi, uint32_t* count);
// Bit r set where lo[r] <= row[r] <= hi[r], rows <= 64.
uint64_t rowsInRange(const float* row, const float* lo, const float* hi, int rows);
// True when row[q] > thr[q] for some q < rows.
bool anyAbove(const float* row, const float* thr, int rows);
// Requires dim % 16 == 0.
void decodeRows(const ResidualDecoder& dec, const uint16_t* codes, const uint8_t* packed, size_t n, float* out);
void decodeRows(const ResidualDecoder& dec, const uint32_t* codes, const uint8_t* packed, size_t n, float* out);
}  // namespace avx512

}  // namespace tartan
