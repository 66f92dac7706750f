// Node binding of the token-level PLAID stages (plaid-tokens.h), registered under `plaid` by
// plaid-addon.cc. Lengths and ids are checked so a damaged index cannot read out of bounds: table
// shapes here, per-token ids inside the kernels' loops (one compare each).
#include <napi.h>

#include <algorithm>
#include <atomic>
#include <exception>
#include <string>

#include "addon-args.h"
#include "plaid-fastscan.h"
#include "plaid-tokens.h"
#include "thread-pool.h"

namespace tartan {
namespace {

size_t residualBytes(int dim, int nbits) { return (static_cast<size_t>(dim) * nbits + 7) / 8; }

bool validNbits(int nbits) { return nbits == 1 || nbits == 2 || nbits == 4 || nbits == 8; }

// buildLut(query f32[rows * dim], rows, dim, nbits, wt f32[2^nbits * dim], lut f32[rows * rb * 256])
Napi::Value BuildLut(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const float* q; const float* wt; float* lut;
  size_t nq, nwt, nlut;
  const int rows = intArg(info, 1), dim = intArg(info, 2), nbits = intArg(info, 3);
  if (rows <= 0 || dim <= 0 || !validNbits(nbits)) return fail(env, "rows and dim must be positive and nbits 1, 2, 4 or 8");
  if (!arrayOf(info[0], napi_float32_array, q, nq) || nq < static_cast<size_t>(rows) * dim) return fail(env, "query must be a Float32Array of rows * dim");
  if (!arrayOf(info[4], napi_float32_array, wt, nwt) || nwt != (static_cast<size_t>(1) << nbits) * dim) return fail(env, "bucket values must be a Float32Array of 2^nbits * dim");
  if (!arrayOf(info[5], napi_float32_array, lut, nlut) || nlut != static_cast<size_t>(rows) * residualBytes(dim, nbits) * 256) return fail(env, "lut must be a Float32Array of rows * bytes per residual * 256");
  ResidualDecoder dec;
  dec.dim = dim; dec.nbits = nbits; dec.wt = wt;
  plaidBuildLut(q, rows, dec, lut);
  return env.Undefined();
}

// invNorms(dim, nbits, centroids, wt, codes u16|u32, packed, out f32[codes])
Napi::Value InvNorms(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const int dim = intArg(info, 0), nbits = intArg(info, 1);
  const float* c; const float* wt; const uint8_t* packed; float* out;
  const uint16_t* c16 = nullptr; const uint32_t* c32 = nullptr;
  size_t nc, nwt, ncodes, npacked, nout;
  if (dim <= 0 || !validNbits(nbits)) return fail(env, "dim must be positive and nbits 1, 2, 4 or 8");
  if (!arrayOf(info[2], napi_float32_array, c, nc) || nc % dim != 0) return fail(env, "centroids must be a Float32Array of k * dim");
  if (!arrayOf(info[3], napi_float32_array, wt, nwt) || nwt != (static_cast<size_t>(1) << nbits) * dim) return fail(env, "bucket values must be a Float32Array of 2^nbits * dim");
  if (!arrayOf(info[4], napi_uint16_array, c16, ncodes) && !arrayOf(info[4], napi_uint32_array, c32, ncodes)) return fail(env, "codes must be a Uint16Array or Uint32Array");
  if (!arrayOf(info[5], napi_uint8_array, packed, npacked) || npacked < ncodes * residualBytes(dim, nbits)) return fail(env, "packed must hold one residual per code");
  if (!arrayOf(info[6], napi_float32_array, out, nout) || nout != ncodes) return fail(env, "out must hold one value per code");
  const size_t k = nc / dim;
  for (size_t i = 0; i < ncodes; i++)
    if ((c16 ? c16[i] : c32[i]) >= k) return fail(env, "a centroid code is outside the centroid table");
  ResidualDecoder dec;
  dec.dim = dim; dec.nbits = nbits; dec.centroids = c; dec.wt = wt;
  if (c16) plaidInvNorms(dec, c16, packed, ncodes, out);
  else plaidInvNorms(dec, c32, packed, ncodes, out);
  return env.Undefined();
}

// Reads (listStart, listTokens, passageOf, invNorm, packed, dim, nbits) at info[i..i+6]; passages from `allowed`.
std::string listsOf(const Napi::CallbackInfo& info, size_t i, size_t passages, TokenLists& tl, size_t& k) {
  size_t nstart, ntok, npass, nnorm, npacked;
  const int dim = intArg(info, i + 5), nbits = intArg(info, i + 6);
  if (dim <= 0 || !validNbits(nbits)) return "dim must be positive and nbits 1, 2, 4 or 8";
  if (!arrayOf(info[i], napi_uint32_array, tl.listStart, nstart) || nstart < 1) return "listStart must be a Uint32Array of k + 1";
  if (!arrayOf(info[i + 1], napi_uint32_array, tl.listTokens, ntok)) return "listTokens must be a Uint32Array";
  if (!arrayOf(info[i + 2], napi_uint32_array, tl.passageOf, npass)) return "passageOf must be a Uint32Array (one entry per token)";
  if (!arrayOf(info[i + 3], napi_float32_array, tl.invNorm, nnorm) || nnorm != npass) return "invNorm must hold one value per token";
  tl.rb = residualBytes(dim, nbits);
  if (!arrayOf(info[i + 4], napi_uint8_array, tl.packed, npacked) || npacked < npass * tl.rb) return "packed must hold one residual per token";
  k = nstart - 1;
  for (size_t c = 0; c < k; c++)
    if (tl.listStart[c] > tl.listStart[c + 1]) return "token list offsets must be non-decreasing";
  if (tl.listStart[k] > ntok) return "token list offsets run past the token table";
  tl.tokens = npass;
  tl.passages = passages;
  return "";
}

// Optional passage cut of stage 2 (every passage when absent or not a positive number).
size_t keepArg(const Napi::CallbackInfo& info, size_t i) {
  if (info.Length() <= i || !info[i].IsNumber()) return SIZE_MAX;
  const double v = info[i].As<Napi::Number>().DoubleValue();
  return v >= 1 && v < 1e15 ? static_cast<size_t>(v) : SIZE_MAX;
}

// tokenScores(listStart, listTokens, passageOf, invNorm, packed, dim, nbits, probes u32[rows * nprobe], nprobe,
//             scores f32[k * rows], rows, lut, allowed u8[P], imputed f32[rows], found f32[rows * P],
//             outPassages u32[P], outEst f32[P], keep?) -> count
Napi::Value TokenScores(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const uint8_t* allowed; size_t P;
  if (!arrayOf(info[12], napi_uint8_array, allowed, P)) return fail(env, "allowed must be a Uint8Array (one byte per passage)");
  TokenLists tl;
  size_t k;
  const std::string err = listsOf(info, 0, P, tl, k);
  if (!err.empty()) return fail(env, err);
  const uint32_t* probes; const float* s; const float* lut; const float* imputed; float* found; uint32_t* outP; float* outE;
  size_t nprobes, ns, nlut, nimp, nfound, nop, noe;
  const int nprobe = intArg(info, 8), rows = intArg(info, 10);
  if (nprobe <= 0 || rows <= 0) return fail(env, "nprobe and rows must be positive");
  if (!arrayOf(info[7], napi_uint32_array, probes, nprobes) || nprobes != static_cast<size_t>(rows) * nprobe) return fail(env, "probes must be a Uint32Array of rows * nprobe");
  for (size_t i = 0; i < nprobes; i++)
    if (probes[i] >= k && probes[i] != UINT32_MAX) return fail(env, "a probed centroid is outside the token lists");
  if (!arrayOf(info[9], napi_float32_array, s, ns) || ns != k * rows) return fail(env, "scores must be a Float32Array of k * rows");
  if (!arrayOf(info[11], napi_float32_array, lut, nlut) || nlut != static_cast<size_t>(rows) * tl.rb * 256) return fail(env, "lut must be a Float32Array of rows * bytes per residual * 256");
  if (!arrayOf(info[13], napi_float32_array, imputed, nimp) || nimp < static_cast<size_t>(rows)) return fail(env, "imputed must hold one value per query row");
  if (!arrayOf(info[14], napi_float32_array, found, nfound) || nfound < static_cast<size_t>(rows) * P) return fail(env, "found must hold rows * passages values");
  if (!arrayOf(info[15], napi_uint32_array, outP, nop) || nop < P) return fail(env, "outPassages must hold one entry per passage");
  if (!arrayOf(info[16], napi_float32_array, outE, noe) || noe < P) return fail(env, "outEst must hold one entry per passage");
  try {
    const size_t n = plaidTokenScores(tl, probes, nprobe, s, rows, lut, allowed, imputed, found, outP, outE, keepArg(info, 17));
    return Napi::Number::New(env, static_cast<double>(n));
  } catch (const std::exception& e) {
    return fail(env, std::string("token scores failed: ") + e.what());
  }
}

// refine(invNorm f32[T], packed u8[T * rb], dim, nbits, codes u16|u32, tokenOffsets u32[P + 1], list u32,
//        found f32[P * rows], ceiling f32[rows], scores f32[k * rows], rows, lut, margin, out f32[list])
Napi::Value Refine(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const uint32_t* tok; size_t ntok;
  if (!arrayOf(info[5], napi_uint32_array, tok, ntok) || ntok < 1) return fail(env, "tokenOffsets must be a Uint32Array of passages + 1");
  const size_t P = ntok - 1;
  TokenLists tl;
  size_t nnorm, npacked;
  const int dim = intArg(info, 2), nbits = intArg(info, 3);
  if (dim <= 0 || !validNbits(nbits)) return fail(env, "dim must be positive and nbits 1, 2, 4 or 8");
  tl.rb = residualBytes(dim, nbits);
  if (!arrayOf(info[0], napi_float32_array, tl.invNorm, nnorm)) return fail(env, "invNorm must be a Float32Array (one value per token)");
  if (!arrayOf(info[1], napi_uint8_array, tl.packed, npacked) || npacked < nnorm * tl.rb) return fail(env, "packed must hold one residual per token");
  tl.tokens = nnorm;
  tl.passages = P;
  const uint16_t* c16 = nullptr; const uint32_t* c32 = nullptr; size_t ncodes;
  if (!arrayOf(info[4], napi_uint16_array, c16, ncodes) && !arrayOf(info[4], napi_uint32_array, c32, ncodes)) return fail(env, "codes must be a Uint16Array or Uint32Array");
  const uint32_t* list; const float* found; const float* s; const float* lut; float* out;
  size_t nlist, nfound, ns, nlut, nout;
  const int rows = intArg(info, 10);
  const float margin = static_cast<float>(info[12].As<Napi::Number>().DoubleValue());
  if (rows <= 0 || rows > 4096) return fail(env, "rows must be between 1 and 4096");
  if (!arrayOf(info[6], napi_uint32_array, list, nlist)) return fail(env, "list must be a Uint32Array");
  if (!arrayOf(info[7], napi_float32_array, found, nfound) || nfound < static_cast<size_t>(rows) * P) return fail(env, "found must hold rows * passages values");
  const float* ceiling; size_t nceil;
  if (!arrayOf(info[8], napi_float32_array, ceiling, nceil) || nceil < static_cast<size_t>(rows)) return fail(env, "ceiling must hold one value per row");
  if (!arrayOf(info[9], napi_float32_array, s, ns) || ns % rows != 0) return fail(env, "scores must be a Float32Array of k * rows");
  if (!arrayOf(info[11], napi_float32_array, lut, nlut) || nlut != static_cast<size_t>(rows) * tl.rb * 256) return fail(env, "lut must be a Float32Array of rows * bytes per residual * 256");
  if (!arrayOf(info[13], napi_float32_array, out, nout) || nout < nlist) return fail(env, "out must hold one value per listed passage");
  const size_t kc = ns / rows;
  for (size_t i = 0; i < nlist; i++) {
    const uint32_t p = list[i];
    if (p >= P || tok[p] > tok[p + 1] || tok[p + 1] > ncodes || tok[p + 1] > tl.tokens) return fail(env, "a listed passage is outside the token table");
    for (uint32_t t = tok[p]; t < tok[p + 1]; t++)
      if ((c16 ? c16[t] : c32[t]) >= kc) return fail(env, "a centroid code is outside the centroid table");
  }
  try {
    if (c16) plaidRefine(tl, c16, tok, list, nlist, found, ceiling, s, rows, lut, margin, out);
    else plaidRefine(tl, c32, tok, list, nlist, found, ceiling, s, rows, lut, margin, out);
  } catch (const std::exception& e) {
    return fail(env, std::string("refine failed: ") + e.what());
  }
  return env.Undefined();
}

// quantLut(query f32[rows * dim], rows, dim, nbits, wt, qlut u8[rows * 2rb * 16], delta f32[rows], bias f32[rows], threads)
Napi::Value QuantLut(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const float* q; const float* wt; uint8_t* qlut; float* delta; float* bias;
  size_t nq, nwt, nlut, nd, nb;
  const int rows = intArg(info, 1), dim = intArg(info, 2), nbits = intArg(info, 3);
  if (rows <= 0 || dim <= 0 || (nbits != 1 && nbits != 2 && nbits != 4)) return fail(env, "rows and dim must be positive and nbits 1, 2 or 4");
  if (!arrayOf(info[0], napi_float32_array, q, nq) || nq < static_cast<size_t>(rows) * dim) return fail(env, "query must be a Float32Array of rows * dim");
  if (!arrayOf(info[4], napi_float32_array, wt, nwt) || nwt != (static_cast<size_t>(1) << nbits) * dim) return fail(env, "bucket values must be a Float32Array of 2^nbits * dim");
  if (!arrayOf(info[5], napi_uint8_array, qlut, nlut) || nlut != static_cast<size_t>(rows) * 2 * residualBytes(dim, nbits) * 16) return fail(env, "qlut must be a Uint8Array of rows * 2 * bytes per residual * 16");
  if (!arrayOf(info[6], napi_float32_array, delta, nd) || nd < static_cast<size_t>(rows)) return fail(env, "delta must hold one value per row");
  if (!arrayOf(info[7], napi_float32_array, bias, nb) || nb < static_cast<size_t>(rows)) return fail(env, "bias must hold one value per row");
  ResidualDecoder dec;
  dec.dim = dim; dec.nbits = nbits; dec.wt = wt;
  // Rows are independent: split between threads.
  const size_t tableBytes = 2 * residualBytes(dim, nbits) * 16;
  const int used = std::max(1, std::min(threadsArg(info, 8), rows / 8));
  sharedPool().run(used, [&](int w) {
    const int r0 = rows * w / used, r1 = rows * (w + 1) / used;
    plaidQuantLut(q + static_cast<size_t>(r0) * dim, r1 - r0, dec, qlut + r0 * tableBytes, delta + r0, bias + r0);
  });
  return env.Undefined();
}

// fastScan(blockStart u32[k + 1], bytes u8, passage u32[nblocks * 32], invNorm f32[nblocks * 32], dim, nbits,
//          probes, nprobe, scores f32[k * rows], rows, qlut, delta, bias, allowed u8[P], imputed f32[rows],
//          found f32[rows * P], outPassages u32[P], outEst f32[P], keep?, threads) -> count
Napi::Value FastScan(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  ScanBlocks sb;
  size_t nstart, nbytes, npass, ninv;
  const int dim = intArg(info, 4), nbits = intArg(info, 5), nprobe = intArg(info, 7), rows = intArg(info, 9);
  if (dim <= 0 || (nbits != 1 && nbits != 2 && nbits != 4) || nprobe <= 0 || rows <= 0) return fail(env, "dim, nprobe and rows must be positive and nbits 1, 2 or 4");
  sb.rb = residualBytes(dim, nbits);
  if (!arrayOf(info[0], napi_uint32_array, sb.blockStart, nstart) || nstart < 1) return fail(env, "blockStart must be a Uint32Array of k + 1");
  if (!arrayOf(info[2], napi_uint32_array, sb.passage, npass) || npass % kScanBlock != 0) return fail(env, "passage must be a Uint32Array of blocks * 32");
  sb.nblocks = npass / kScanBlock;
  if (!arrayOf(info[1], napi_uint8_array, sb.bytes, nbytes) || nbytes < sb.nblocks * sb.rb * kScanBlock) return fail(env, "bytes must hold blocks * bytes per residual * 32");
  if (!arrayOf(info[3], napi_float32_array, sb.invNorm, ninv) || ninv != npass) return fail(env, "invNorm must hold one value per block slot");
  const size_t k = nstart - 1;
  for (size_t c = 0; c < k; c++)
    if (sb.blockStart[c] > sb.blockStart[c + 1]) return fail(env, "block offsets must be non-decreasing");
  if (sb.blockStart[k] > sb.nblocks) return fail(env, "block offsets run past the blocks");
  const uint32_t* probes; const float* s; const uint8_t* qlut; const float* delta; const float* bias; const uint8_t* allowed;
  const float* imputed; float* found; uint32_t* outP; float* outE;
  size_t nprobes, ns, nlut, nd, nb, P, nimp, nfound, nop, noe;
  if (!arrayOf(info[6], napi_uint32_array, probes, nprobes) || nprobes != static_cast<size_t>(rows) * nprobe) return fail(env, "probes must be a Uint32Array of rows * nprobe");
  for (size_t i = 0; i < nprobes; i++)
    if (probes[i] >= k && probes[i] != UINT32_MAX) return fail(env, "a probed centroid is outside the blocks");
  if (!arrayOf(info[8], napi_float32_array, s, ns) || ns != k * rows) return fail(env, "scores must be a Float32Array of k * rows");
  if (!arrayOf(info[10], napi_uint8_array, qlut, nlut) || nlut != static_cast<size_t>(rows) * 2 * sb.rb * 16) return fail(env, "qlut must be a Uint8Array of rows * 2 * bytes per residual * 16");
  if (!arrayOf(info[11], napi_float32_array, delta, nd) || nd < static_cast<size_t>(rows)) return fail(env, "delta must hold one value per row");
  if (!arrayOf(info[12], napi_float32_array, bias, nb) || nb < static_cast<size_t>(rows)) return fail(env, "bias must hold one value per row");
  if (!arrayOf(info[13], napi_uint8_array, allowed, P)) return fail(env, "allowed must be a Uint8Array (one byte per passage)");
  if (!arrayOf(info[14], napi_float32_array, imputed, nimp) || nimp < static_cast<size_t>(rows)) return fail(env, "imputed must hold one value per query row");
  if (!arrayOf(info[15], napi_float32_array, found, nfound) || nfound < static_cast<size_t>(rows) * P) return fail(env, "found must hold rows * passages values");
  if (!arrayOf(info[16], napi_uint32_array, outP, nop) || nop < P) return fail(env, "outPassages must hold one entry per passage");
  if (!arrayOf(info[17], napi_float32_array, outE, noe) || noe < P) return fail(env, "outEst must hold one entry per passage");
  sb.passages = P;
  try {
    return Napi::Number::New(env, static_cast<double>(plaidFastScan(sb, probes, nprobe, s, rows, qlut, delta, bias, allowed, imputed, found, outP, outE, keepArg(info, 18), threadsArg(info, 19))));
  } catch (const std::exception& e) {
    return fail(env, std::string("fast scan failed: ") + e.what());
  }
}

// refineQuant(invNorm f32[T], packed u8[T * rb], dim, nbits, codes u16|u32, tokenOffsets u32[P + 1], list u32,
//             found f32[P * rows], ceiling f32[rows], scores f32[k * rows], rows, qlut, delta, bias, margin, out f32[list], threads)
Napi::Value RefineQuant(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const float* inv; const uint8_t* packed; const uint32_t* tok;
  size_t ninv, npacked, ntok;
  const int dim = intArg(info, 2), nbits = intArg(info, 3), rows = intArg(info, 10);
  if (dim <= 0 || (nbits != 1 && nbits != 2 && nbits != 4) || rows <= 0 || rows > 4096) return fail(env, "dim must be positive, nbits 1, 2 or 4, rows 1 to 4096");
  const size_t rb = residualBytes(dim, nbits);
  if (!arrayOf(info[0], napi_float32_array, inv, ninv)) return fail(env, "invNorm must be a Float32Array (one value per token)");
  if (!arrayOf(info[1], napi_uint8_array, packed, npacked) || npacked < ninv * rb) return fail(env, "packed must hold one residual per token");
  if (!arrayOf(info[5], napi_uint32_array, tok, ntok) || ntok < 1) return fail(env, "tokenOffsets must be a Uint32Array of passages + 1");
  const size_t P = ntok - 1;
  const uint16_t* c16 = nullptr; const uint32_t* c32 = nullptr; size_t ncodes;
  if (!arrayOf(info[4], napi_uint16_array, c16, ncodes) && !arrayOf(info[4], napi_uint32_array, c32, ncodes)) return fail(env, "codes must be a Uint16Array or Uint32Array");
  const uint32_t* list; const float* found; const float* s; const uint8_t* qlut; const float* delta; const float* bias; float* out;
  size_t nlist, nfound, ns, nlut, nd, nb, nout;
  const float margin = static_cast<float>(info[14].As<Napi::Number>().DoubleValue());
  if (!arrayOf(info[6], napi_uint32_array, list, nlist)) return fail(env, "list must be a Uint32Array");
  if (!arrayOf(info[7], napi_float32_array, found, nfound) || nfound < static_cast<size_t>(rows) * P) return fail(env, "found must hold passages * rows values");
  const float* ceiling; size_t nceil;
  if (!arrayOf(info[8], napi_float32_array, ceiling, nceil) || nceil < static_cast<size_t>(rows)) return fail(env, "ceiling must hold one value per row");
  if (!arrayOf(info[9], napi_float32_array, s, ns) || ns % rows != 0) return fail(env, "scores must be a Float32Array of k * rows");
  if (!arrayOf(info[11], napi_uint8_array, qlut, nlut) || nlut != static_cast<size_t>(rows) * 2 * rb * 16) return fail(env, "qlut must be a Uint8Array of rows * 2 * bytes per residual * 16");
  if (!arrayOf(info[12], napi_float32_array, delta, nd) || nd < static_cast<size_t>(rows)) return fail(env, "delta must hold one value per row");
  if (!arrayOf(info[13], napi_float32_array, bias, nb) || nb < static_cast<size_t>(rows)) return fail(env, "bias must hold one value per row");
  if (!arrayOf(info[15], napi_float32_array, out, nout) || nout < nlist) return fail(env, "out must hold one value per listed passage");
  const size_t kc = ns / rows;
  for (size_t i = 0; i < nlist; i++) {
    const uint32_t p = list[i];
    if (p >= P || tok[p] > tok[p + 1] || tok[p + 1] > ncodes || tok[p + 1] > ninv) return fail(env, "a listed passage is outside the token table");
    for (uint32_t t = tok[p]; t < tok[p + 1]; t++)
      if ((c16 ? c16[t] : c32[t]) >= kc) return fail(env, "a centroid code is outside the centroid table");
  }
  try {
    // Chunks of candidates handed out dynamically (each writes its own outputs): passages differ
    // in length and the threads of a shared machine progress unevenly.
    constexpr size_t kChunk = 16;
    const int used = static_cast<int>(std::max<size_t>(1, std::min<size_t>(threadsArg(info, 16), nlist / 16)));
    std::atomic<size_t> next{0};
    sharedPool().run(used, [&](int) {
      for (size_t i0; (i0 = next.fetch_add(kChunk)) < nlist;) {
        const size_t i1 = std::min(nlist, i0 + kChunk);
        if (c16) plaidRefineQuant(inv, packed, rb, c16, tok, P, list + i0, i1 - i0, found, ceiling, s, rows, qlut, delta, bias, margin, out + i0);
        else plaidRefineQuant(inv, packed, rb, c32, tok, P, list + i0, i1 - i0, found, ceiling, s, rows, qlut, delta, bias, margin, out + i0);
      }
    });
  } catch (const std::exception& e) {
    return fail(env, std::string("refine failed: ") + e.what());
  }
  return env.Undefined();
}

}  // namespace

void registerPlaidTokens(Napi::Object plaid) {
  Napi::Env env = plaid.Env();
  plaid.Set("buildLut", Napi::Function::New(env, BuildLut));
  plaid.Set("invNorms", Napi::Function::New(env, InvNorms));
  plaid.Set("tokenScores", Napi::Function::New(env, TokenScores));
  plaid.Set("refine", Napi::Function::New(env, Refine));
  plaid.Set("quantLut", Napi::Function::New(env, QuantLut));
  plaid.Set("fastScan", Napi::Function::New(env, FastScan));
  plaid.Set("refineQuant", Napi::Function::New(env, RefineQuant));
}

}  // namespace tartan
