// Portable PLAID kernels and the dispatch to the AVX-512 variants (plaid-avx512.cc).
// The scalar code follows the TypeScript twins in src/plaid/kernels.ts operation for
// operation (same order of additions, same float32/float64 roundings) so results agree exactly
// where the tests require it (stages 2 and 3, and decoding on CPUs without AVX-512).
#include "plaid.h"

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <memory>
#include <vector>

#include "kernels.h"
#include "thread-pool.h"

namespace tartan {
namespace {

constexpr float kNegInf = -std::numeric_limits<float>::infinity();

bool useAvx512() {
  static const bool yes = avx512::supported();
  return yes;
}

void centroidScoresScalar(const float* query, int rows, int dim, const float* centroids, size_t k, float* out) {
  for (size_t c = 0; c < k; c++) {
    const float* cv = centroids + c * dim;
    for (int q = 0; q < rows; q++) {
      const float* qv = query + static_cast<size_t>(q) * dim;
      float acc = 0;
      for (int d = 0; d < dim; d++) acc += qv[d] * cv[d];
      out[c * rows + q] = acc;
    }
  }
}

void decodeRowScalar(const ResidualDecoder& dec, const float* centroid, const uint8_t* packed, float* out) {
  const int dim = dec.dim, nbits = dec.nbits, mask = (1 << nbits) - 1;
  // Same arithmetic as decompress() in residual-codec.ts: float64 sum and norm, float32 stores.
  double norm = 0;
  for (int d = 0; d < dim; d++) {
    const int bit = d * nbits;
    const int code = (packed[bit >> 3] >> (bit & 7)) & mask;
    const double v = static_cast<double>(centroid[d]) + dec.wt[code * dim + d];
    out[d] = static_cast<float>(v);
    norm += v * v;
  }
  if (norm > 0) {
    const double inv = 1 / std::sqrt(norm);
    for (int d = 0; d < dim; d++) out[d] = static_cast<float>(out[d] * inv);
  }
}

inline bool anyAboveScalar(const float* row, const float* thr, int rows) {
  int any = 0;
  for (int q = 0; q < rows; q++) any |= row[q] > thr[q];
  return any != 0;
}

// Entry a ranks below entry b: lower score, or the same score and a higher id (as topK in TS).
inline bool worse(float sa, uint32_t ia, float sb, uint32_t ib) { return sa < sb || (sa == sb && ia > ib); }

}  // namespace

void plaidCentroidScores(const float* query, int rows, int dim, const float* centroids, size_t k, float* out) {
  if (useAvx512()) avx512::centroidScores(query, rows, dim, centroids, k, out);
  else centroidScoresScalar(query, rows, dim, centroids, k, out);
}

double plaidEncodeResiduals(const float* x, size_t n, int dim, int nbits, const float* centroids, const uint32_t* codes,
                            const float* cutoffs, uint8_t* out, int threads) {
  const int nc = (1 << nbits) - 1;
  const size_t rb = (static_cast<size_t>(dim) * nbits + 7) / 8;
  auto range = [&](size_t begin, size_t end) {
    double sq = 0;
    for (size_t t = begin; t < end; t++) {
      const float* row = x + t * dim;
      const float* c = centroids + static_cast<size_t>(codes[t]) * dim;
      uint8_t* packed = out + t * rb;
      std::memset(packed, 0, rb);
      for (int d = 0; d < dim; d++) {
        const float v = row[d] - c[d];
        sq += static_cast<double>(v) * v;
        const float* cut = cutoffs + static_cast<size_t>(d) * nc;
        int code = 0;
        while (code < nc && v >= cut[code]) code++;
        const int bit = d * nbits;
        packed[bit >> 3] |= static_cast<uint8_t>(code << (bit & 7));
      }
    }
    return sq;
  };
  const int used = static_cast<int>(std::max<size_t>(1, std::min<size_t>(threads, (n + 4095) / 4096)));
  if (used <= 1) return range(0, n);
  std::vector<double> sums(used, 0.0);
  sharedPool().run(used, [&](int w) { sums[w] = range(n * w / used, n * (w + 1) / used); });
  double total = 0;
  for (double v : sums) total += v;
  return total;
}

void plaidNearest(const float* x, size_t n, int dim, const float* centroids, size_t k, uint32_t* out, int threads) {
  auto range = [&](size_t begin, size_t end) {
    if (useAvx512()) { avx512::nearest(x + begin * dim, end - begin, dim, centroids, k, out + begin); return; }
    for (size_t t = begin; t < end; t++) {
      float best = kNegInf;
      uint32_t arg = 0;
      for (size_t c = 0; c < k; c++) {
        float acc = 0;
        for (int d = 0; d < dim; d++) acc += x[t * dim + d] * centroids[c * dim + d];
        if (acc > best) { best = acc; arg = static_cast<uint32_t>(c); }
      }
      out[t] = arg;
    }
  };
  const int used = static_cast<int>(std::max<size_t>(1, std::min<size_t>(threads, (n + 1023) / 1024)));
  if (used <= 1) { range(0, n); return; }
  // Blocks of 1024 rows handed out dynamically: threads of a shared machine progress unevenly.
  std::atomic<size_t> next{0};
  sharedPool().run(used, [&](int) {
    for (;;) {
      const size_t b = next.fetch_add(1024);
      if (b >= n) break;
      range(b, std::min(n, b + 1024));
    }
  });
}

namespace {

// plaidProbe for query rows r0..r1 (of `rows`, the stride of the centroid-major scores).
void probeRows(const float* scores, int rows, int r0, int r1, size_t k, int nprobe, uint32_t* probes) {
  const size_t size = std::min<size_t>(nprobe, k);
  const int nr = r1 - r0;
  // One min-heap per query row (worst at the root), filled in one pass over the centroid-major
  // scores so the 1 MiB table is read sequentially once rather than once per row.
  std::vector<float> hs(size * nr);
  std::vector<uint32_t> hi(size * nr);
  auto siftDown = [&](float* s, uint32_t* id, size_t n) {
    for (size_t p = 0;;) {
      const size_t l = 2 * p + 1, r = l + 1;
      size_t w = p;
      if (l < n && worse(s[l], id[l], s[w], id[w])) w = l;
      if (r < n && worse(s[r], id[r], s[w], id[w])) w = r;
      if (w == p) return;
      std::swap(s[p], s[w]);
      std::swap(id[p], id[w]);
      p = w;
    }
  };
  for (size_t c = 0; c < size; c++) {
    for (int q = 0; q < nr; q++) {
      float* s = hs.data() + q * size;
      uint32_t* id = hi.data() + q * size;
      size_t i = c;
      s[i] = scores[c * rows + r0 + q]; id[i] = static_cast<uint32_t>(c);
      while (i > 0) {
        const size_t p = (i - 1) / 2;
        if (!worse(s[i], id[i], s[p], id[p])) break;
        std::swap(s[i], s[p]);
        std::swap(id[i], id[p]);
        i = p;
      }
    }
  }
  if (size > 0) {
    // Later centroids have higher ids, so one enters a full heap only when strictly better than
    // the root: a plain comparison with the row's threshold, rarely true.
    std::vector<float> thr(nr);
    const bool wide = useAvx512();
    for (int q = 0; q < nr; q++) thr[q] = hs[q * size];
    for (size_t c = size; c < k; c++) {
      const float* row = scores + c * rows + r0;
      // A branch-free test first (vectorised by the compiler): most centroids enter no heap.
      if (wide ? !avx512::anyAbove(row, thr.data(), nr) : !anyAboveScalar(row, thr.data(), nr)) continue;
      for (int q = 0; q < nr; q++) {
        if (!(row[q] > thr[q])) continue;
        float* s = hs.data() + q * size;
        uint32_t* id = hi.data() + q * size;
        s[0] = row[q]; id[0] = static_cast<uint32_t>(c);
        siftDown(s, id, size);
        thr[q] = s[0];
      }
    }
  }
  std::vector<size_t> order(size);
  for (int q = 0; q < nr; q++) {
    const float* s = hs.data() + q * size;
    const uint32_t* id = hi.data() + q * size;
    // Best first, as topK returns them (the order decides first-seen order in stage 2).
    for (size_t i = 0; i < size; i++) order[i] = i;
    std::sort(order.begin(), order.end(), [&](size_t a, size_t b) { return worse(s[b], id[b], s[a], id[a]); });
    uint32_t* out = probes + static_cast<size_t>(r0 + q) * nprobe;
    for (size_t i = 0; i < size; i++) out[i] = id[order[i]];
    for (size_t i = size; i < static_cast<size_t>(nprobe); i++) out[i] = UINT32_MAX;
  }
}

}  // namespace

void plaidProbe(const float* scores, int rows, size_t k, int nprobe, uint32_t* probes, int threads) {
  // Rows split between threads, each reading the whole table for its rows.
  const int used = std::max(1, std::min(threads, rows));
  sharedPool().run(used, [&](int w) { probeRows(scores, rows, rows * w / used, rows * (w + 1) / used, k, nprobe, probes); });
}

template <typename Code>
void plaidDecompress(const ResidualDecoder& dec, const Code* codes, const uint8_t* packed, size_t n, float* out) {
  const size_t rb = (static_cast<size_t>(dec.dim) * dec.nbits + 7) / 8;
  if (useAvx512() && dec.dim % 16 == 0) { avx512::decodeRows(dec, codes, packed, n, out); return; }
  for (size_t t = 0; t < n; t++) decodeRowScalar(dec, dec.centroids + static_cast<size_t>(codes[t]) * dec.dim, packed + t * rb, out + t * dec.dim);
}

template <typename Code>
void plaidRerank(const KernelSet& set, const float* query, int rows, const float* weights, const ResidualDecoder& dec,
                 const Code* codes, const uint8_t* packed, const uint32_t* offsets, size_t n, float* out) {
  MaxSimJob job;
  job.query = query;
  job.qrows = rows;
  job.dim = dec.dim;
  job.weights = weights;
  job.qpad = (rows + set.qblock - 1) / set.qblock * set.qblock;
  std::vector<float> qscales(job.qpad, 0.0f);
  job.qscales = qscales.data();
  const size_t bytes = set.prepare(job, DType::F32, nullptr);
  AlignedBuffer<void> qt(alignedAlloc64(bytes));
  set.prepare(job, DType::F32, qt.get());
  job.packed = qt.get();
  // Candidates are decoded in batches of about this many tokens (256 KiB at dim 128), small enough
  // to stay in L2 between decoding and scoring, large enough to amortise the kernel call.
  constexpr size_t kBatchTokens = 512;
  thread_local std::vector<float> buf;
  thread_local std::vector<uint32_t> local;
  const size_t rb = (static_cast<size_t>(dec.dim) * dec.nbits + 7) / 8;
  for (size_t i = 0; i < n;) {
    size_t j = i;
    local.assign(1, 0);
    while (j < n && (j == i || offsets[j + 1] - offsets[i] <= kBatchTokens)) { local.push_back(offsets[j + 1] - offsets[i]); j++; }
    const size_t tokens = offsets[j] - offsets[i];
    if (buf.size() < tokens * dec.dim) buf.resize(tokens * dec.dim);
    plaidDecompress(dec, codes + offsets[i], packed + static_cast<size_t>(offsets[i]) * rb, tokens, buf.data());
    job.docs = buf.data();
    job.offsets = local.data();
    job.ndocs = j - i;
    job.out = out + i;
    set.f32(job, 0, j - i);
    i = j;
  }
}

template void plaidDecompress<uint16_t>(const ResidualDecoder&, const uint16_t*, const uint8_t*, size_t, float*);
template void plaidDecompress<uint32_t>(const ResidualDecoder&, const uint32_t*, const uint8_t*, size_t, float*);
template void plaidRerank<uint16_t>(const KernelSet&, const float*, int, const float*, const ResidualDecoder&, const uint16_t*,
                                    const uint8_t*, const uint32_t*, size_t, float*);
template void plaidRerank<uint32_t>(const KernelSet&, const float*, int, const float*, const ResidualDecoder&, const uint32_t*,
                                    const uint8_t*, const uint32_t*, size_t, float*);

}  // namespace tartan
