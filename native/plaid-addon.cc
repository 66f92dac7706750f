// Node binding of the PLAID kernels (plaid.h). Every argument is checked here (types, lengths,
// centroid ids within the centroid table) so a damaged index cannot make the kernels read out of
// bounds; the TypeScript caller (src/plaid/kernels.ts) validates shapes as well.
#include <napi.h>

#include <algorithm>
#include <atomic>
#include <exception>
#include <string>

#include "addon-args.h"
#include "kernels.h"
#include "plaid.h"
#include "thread-pool.h"

namespace tartan {

const KernelSet& activeKernelSet();
void registerPlaidTokens(Napi::Object plaid);

namespace {

// Centroid codes arrive as Uint16Array (k <= 65536) or Uint32Array.
struct Codes {
  const uint16_t* u16 = nullptr;
  const uint32_t* u32 = nullptr;
  size_t length = 0;
  uint32_t at(size_t i) const { return u16 ? u16[i] : u32[i]; }
};

bool codesOf(const Napi::Value& v, Codes& c) {
  return arrayOf(v, napi_uint16_array, c.u16, c.length) || arrayOf(v, napi_uint32_array, c.u32, c.length);
}

bool codesBelow(const Codes& c, size_t begin, size_t end, size_t k) {
  for (size_t i = begin; i < end; i++)
    if (c.at(i) >= k) return false;
  return true;
}

// centroidScores(query f32, rows, dim, centroids f32, out f32[k * rows])
Napi::Value CentroidScores(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const float* q; const float* c; float* out;
  size_t nq, nc, nout;
  const int rows = intArg(info, 1), dim = intArg(info, 2);
  if (rows <= 0 || dim <= 0) return fail(env, "rows and dim must be positive");
  if (!arrayOf(info[0], napi_float32_array, q, nq) || nq < static_cast<size_t>(rows) * dim) return fail(env, "query must be a Float32Array of rows * dim");
  if (!arrayOf(info[3], napi_float32_array, c, nc) || nc % dim != 0) return fail(env, "centroids must be a Float32Array of k * dim");
  const size_t k = nc / dim;
  if (!arrayOf(info[4], napi_float32_array, out, nout) || nout != k * rows) return fail(env, "out must be a Float32Array of k * rows");
  // Centroids split into contiguous chunks, one per thread.
  const int used = static_cast<int>(std::max<size_t>(1, std::min<size_t>(threadsArg(info, 5), k / 256)));
  sharedPool().run(used, [&](int w) {
    const size_t c0 = k * w / used, c1 = k * (w + 1) / used;
    plaidCentroidScores(q, rows, dim, c + c0 * dim, c1 - c0, out + c0 * rows);
  });
  return env.Undefined();
}

// centroidScoresI8(q8 i8[rows * dim], qscale f32[rows], rows, dim, c8 i8[k * dim], cscale f32[k], csum i32[k],
//                  out f32[k * rows], threads) -> false (nothing written) when the CPU has no AVX-512 VNNI
Napi::Value CentroidScoresI8(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const int8_t* q8; const float* qs; const int8_t* c8; const float* cs; const int32_t* csum; float* out;
  size_t nq, nqs, nc, ncs, nsum, nout;
  const int rows = intArg(info, 2), dim = intArg(info, 3);
  if (rows <= 0 || dim <= 0 || dim % 4 != 0) return fail(env, "rows must be positive and dim a positive multiple of 4");
  if (!arrayOf(info[0], napi_int8_array, q8, nq) || nq < static_cast<size_t>(rows) * dim) return fail(env, "q8 must be an Int8Array of rows * dim");
  if (!arrayOf(info[1], napi_float32_array, qs, nqs) || nqs < static_cast<size_t>(rows)) return fail(env, "qscale must hold one value per row");
  if (!arrayOf(info[4], napi_int8_array, c8, nc) || nc % dim != 0) return fail(env, "c8 must be an Int8Array of k * dim");
  const size_t k = nc / dim;
  if (!arrayOf(info[5], napi_float32_array, cs, ncs) || ncs != k) return fail(env, "cscale must hold one value per centroid");
  if (!arrayOf(info[6], napi_int32_array, csum, nsum) || nsum != k) return fail(env, "csum must hold one value per centroid");
  if (!arrayOf(info[7], napi_float32_array, out, nout) || nout != k * rows) return fail(env, "out must be a Float32Array of k * rows");
  static const bool vnni = vnni::supported();
  if (!vnni) return Napi::Boolean::New(env, false);
  const int used = static_cast<int>(std::max<size_t>(1, std::min<size_t>(threadsArg(info, 8), k / 256)));
  sharedPool().run(used, [&](int w) {
    const size_t c0 = k * w / used, c1 = k * (w + 1) / used;
    vnni::centroidScoresI8(q8, qs, rows, dim, c8 + c0 * dim, cs + c0, csum + c0, c1 - c0, out + c0 * rows);
  });
  return Napi::Boolean::New(env, true);
}

// nearestI8(x f32[n * dim], dim, c8 i8[k * dim], cscale f32[k], csum i32[k], out u32[n], threads)
//   -> false (nothing written) when the CPU has no AVX-512 VNNI
Napi::Value NearestI8(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const float* x; const int8_t* c8; const float* cs; const int32_t* csum; uint32_t* out;
  size_t nx, nc, ncs, nsum, nout;
  const int dim = intArg(info, 1);
  if (dim <= 0 || dim % 4 != 0) return fail(env, "dim must be a positive multiple of 4");
  if (!arrayOf(info[0], napi_float32_array, x, nx) || nx % dim != 0) return fail(env, "x must be a Float32Array of n * dim");
  const size_t n = nx / dim;
  if (!arrayOf(info[2], napi_int8_array, c8, nc) || nc % dim != 0 || nc == 0) return fail(env, "c8 must be a non-empty Int8Array of k * dim");
  const size_t k = nc / dim;
  if (!arrayOf(info[3], napi_float32_array, cs, ncs) || ncs != k) return fail(env, "cscale must hold one value per centroid");
  if (!arrayOf(info[4], napi_int32_array, csum, nsum) || nsum != k) return fail(env, "csum must hold one value per centroid");
  if (!arrayOf(info[5], napi_uint32_array, out, nout) || nout != n) return fail(env, "out must be a Uint32Array of n");
  static const bool vnni = vnni::supported();
  if (!vnni) return Napi::Boolean::New(env, false);
  const int used = static_cast<int>(std::max<size_t>(1, std::min<size_t>(threadsArg(info, 6), (n + 1023) / 1024)));
  std::atomic<size_t> next{0};
  sharedPool().run(used, [&](int) {
    for (;;) {
      const size_t b = next.fetch_add(1024);
      if (b >= n) break;
      const size_t e = std::min(n, b + 1024);
      vnni::nearestI8(x + b * dim, e - b, dim, c8, cs, csum, k, out + b);
    }
  });
  return Napi::Boolean::New(env, true);
}

// encodeResiduals(x f32[n * dim], dim, nbits, centroids f32[k * dim], codes u32[n], cutoffs f32[dim * (2^nbits - 1)],
//                 out u8[n * ceil(dim * nbits / 8)], threads) -> summed squared residual norm
Napi::Value EncodeResiduals(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const float* x; const float* c; const uint32_t* codes; const float* cut; uint8_t* out;
  size_t nx, nc, ncodes, ncut, nout;
  const int dim = intArg(info, 1), nbits = intArg(info, 2);
  if (dim <= 0 || (nbits != 1 && nbits != 2 && nbits != 4 && nbits != 8)) return fail(env, "dim must be positive and nbits 1, 2, 4 or 8");
  if (!arrayOf(info[0], napi_float32_array, x, nx) || nx % dim != 0) return fail(env, "x must be a Float32Array of n * dim");
  const size_t n = nx / dim;
  if (!arrayOf(info[3], napi_float32_array, c, nc) || nc % dim != 0 || nc == 0) return fail(env, "centroids must be a non-empty Float32Array of k * dim");
  if (!arrayOf(info[4], napi_uint32_array, codes, ncodes) || ncodes != n) return fail(env, "codes must be a Uint32Array of n");
  for (size_t t = 0; t < n; t++) if (codes[t] >= nc / dim) return fail(env, "a code is not below the number of centroids");
  if (!arrayOf(info[5], napi_float32_array, cut, ncut) || ncut != static_cast<size_t>(dim) * ((1u << nbits) - 1)) return fail(env, "cutoffs must hold dim * (2^nbits - 1) values");
  if (!arrayOf(info[6], napi_uint8_array, out, nout) || nout != n * ((static_cast<size_t>(dim) * nbits + 7) / 8)) return fail(env, "out must be a Uint8Array of n * residual bytes");
  return Napi::Number::New(env, plaidEncodeResiduals(x, n, dim, nbits, c, codes, cut, out, threadsArg(info, 7)));
}

// toHalf(src f32[n], out u16[n], threads) -> false (nothing written) when the CPU has no F16C
Napi::Value ToHalf(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const float* src; uint16_t* out;
  size_t n, nout;
  if (!arrayOf(info[0], napi_float32_array, src, n)) return fail(env, "src must be a Float32Array");
  if (!arrayOf(info[1], napi_uint16_array, out, nout) || nout != n) return fail(env, "out must be a Uint16Array of the same length");
  static const bool ok = f16c::supported();
  if (!ok) return Napi::Boolean::New(env, false);
  const int used = static_cast<int>(std::max<size_t>(1, std::min<size_t>(threadsArg(info, 2), n / (1 << 20))));
  sharedPool().run(used, [&](int w) {
    const size_t b = n * w / used / 8 * 8, e = w + 1 == used ? n : n * (w + 1) / used / 8 * 8;
    f16c::toHalf(src + b, out + b, e - b);
  });
  return Napi::Boolean::New(env, true);
}

// nearest(x f32[n * dim], dim, centroids f32[k * dim], out u32[n], threads)
Napi::Value Nearest(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const float* x; const float* c; uint32_t* out;
  size_t nx, nc, nout;
  const int dim = intArg(info, 1), threads = intArg(info, 4);
  if (dim <= 0) return fail(env, "dim must be positive");
  if (!arrayOf(info[0], napi_float32_array, x, nx) || nx % dim != 0) return fail(env, "x must be a Float32Array of n * dim");
  if (!arrayOf(info[2], napi_float32_array, c, nc) || nc % dim != 0 || nc == 0) return fail(env, "centroids must be a non-empty Float32Array of k * dim");
  if (!arrayOf(info[3], napi_uint32_array, out, nout) || nout != nx / dim) return fail(env, "out must be a Uint32Array of n");
  plaidNearest(x, nx / dim, dim, c, nc / dim, out, threads < 1 ? 1 : threads);
  return env.Undefined();
}

// probe(scores f32[k * rows], rows, nprobe, probes u32[rows * nprobe], threads)
Napi::Value Probe(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const float* s; uint32_t* probes;
  size_t ns, np;
  const int rows = intArg(info, 1), nprobe = intArg(info, 2);
  if (rows <= 0 || nprobe <= 0) return fail(env, "rows and nprobe must be positive");
  if (!arrayOf(info[0], napi_float32_array, s, ns) || ns % rows != 0) return fail(env, "scores must be a Float32Array of k * rows");
  if (!arrayOf(info[3], napi_uint32_array, probes, np) || np != static_cast<size_t>(rows) * nprobe) return fail(env, "probes must be a Uint32Array of rows * nprobe");
  plaidProbe(s, rows, ns / rows, nprobe, probes, threadsArg(info, 4));
  return env.Undefined();
}

// Reads (dim, nbits, centroids, wt) at info[i..i+3] into a decoder; returns an error message or "".
std::string decoderOf(const Napi::CallbackInfo& info, size_t i, ResidualDecoder& dec, size_t& k) {
  const float* c; const float* wt;
  size_t nc, nwt;
  dec.dim = intArg(info, i);
  dec.nbits = intArg(info, i + 1);
  if (dec.dim <= 0) return "dim must be positive";
  if (dec.nbits != 1 && dec.nbits != 2 && dec.nbits != 4 && dec.nbits != 8) return "nbits must be 1, 2, 4 or 8";
  if (!arrayOf(info[i + 2], napi_float32_array, c, nc) || nc % dec.dim != 0) return "centroids must be a Float32Array of k * dim";
  if (!arrayOf(info[i + 3], napi_float32_array, wt, nwt) || nwt != (static_cast<size_t>(1) << dec.nbits) * dec.dim) return "bucket values must be a Float32Array of 2^nbits * dim";
  dec.centroids = c;
  dec.wt = wt;
  k = nc / dec.dim;
  return "";
}

// decompress(dim, nbits, centroids, wt, codes, packed, out f32[codes * dim])
Napi::Value Decompress(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  ResidualDecoder dec;
  size_t k;
  const std::string err = decoderOf(info, 0, dec, k);
  if (!err.empty()) return fail(env, err);
  Codes codes;
  const uint8_t* packed; float* out;
  size_t npacked, nout;
  const size_t rb = (static_cast<size_t>(dec.dim) * dec.nbits + 7) / 8;
  if (!codesOf(info[4], codes)) return fail(env, "codes must be a Uint16Array or Uint32Array");
  if (!arrayOf(info[5], napi_uint8_array, packed, npacked) || npacked < codes.length * rb) return fail(env, "packed must hold one residual per code");
  if (!arrayOf(info[6], napi_float32_array, out, nout) || nout < codes.length * dec.dim) return fail(env, "out must hold codes * dim values");
  if (!codesBelow(codes, 0, codes.length, k)) return fail(env, "a centroid code is outside the centroid table");
  if (codes.u16) plaidDecompress(dec, codes.u16, packed, codes.length, out);
  else plaidDecompress(dec, codes.u32, packed, codes.length, out);
  return env.Undefined();
}

// rerank(query f32, rows, weights f32[rows], dim, nbits, centroids, wt, codes, packed, offsets u32[n + 1], out f32[n])
Napi::Value Rerank(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const float* q; const float* w;
  size_t nq, nw;
  const int rows = intArg(info, 1);
  ResidualDecoder dec;
  size_t k;
  const std::string err = decoderOf(info, 3, dec, k);
  if (!err.empty()) return fail(env, err);
  if (rows <= 0) return fail(env, "rows must be positive");
  if (!arrayOf(info[0], napi_float32_array, q, nq) || nq < static_cast<size_t>(rows) * dec.dim) return fail(env, "query must be a Float32Array of rows * dim");
  if (!arrayOf(info[2], napi_float32_array, w, nw) || nw < static_cast<size_t>(rows)) return fail(env, "weights must hold one value per query row");
  Codes codes;
  const uint8_t* packed; const uint32_t* offsets; float* out;
  size_t npacked, noff, nout;
  const size_t rb = (static_cast<size_t>(dec.dim) * dec.nbits + 7) / 8;
  if (!codesOf(info[7], codes)) return fail(env, "codes must be a Uint16Array or Uint32Array");
  if (!arrayOf(info[8], napi_uint8_array, packed, npacked) || npacked < codes.length * rb) return fail(env, "packed must hold one residual per code");
  if (!arrayOf(info[9], napi_uint32_array, offsets, noff) || noff < 1 || offsets[0] != 0) return fail(env, "offsets must be a Uint32Array starting at 0");
  for (size_t i = 1; i < noff; i++)
    if (offsets[i] < offsets[i - 1]) return fail(env, "offsets must be non-decreasing");
  if (offsets[noff - 1] > codes.length) return fail(env, "offsets run past the codes");
  if (!arrayOf(info[10], napi_float32_array, out, nout) || nout + 1 != noff) return fail(env, "out must be a Float32Array of offsets.length - 1");
  if (!codesBelow(codes, 0, offsets[noff - 1], k)) return fail(env, "a centroid code is outside the centroid table");
  // An empty candidate scores 0, as in maxsim().
  for (size_t i = 0; i + 1 < noff; i++) out[i] = 0;
  const KernelSet& set = activeKernelSet();
  // Chunks of candidates handed out dynamically (offsets stay absolute): candidates differ in
  // length and the threads of a shared machine progress unevenly.
  const size_t n = noff - 1;
  constexpr size_t kChunk = 8;
  const int used = static_cast<int>(std::max<size_t>(1, std::min<size_t>(threadsArg(info, 11), n / 4)));
  std::atomic<size_t> next{0};
  sharedPool().run(used, [&](int) {
    for (size_t i0; (i0 = next.fetch_add(kChunk)) < n;) {
      const size_t i1 = std::min(n, i0 + kChunk);
      if (codes.u16) plaidRerank(set, q, rows, w, dec, codes.u16, packed, offsets + i0, i1 - i0, out + i0);
      else plaidRerank(set, q, rows, w, dec, codes.u32, packed, offsets + i0, i1 - i0, out + i0);
    }
  });
  return env.Undefined();
}

// Runs a binding with C++ exceptions (allocation failures) turned into JavaScript errors: an
// exception escaping into N-API would abort the process.
template <Napi::Value (*F)(const Napi::CallbackInfo&)>
Napi::Value guarded(const Napi::CallbackInfo& info) {
  try {
    return F(info);
  } catch (const std::exception& e) {
    return fail(info.Env(), std::string("out of memory or bad input: ") + e.what());
  }
}

}  // namespace

void registerPlaid(Napi::Env env, Napi::Object exports) {
  Napi::Object plaid = Napi::Object::New(env);
  plaid.Set("centroidScores", Napi::Function::New(env, guarded<CentroidScores>));
  plaid.Set("centroidScoresI8", Napi::Function::New(env, guarded<CentroidScoresI8>));
  plaid.Set("nearestI8", Napi::Function::New(env, guarded<NearestI8>));
  plaid.Set("nearest", Napi::Function::New(env, guarded<Nearest>));
  plaid.Set("toHalf", Napi::Function::New(env, guarded<ToHalf>));
  plaid.Set("encodeResiduals", Napi::Function::New(env, guarded<EncodeResiduals>));
  plaid.Set("probe", Napi::Function::New(env, guarded<Probe>));
  plaid.Set("decompress", Napi::Function::New(env, guarded<Decompress>));
  plaid.Set("rerank", Napi::Function::New(env, guarded<Rerank>));
  registerPlaidTokens(plaid);
  exports.Set("plaid", plaid);
}

}  // namespace tartan
