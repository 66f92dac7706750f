// Node binding of the PLAID kernels (plaid.h). Every argument is checked here (types, lengths,
// centroid ids within the centroid table) so a damaged index cannot make the kernels read out of
// bounds; the TypeScript caller (src/index/plaid-kernels.ts) validates shapes as well.
#include <napi.h>

#include <string>

#include "kernels.h"
#include "plaid.h"

namespace tartan {

const KernelSet& activeKernelSet();

namespace {

Napi::Value fail(const Napi::Env& env, const std::string& message) {
  Napi::RangeError::New(env, "tartan_native: " + message).ThrowAsJavaScriptException();
  return env.Undefined();
}

template <typename T>
bool arrayOf(const Napi::Value& v, napi_typedarray_type type, T*& data, size_t& length) {
  if (!v.IsTypedArray()) return false;
  Napi::TypedArray ta = v.As<Napi::TypedArray>();
  if (ta.TypedArrayType() != type) return false;
  Napi::ArrayBuffer buf = ta.ArrayBuffer();
  data = reinterpret_cast<T*>(static_cast<uint8_t*>(buf.Data()) + ta.ByteOffset());
  length = ta.ElementLength();
  return true;
}

int intArg(const Napi::CallbackInfo& info, size_t i) { return info[i].As<Napi::Number>().Int32Value(); }

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
  plaidCentroidScores(q, rows, dim, c, k, out);
  return env.Undefined();
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

// probe(scores f32[k * rows], rows, nprobe, probes u32[rows * nprobe])
Napi::Value Probe(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const float* s; uint32_t* probes;
  size_t ns, np;
  const int rows = intArg(info, 1), nprobe = intArg(info, 2);
  if (rows <= 0 || nprobe <= 0) return fail(env, "rows and nprobe must be positive");
  if (!arrayOf(info[0], napi_float32_array, s, ns) || ns % rows != 0) return fail(env, "scores must be a Float32Array of k * rows");
  if (!arrayOf(info[3], napi_uint32_array, probes, np) || np != static_cast<size_t>(rows) * nprobe) return fail(env, "probes must be a Uint32Array of rows * nprobe");
  plaidProbe(s, rows, ns / rows, nprobe, probes);
  return env.Undefined();
}

// listScores(offsets u32[k + 1], body u8, probes u32, nprobe, scores f32, rows, allowed u8[passages],
//            outPassages u32[passages], outScores f32[passages]) -> count
Napi::Value ListScores(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const uint32_t* offsets; const uint8_t* body; const uint32_t* probes; const float* s; const uint8_t* allowed;
  uint32_t* outP; float* outS;
  size_t noff, nbody, nprobes, ns, nallowed, nop, nos;
  const int nprobe = intArg(info, 3), rows = intArg(info, 5);
  if (rows <= 0 || nprobe <= 0) return fail(env, "rows and nprobe must be positive");
  if (!arrayOf(info[0], napi_uint32_array, offsets, noff) || noff < 1) return fail(env, "offsets must be a Uint32Array of k + 1");
  if (!arrayOf(info[1], napi_uint8_array, body, nbody)) return fail(env, "body must be a Uint8Array");
  const size_t k = noff - 1;
  for (size_t c = 0; c < k; c++)
    if (offsets[c] > offsets[c + 1]) return fail(env, "inverted list offsets must be non-decreasing");
  if (offsets[k] > nbody) return fail(env, "inverted list offsets run past the body");
  if (!arrayOf(info[2], napi_uint32_array, probes, nprobes) || nprobes != static_cast<size_t>(rows) * nprobe) return fail(env, "probes must be a Uint32Array of rows * nprobe");
  for (size_t i = 0; i < nprobes; i++)
    if (probes[i] >= k && probes[i] != UINT32_MAX) return fail(env, "a probed centroid is outside the inverted lists");
  if (!arrayOf(info[4], napi_float32_array, s, ns) || ns != k * rows) return fail(env, "scores must be a Float32Array of k * rows");
  if (!arrayOf(info[6], napi_uint8_array, allowed, nallowed)) return fail(env, "allowed must be a Uint8Array (one byte per passage)");
  if (!arrayOf(info[7], napi_uint32_array, outP, nop) || nop < nallowed) return fail(env, "outPassages must hold one entry per passage");
  if (!arrayOf(info[8], napi_float32_array, outS, nos) || nos < nallowed) return fail(env, "outScores must hold one entry per passage");
  const size_t n = plaidListScores(offsets, body, probes, nprobe, s, rows, allowed, nallowed, outP, outS);
  return Napi::Number::New(env, static_cast<double>(n));
}

// interaction(codes u16|u32, tokenOffsets u32[passages + 1], list u32, scores f32[k * rows], rows, out f32[list])
Napi::Value Interaction(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Codes codes;
  const uint32_t* tok; const uint32_t* list; const float* s; float* out;
  size_t ntok, nlist, ns, nout;
  const int rows = intArg(info, 4);
  if (rows <= 0) return fail(env, "rows must be positive");
  if (!codesOf(info[0], codes)) return fail(env, "codes must be a Uint16Array or Uint32Array");
  if (!arrayOf(info[1], napi_uint32_array, tok, ntok) || ntok < 1) return fail(env, "tokenOffsets must be a Uint32Array of passages + 1");
  if (!arrayOf(info[2], napi_uint32_array, list, nlist)) return fail(env, "list must be a Uint32Array");
  if (!arrayOf(info[3], napi_float32_array, s, ns) || ns % rows != 0) return fail(env, "scores must be a Float32Array of k * rows");
  if (!arrayOf(info[5], napi_float32_array, out, nout) || nout < nlist) return fail(env, "out must hold one score per listed passage");
  const size_t k = ns / rows;
  for (size_t i = 0; i < nlist; i++) {
    const uint32_t p = list[i];
    if (p + 1 >= ntok || tok[p] > tok[p + 1] || tok[p + 1] > codes.length) return fail(env, "a listed passage is outside the token table");
    if (!codesBelow(codes, tok[p], tok[p + 1], k)) return fail(env, "a centroid code is outside the centroid table");
  }
  if (codes.u16) plaidInteraction(codes.u16, tok, list, nlist, s, rows, out);
  else plaidInteraction(codes.u32, tok, list, nlist, s, rows, out);
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
  if (codes.u16) plaidRerank(set, q, rows, w, dec, codes.u16, packed, offsets, noff - 1, out);
  else plaidRerank(set, q, rows, w, dec, codes.u32, packed, offsets, noff - 1, out);
  return env.Undefined();
}

}  // namespace

void registerPlaid(Napi::Env env, Napi::Object exports) {
  Napi::Object plaid = Napi::Object::New(env);
  plaid.Set("centroidScores", Napi::Function::New(env, CentroidScores));
  plaid.Set("nearest", Napi::Function::New(env, Nearest));
  plaid.Set("probe", Napi::Function::New(env, Probe));
  plaid.Set("listScores", Napi::Function::New(env, ListScores));
  plaid.Set("interaction", Napi::Function::New(env, Interaction));
  plaid.Set("decompress", Napi::Function::New(env, Decompress));
  plaid.Set("rerank", Napi::Function::New(env, Rerank));
  exports.Set("plaid", plaid);
}

}  // namespace tartan
