// Compiles the functions between TARTAN_TARGET_PUSH("avx2,fma") and TARTAN_TARGET_POP for the named
// x86 extensions, so one binary carries every variant and addon.cc picks one at run time. GCC
// takes `#pragma GCC target`; clang (macOS, or CC=clang on Linux) ignores that pragma and needs
// `#pragma clang attribute` instead.
#pragma once

#define TARTAN_PRAGMA_TEXT(...) #__VA_ARGS__

#if defined(__clang__)
#define TARTAN_TARGET_PUSH(features) \
  _Pragma(TARTAN_PRAGMA_TEXT(clang attribute push(__attribute__((target(features))), apply_to = function)))
#define TARTAN_TARGET_POP _Pragma("clang attribute pop")
#else
#define TARTAN_TARGET_PUSH(features) _Pragma("GCC push_options") _Pragma(TARTAN_PRAGMA_TEXT(GCC target(features)))
#define TARTAN_TARGET_POP _Pragma("GCC pop_options")
#endif
