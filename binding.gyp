{
  "targets": [
    {
      "target_name": "tartan_native",
      "sources": [
        "native/addon.cc",
        "native/thread-pool.cc",
        "native/kernels-scalar.cc",
        "native/kernels-avx2.cc",
        "native/kernels-avx512.cc",
        "native/plaid.cc",
        "native/plaid-avx512.cc",
        "native/plaid-addon.cc",
        "native/plaid-tokens.cc",
        "native/plaid-tokens-addon.cc",
        "native/plaid-fastscan.cc",
        "native/plaid-fastscan-avx2.cc",
        "native/plaid-vbmi.cc",
        "native/plaid-centroids-vnni.cc"
      ],
      "include_dirs": ["<!(node -p \"require('node-addon-api').include_dir\")"],
      "defines": ["NAPI_VERSION=8", "NAPI_DISABLE_CPP_EXCEPTIONS"],
      "cflags!": ["-fno-exceptions"],
      "cflags_cc!": ["-fno-exceptions", "-std=gnu++17", "-std=gnu++20"],
      "cflags_cc": ["-std=c++17", "-O3", "-fno-math-errno", "-ffp-contract=off", "-Wall", "-Wextra", "-Wno-unused-parameter", "-Wno-uninitialized", "-Wno-maybe-uninitialized"],
      "ldflags": ["-pthread"],
      "cflags": ["-pthread"]
    }
  ]
}
