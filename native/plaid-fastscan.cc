// Fast-scan stage 2 (see plaid-fastscan.h): quantised nibble tables and the block scan. The
// float operations after the integer sums are written out one by one, in the order of the
// TypeScript twin, so both return the same bits.
#include "plaid-fastscan.h"

#include "plaid-tokens.h"
#include "thread-pool.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

namespace tartan {
namespace {

constexpr float kNegInf = -std::numeric_limits<float>::infinity();

bool simd() {
  static const bool yes = avx2::supported();
  return yes;
}

void blockScoresScalar(const uint8_t* bytes, size_t rb, const uint8_t* qlutRow, float delta, float bias, float centroidScore,
                       const float* invNorm, float* out) {
  for (size_t i = 0; i < kScanBlock; i++) {
    uint32_t s = 0;
    for (size_t j = 0; j < rb; j++) {
      const uint8_t b = bytes[j * kScanBlock + i];
      s += qlutRow[2 * j * 16 + (b & 15)] + qlutRow[(2 * j + 1) * 16 + (b >> 4)];
    }
    const float dot = static_cast<float>(s) * delta + bias;
    out[i] = (centroidScore + dot) * invNorm[i];
  }
}

uint32_t nibbleSumScalar(const uint8_t* pk, size_t rb, const uint8_t* q) {
  uint32_t s = 0;
  for (size_t j = 0; j < rb; j++) s += q[2 * j * 16 + (pk[j] & 15)] + q[(2 * j + 1) * 16 + (pk[j] >> 4)];
  return s;
}

// vbmi::refineTokens without VBMI: rows come from rp.local when set (AVX-512 path, tested with
// rowsInRange), else straight from the centroid scores; nibble sums one row at a time.
template <typename Code>
void refineTokensPortable(const RefinePassage& rp, const Code* codes, const float* scores, const uint8_t* qlut, const float* tau,
                          const float* ceiling, const float* delta, const float* bias, float* best) {
  const int rows = rp.rows;
  const size_t tableBytes = 2 * rp.rb * 16;
  size_t nextAt = 0;
  auto keep = [&](const float* row, size_t t, int r) {
    const uint32_t sum = nibbleSumScalar(rp.packed + t * rp.rb, rp.rb, qlut + static_cast<size_t>(r) * tableBytes);
    const float dot = static_cast<float>(sum) * delta[r] + bias[r];
    const float v = (row[r] + dot) * rp.invNorm[t];
    if (v > best[r]) best[r] = v;
  };
  for (size_t t = 0; t < rp.n; t++) {
    for (size_t l = 0; l < rp.linesPerToken && nextAt < rp.nextBytes; l++, nextAt += 64) __builtin_prefetch(rp.nextFrom + nextAt);
    if (rp.local) {
      const float* row = rp.local + t * rows;
      for (uint64_t m = avx512::rowsInRange(row, tau, ceiling, rows); m; m &= m - 1) keep(row, t, __builtin_ctzll(m));
    } else {
      const float* row = scores + static_cast<size_t>(codes[t]) * rows;
      for (int r = 0; r < rows; r++)
        if (row[r] >= tau[r] && row[r] <= ceiling[r]) keep(row, t, r);
    }
  }
}

template <typename Code>
void countInRangeScalar(const Code* codes, size_t n, const float* scores, int rows, const float* lo, const float* hi, uint32_t* count) {
  std::fill(count, count + rows, 0u);
  for (size_t t = 0; t < n; t++) {
    const float* row = scores + static_cast<size_t>(codes[t]) * rows;
    for (int r = 0; r < rows; r++) count[r] += row[r] >= lo[r] && row[r] <= hi[r];
  }
}

// The probed centroids' blocks are scattered over an index far larger than the caches, so the scan
// waited on memory for most of its time (the first load of each block). This walks the same
// sequence of blocks as the scan, kDistance blocks ahead, and prefetches each one whole.
class BlockPrefetcher {
 public:
  static constexpr int kDistance = 8;

  BlockPrefetcher(const ScanBlocks& sb, const uint32_t* probes, int nprobe) : sb_(sb), probes_(probes), nprobe_(nprobe) {
    for (int i = 0; i < kDistance; i++) next();
  }

  // Prefetches the next block of the sequence (nothing once it is exhausted).
  void next() {
    while (b_ == end_) {
      if (i_ == nprobe_) return;
      const uint32_t c = probes_[i_++];
      if (c == UINT32_MAX) continue;
      b_ = sb_.blockStart[c];
      end_ = sb_.blockStart[c + 1];
    }
    const char* bytes = reinterpret_cast<const char*>(sb_.bytes + static_cast<size_t>(b_) * sb_.rb * kScanBlock);
    for (size_t o = 0; o < sb_.rb * kScanBlock; o += 64) __builtin_prefetch(bytes + o);
    const char* pass = reinterpret_cast<const char*>(sb_.passage + static_cast<size_t>(b_) * kScanBlock);
    const char* inv = reinterpret_cast<const char*>(sb_.invNorm + static_cast<size_t>(b_) * kScanBlock);
    for (size_t o = 0; o < kScanBlock * 4; o += 64) { __builtin_prefetch(pass + o); __builtin_prefetch(inv + o); }
    b_++;
  }

 private:
  const ScanBlocks& sb_;
  const uint32_t* probes_;
  int nprobe_;
  int i_ = 0;
  uint32_t b_ = 0, end_ = 0;
};

}  // namespace

void plaidQuantLut(const float* query, int rows, const ResidualDecoder& dec, uint8_t* qlut, float* delta, float* bias) {
  const int dim = dec.dim, nbits = dec.nbits, mask = (1 << nbits) - 1, per = 4 / nbits;
  const size_t rb = (static_cast<size_t>(dim) * nbits + 7) / 8, nibbles = 2 * rb;
  // Levels so that a token's sum of `nibbles` entries fits 16 bits (the SIMD accumulators).
  const int levels = static_cast<int>(std::min<size_t>(255, 65535 / nibbles));
  std::vector<float> tab(nibbles * 16), lo(nibbles);
  for (int r = 0; r < rows; r++) {
    const float* q = query + static_cast<size_t>(r) * dim;
    float maxRange = 0;
    for (size_t n = 0; n < nibbles; n++) {
      float mn = std::numeric_limits<float>::infinity(), mx = -mn;
      for (int v = 0; v < 16; v++) {
        float t = 0;
        for (int i = 0; i < per; i++) {
          const int d = static_cast<int>(n) * per + i;
          if (d < dim) t += q[d] * dec.wt[((v >> (i * nbits)) & mask) * dim + d];
        }
        tab[n * 16 + v] = t;
        mn = std::min(mn, t);
        mx = std::max(mx, t);
      }
      lo[n] = mn;
      maxRange = std::max(maxRange, mx - mn);
    }
    const float step = maxRange > 0 ? maxRange / static_cast<float>(levels) : 1.0f;
    float b = 0;
    for (size_t n = 0; n < nibbles; n++) b += lo[n];
    for (size_t n = 0; n < nibbles; n++) {
      for (int v = 0; v < 16; v++) {
        const float x = (tab[n * 16 + v] - lo[n]) / step;
        const float qv = std::floor(x + 0.5f);
        qlut[(static_cast<size_t>(r) * nibbles + n) * 16 + v] = static_cast<uint8_t>(std::min<float>(levels, std::max(0.0f, qv)));
      }
    }
    delta[r] = step;
    bias[r] = b;
  }
}

size_t plaidFastScan(const ScanBlocks& sb, const uint32_t* probes, int nprobe, const float* scores, int rows,
                     const uint8_t* qlut, const float* delta, const float* bias, const uint8_t* allowed,
                     const float* imputed, float* found, uint32_t* outPassages, float* outEst, size_t keep, int threads) {
  const size_t P = sb.passages, rb = sb.rb, nibbles = 2 * rb;
  // Rows are split between threads; each thread writes its own rows of found (row-major).
  const int used = std::max(1, std::min(threads, rows));
  const bool wide = simd();
  sharedPool().run(used, [&](int w) {
    alignas(32) float s32[kScanBlock];
    const int r0 = rows * w / used, r1 = rows * (w + 1) / used;
    std::fill(found + static_cast<size_t>(r0) * P, found + static_cast<size_t>(r1) * P, kNegInf);
    for (int r = r0; r < r1; r++) {
      const uint8_t* qrow = qlut + static_cast<size_t>(r) * nibbles * 16;
      const float dr = delta[r], br = bias[r];
      float* f = found + static_cast<size_t>(r) * P;
      const uint32_t* rowProbes = probes + static_cast<size_t>(r) * nprobe;
      BlockPrefetcher ahead(sb, rowProbes, nprobe);
      for (int i = 0; i < nprobe; i++) {
        const uint32_t c = rowProbes[i];
        if (c == UINT32_MAX) continue;
        const float cs = scores[static_cast<size_t>(c) * rows + r];
        for (uint32_t b = sb.blockStart[c]; b < sb.blockStart[c + 1]; b++) {
          ahead.next();
          const uint8_t* bytes = sb.bytes + static_cast<size_t>(b) * rb * kScanBlock;
          const float* inv = sb.invNorm + static_cast<size_t>(b) * kScanBlock;
          if (wide) avx2::blockScores(bytes, rb, qrow, dr, br, cs, inv, s32);
          else blockScoresScalar(bytes, rb, qrow, dr, br, cs, inv, s32);
          const uint32_t* pass = sb.passage + static_cast<size_t>(b) * kScanBlock;
          for (size_t t = 0; t < kScanBlock; t++) {
            const uint32_t p = pass[t];
            if (p >= P || !allowed[p]) continue;
            f[p] = std::max(f[p], s32[t]);
          }
        }
      }
    }
  });
  return plaidFoundEstimates(found, P, rows, imputed, outPassages, outEst, keep);
}

template <typename Code>
void plaidRefineQuant(const float* invNorm, const uint8_t* packed, size_t rb, const Code* codes, const uint32_t* tokenOffsets,
                      size_t passages, const uint32_t* list, size_t n, const float* found, const float* ceiling,
                      const float* scores, int rows, const uint8_t* qlut, const float* delta, const float* bias, float margin,
                      float* out) {
  std::vector<float> best(rows), tau(rows), top(rows), step(rows);
  std::vector<uint32_t> count(rows);
  static const bool hasAvx512 = avx512::supported();
  static const bool permutes = vbmi::supported();
  const bool wide = hasAvx512 && rows <= 64;
  // The passage's centroid scores, gathered once from the (k x rows) table: the range counts
  // and the per-token row tests then read them from L1/L2 (wide path).
  thread_local std::vector<float> local;
  for (size_t i = 0; i < n; i++) {
    const uint32_t p = list[i];
    const uint32_t t0 = tokenOffsets[p], t1 = tokenOffsets[p + 1];
    // The next passage's residuals are a cold read from a large file cache: its cache lines are
    // asked for a few at a time while this passage's tokens are scored (all at once, the requests
    // queued up behind each other and stalled the loop).
    const char* nextFrom = nullptr;
    size_t nextBytes = 0;
    if (i + 1 < n) {
      const uint32_t q = list[i + 1];
      nextFrom = reinterpret_cast<const char*>(packed + static_cast<size_t>(tokenOffsets[q]) * rb);
      nextBytes = static_cast<size_t>(tokenOffsets[q + 1] - tokenOffsets[q]) * rb;
    }
    const size_t linesPerToken = (nextBytes / 64 + (t1 - t0)) / std::max<uint32_t>(1, t1 - t0) + 1;
    std::fill(best.begin(), best.end(), kNegInf);
    if (wide) {
      if (local.size() < static_cast<size_t>(t1 - t0) * rows) local.resize(static_cast<size_t>(t1 - t0) * rows);
      avx512::gatherRows(codes + t0, t1 - t0, scores, rows, local.data(), best.data());
    } else {
      for (uint32_t t = t0; t < t1; t++)
        for (int r = 0; r < rows; r++) best[r] = std::max(best[r], scores[static_cast<size_t>(codes[t]) * rows + r]);
    }
    for (int r = 0; r < rows; r++) {
      const float f = found[static_cast<size_t>(r) * passages + p];
      top[r] = std::max(best[r], f);
      step[r] = margin;
      tau[r] = top[r] - step[r];
      best[r] = f;
    }
    // A row with more than kRefineCap tokens in range (a passage whose centroid scores are flat for
    // it: none stands out) has its margin halved, up to kHalvings times, so such passages cost
    // tens of pairs per row rather than all their tokens.
    for (int it = 0; it <= kHalvings; it++) {
      if (wide) avx512::countRowsInRange(local.data(), t1 - t0, rows, tau.data(), ceiling, count.data());
      else countInRangeScalar(codes + t0, t1 - t0, scores, rows, tau.data(), ceiling, count.data());
      bool again = false;
      for (int r = 0; r < rows && it < kHalvings; r++) {
        if (count[r] <= kRefineCap) continue;
        step[r] = step[r] * 0.5f;
        tau[r] = top[r] - step[r];
        again = true;
      }
      if (!again) break;
    }
    RefinePassage rp;
    rp.local = wide ? local.data() : nullptr; rp.packed = packed + static_cast<size_t>(t0) * rb; rp.invNorm = invNorm + t0;
    rp.n = t1 - t0; rp.rb = rb; rp.rows = rows;
    rp.nextFrom = nextFrom; rp.nextBytes = nextBytes; rp.linesPerToken = linesPerToken;
    if (wide && permutes) vbmi::refineTokens(rp, qlut, tau.data(), ceiling, delta, bias, best.data());
    else refineTokensPortable(rp, codes + t0, scores, qlut, tau.data(), ceiling, delta, bias, best.data());
    float sum = 0;
    for (int r = 0; r < rows; r++) sum += best[r];
    out[i] = sum;
  }
}

template void plaidRefineQuant<uint16_t>(const float*, const uint8_t*, size_t, const uint16_t*, const uint32_t*, size_t, const uint32_t*, size_t,
                                         const float*, const float*, const float*, int, const uint8_t*, const float*, const float*, float, float*);
template void plaidRefineQuant<uint32_t>(const float*, const uint8_t*, size_t, const uint32_t*, const uint32_t*, size_t, const uint32_t*, size_t,
                                         const float*, const float*, const float*, int, const uint8_t*, const float*, const float*, float, float*);

}  // namespace tartan
