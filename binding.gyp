{
  "targets": [
    {
      "target_name": "tartan_native",
      "sources": [
        "native/addon.cc",
        "native/thread-pool.cc",
        "native/kernels-scalar.cc",
        "native/plaid.cc",
        "native/plaid-addon.cc",
        "native/plaid-tokens.cc",
        "native/plaid-tokens-addon.cc",
        "native/plaid-fastscan.cc"
      ],
      "include_dirs": [
        "<!(node -p \"require('node-addon-api').include_dir\")"
      ],
      "defines": [
        "NAPI_VERSION=8",
        "NAPI_DISABLE_CPP_EXCEPTIONS"
      ],
      "cflags!": [
        "-fno-exceptions"
      ],
      "cflags_cc!": [
        "-fno-exceptions",
        "-std=gnu++17",
        "-std=gnu++20"
      ],
      "cflags_cc": [
        "-std=c++17",
        "-O3",
        "-fno-math-errno",
        "-ffp-contract=off",
        "-Wall",
        "-Wextra",
        "-Wno-unused-parameter",
        "-Wno-uninitialized",
        "-Wno-maybe-uninitialized",
        "-Wno-unknown-warning-option"
      ],
      "ldflags": [
        "-pthread"
      ],
      "cflags": [
        "-pthread"
      ],
      "conditions": [
        [
          "target_arch=='x64' or target_arch=='ia32'",
          {
            "sources": [
              "native/kernels-avx2.cc",
              "native/kernels-avx512.cc",
              "native/plaid-avx512.cc",
              "native/plaid-fastscan-avx2.cc",
              "native/plaid-vbmi.cc",
              "native/plaid-centroids-vnni.cc"
            ]
          },
          {
            "sources": [
              "native/simd-absent.cc"
            ]
          }
        ],
        [
          "OS=='mac'",
          {
            "xcode_settings": {
              "CLANG_CXX_LANGUAGE_STANDARD": "c++17",
              "MACOSX_DEPLOYMENT_TARGET": "11.0",
              "GCC_ENABLE_CPP_EXCEPTIONS": "YES",
              "OTHER_CPLUSPLUSFLAGS": [
                "-O3",
                "-fno-math-errno",
                "-ffp-contract=off"
              ]
            }
          }
        ],
        [
          "OS=='win'",
          {
            "msbuild_toolset": "ClangCL",
            "defines": [
              "NOMINMAX",
              "WIN32_LEAN_AND_MEAN"
            ],
            "msvs_settings": {
              "VCCLCompilerTool": {
                "AdditionalOptions": [
                  "/std:c++17",
                  "/O2",
                  "/clang:-fno-math-errno",
                  "/clang:-ffp-contract=off"
                ]
              }
            }
          }
        ]
      ]
    }
  ]
}
