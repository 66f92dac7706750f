// Node binding of the MaxSim kernels: picks the best kernel set the CPU supports at load time
// (AVX-512 with VNNI, AVX2 with FMA and F16C, or portable scalar code), splits the documents over a
// persistent thread pool, and measures the machine's FMA peak for the benchmark.
#include <napi.h>

#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "addon-args.h"
#include "kernels.h"
#include "thread-pool.h"

namespace tartan {

// The PLAID search kernels (plaid-addon.cc) add their functions under `plaid`.
void registerPlaid(Napi::Env env, Napi::Object exports);

namespace {

// The x86 instruction-set variants exist only in x86 builds (binding.gyp); elsewhere (arm64) the
// scalar kernels, which the compiler auto-vectorises for the target, are the only set.
#if defined(__x86_64__) || defined(__i386__)
bool cpuHasAvx512() {
  __builtin_cpu_init();
  return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") && __builtin_cpu_supports("avx512vl") &&
         __builtin_cpu_supports("avx512vnni") && __builtin_cpu_supports("fma") && __builtin_cpu_supports("avx2");
}

bool cpuHasAvx2() {
  __builtin_cpu_init();
  // F16C has no __builtin_cpu_supports name in every GCC; every AVX2 CPU with FMA also has F16C.
  return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
}
#else
bool cpuHasAvx512() { return false; }
bool cpuHasAvx2() { return false; }
#endif

std::vector<const KernelSet*> supportedSets() {
  std::vector<const KernelSet*> sets;
  if (cpuHasAvx512()) sets.push_back(&avx512Kernels());
  if (cpuHasAvx2()) sets.push_back(&avx2Kernels());
  sets.push_back(&scalarKernels());
  return sets;
}

const KernelSet* active = nullptr;

const KernelSet& activeSet() {
  if (active == nullptr) active = supportedSets().front();
  return *active;
}

int hardwareThreads() { return std::max(1u, std::thread::hardware_concurrency()); }

// score(dtype, query, query8, qscales, qrows, dim, docs, dscales, offsets, weights, out, threads)
// dtype: 0 f32, 1 f16, 2 i8. Returns the lowest index of a document holding NaN/Infinity, or -1.
Napi::Value Score(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 12) return fail(env, "score expects 12 arguments");
  const int dtype = info[0].As<Napi::Number>().Int32Value();
  const int qrows = info[4].As<Napi::Number>().Int32Value();
  const int dim = info[5].As<Napi::Number>().Int32Value();
  const int threads = std::max(1, info[11].As<Napi::Number>().Int32Value());
  if (qrows <= 0 || dim <= 0) return fail(env, "qrows and dim must be positive");

  MaxSimJob job;
  job.qrows = qrows;
  job.dim = dim;
  size_t n = 0;
  const uint32_t* offsets;
  size_t noff;
  float* out;
  size_t nout;
  const float* weights;
  size_t nweights;
  if (!arrayOf(info[8], napi_uint32_array, offsets, noff) || noff == 0) return fail(env, "offsets must be a non-empty Uint32Array");
  if (!arrayOf(info[10], napi_float32_array, out, nout) || nout + 1 != noff) return fail(env, "out must be a Float32Array of offsets.length - 1");
  if (!arrayOf(info[9], napi_float32_array, weights, nweights) || nweights < static_cast<size_t>(qrows)) return fail(env, "weights must hold one value per query row");
  if (offsets[0] != 0) return fail(env, "offsets[0] must be 0");
  for (size_t i = 1; i < noff; i++)
    if (offsets[i] < offsets[i - 1]) return fail(env, "offsets must be non-decreasing");
  const size_t totalRows = offsets[noff - 1];

  std::vector<float> qscalesPadded;
  if (dtype == 0 || dtype == 1) {
    const float* q;
    if (!arrayOf(info[1], napi_float32_array, q, n) || n < static_cast<size_t>(qrows) * dim) return fail(env, "query must be a Float32Array of qrows * dim");
    job.query = q;
    if (dtype == 0) {
      const float* d;
      if (!arrayOf(info[6], napi_float32_array, d, n) || n < totalRows * dim) return fail(env, "docs must be a Float32Array covering every offset");
      job.docs = d;
    } else {
      const uint16_t* d;
      if (!arrayOf(info[6], napi_uint16_array, d, n) || n < totalRows * dim) return fail(env, "docs must be a Uint16Array covering every offset");
      job.docs = d;
    }
  } else if (dtype == 2) {
    const int8_t* q8;
    const float* qs;
    const int8_t* d;
    const float* ds;
    if (!arrayOf(info[2], napi_int8_array, q8, n) || n < static_cast<size_t>(qrows) * dim) return fail(env, "query8 must be an Int8Array of qrows * dim");
    if (!arrayOf(info[3], napi_float32_array, qs, n) || n < static_cast<size_t>(qrows)) return fail(env, "qscales must hold one scale per query row");
    if (!arrayOf(info[6], napi_int8_array, d, n) || n < totalRows * dim) return fail(env, "docs must be an Int8Array covering every offset");
    if (!arrayOf(info[7], napi_float32_array, ds, n) || n < totalRows) return fail(env, "dscales must hold one scale per document row");
    job.query8 = q8;
    job.docs = d;
    job.dscales = ds;
    qscalesPadded.assign(qs, qs + qrows);
  } else {
    return fail(env, "dtype must be 0 (f32), 1 (f16) or 2 (i8)");
  }

  const KernelSet& set = activeSet();
  job.qpad = (qrows + set.qblock - 1) / set.qblock * set.qblock;
  qscalesPadded.resize(job.qpad, 0.0f);
  job.qscales = qscalesPadded.data();
  job.weights = weights;
  job.offsets = offsets;
  job.ndocs = nout;
  job.out = out;
  const DType dt = dtype == 0 ? DType::F32 : dtype == 1 ? DType::F16 : DType::I8;
  const size_t bytes = set.prepare(job, dt, nullptr);
  AlignedBuffer<void> packed(alignedAlloc64(bytes));
  if (bytes && !packed) return fail(env, "out of memory for the packed query");
  set.prepare(job, dt, packed.get());
  job.packed = packed.get();
  const RangeKernel kernel = dt == DType::F32 ? set.f32 : dt == DType::F16 ? set.f16 : set.i8;

  int64_t bad = -1;
  const int used = static_cast<int>(std::min<size_t>(threads, std::max<size_t>(1, job.ndocs)));
  if (used <= 1) {
    bad = kernel(job, 0, job.ndocs);
  } else {
    // Dynamic chunks of documents: short and long documents balance out across threads.
    const size_t grain = std::max<size_t>(1, job.ndocs / (static_cast<size_t>(used) * 16));
    std::atomic<size_t> next{0};
    std::atomic<int64_t> firstBad{-1};
    sharedPool().run(used, [&](int) {
      for (;;) {
        const size_t begin = next.fetch_add(grain);
        if (begin >= job.ndocs) break;
        const int64_t b = kernel(job, begin, std::min(job.ndocs, begin + grain));
        if (b >= 0) {
          int64_t cur = firstBad.load();
          while ((cur < 0 || b < cur) && !firstBad.compare_exchange_weak(cur, b)) {}
        }
      }
    });
    bad = firstBad.load();
  }
  return Napi::Number::New(env, static_cast<double>(bad));
}

Napi::Value Isa(const Napi::CallbackInfo& info) { return Napi::String::New(info.Env(), activeSet().isa); }

Napi::Value SupportedIsas(const Napi::CallbackInfo& info) {
  const auto sets = supportedSets();
  Napi::Array arr = Napi::Array::New(info.Env(), sets.size());
  for (size_t i = 0; i < sets.size(); i++) arr.Set(static_cast<uint32_t>(i), Napi::String::New(info.Env(), sets[i]->isa));
  return arr;
}

// setIsa(name): use a kernel set the CPU supports (tests compare them; benchmarks pin them).
Napi::Value SetIsa(const Napi::CallbackInfo& info) {
  const std::string name = info[0].As<Napi::String>().Utf8Value();
  for (const KernelSet* s : supportedSets())
    if (name == s->isa) { active = s; return Napi::String::New(info.Env(), s->isa); }
  return fail(info.Env(), "instruction set '" + name + "' is not supported on this CPU");
}

// peak(threads, seconds): {gflops, gflopsPerCpuSecond} of a pure FMA loop run on `threads` threads
// at once, summed over the threads (per CPU second: what the cores deliver when not shared).
Napi::Value Peak(const Napi::CallbackInfo& info) {
  const int threads = std::max(1, info[0].As<Napi::Number>().Int32Value());
  const double seconds = info[1].As<Napi::Number>().DoubleValue();
  std::vector<double> wall(threads, 0.0), cpu(threads, 0.0);
  const KernelSet& set = activeSet();
  sharedPool().run(threads, [&](int id) { set.peak(seconds, &wall[id], &cpu[id]); });
  double w = 0, c = 0;
  for (int i = 0; i < threads; i++) { w += wall[i]; c += cpu[i]; }
  Napi::Object out = Napi::Object::New(info.Env());
  out.Set("gflops", w);
  out.Set("gflopsPerCpuSecond", c);
  return out;
}

Napi::Value HardwareThreads(const Napi::CallbackInfo& info) { return Napi::Number::New(info.Env(), hardwareThreads()); }

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  registerPlaid(env, exports);
  exports.Set("score", Napi::Function::New(env, Score));
  exports.Set("isa", Napi::Function::New(env, Isa));
  exports.Set("supportedIsas", Napi::Function::New(env, SupportedIsas));
  exports.Set("setIsa", Napi::Function::New(env, SetIsa));
  exports.Set("peak", Napi::Function::New(env, Peak));
  exports.Set("hardwareThreads", Napi::Function::New(env, HardwareThreads));
  return exports;
}

}  // namespace

// The kernel set in use, for the PLAID reranker (it scores decompressed candidates with it).
const KernelSet& activeKernelSet() { return activeSet(); }

}  // namespace tartan

static Napi::Object InitTartanNative(Napi::Env env, Napi::Object exports) { return tartan::Init(env, exports); }

NODE_API_MODULE(tartan_native, InitTartanNative)
