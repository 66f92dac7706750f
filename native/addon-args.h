// Argument checks shared by the Node bindings (addon.cc, plaid-addon.cc, plaid-tokens-addon.cc):
// a wrong type or length becomes a RangeError in JavaScript, never an out-of-bounds read.
#pragma once
#include <napi.h>

#include <algorithm>
#include <cstdint>
#include <string>

namespace tartan {

// Throws a RangeError prefixed with the addon's name; bindings return its value.
inline Napi::Value fail(const Napi::Env& env, const std::string& message) {
  Napi::RangeError::New(env, "tartan_native: " + message).ThrowAsJavaScriptException();
  return env.Undefined();
}

// Points `data` at the elements of typed array `v` when its element type is `type`.
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

inline int intArg(const Napi::CallbackInfo& info, size_t i) { return info[i].As<Napi::Number>().Int32Value(); }

// Optional trailing thread count (1 when absent), at most 64.
inline int threadsArg(const Napi::CallbackInfo& info, size_t i) {
  return info.Length() > i && info[i].IsNumber() ? std::max(1, std::min(64, info[i].As<Napi::Number>().Int32Value())) : 1;
}

}  // namespace tartan
