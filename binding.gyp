# node-gyp build (npm's default path when no prebuild matches). Same sources as CMakeLists.txt: both read
# native/sources.txt. Linux: the system OpenBLAS and LAPACKE (Debian: libopenblas-dev liblapacke-dev).
# macOS and Windows are written but not tested by this project: macOS uses Homebrew's OpenBLAS when it is
# installed, otherwise Apple's Accelerate framework with nnsim's LAPACKE adapter (native/compat/);
# Windows needs an OpenBLAS with LAPACKE in the folder named by the OpenBLAS_DIR environment variable.
{
  "variables": {
    "homebrew_openblas%": "<!(node native/blas.cjs homebrew-openblas)",
    "windows_openblas%": "<!(node native/blas.cjs windows-openblas)"
  },
  "targets": [
    {
      "target_name": "nnsim",
      "sources": ["<!@(node native/sources.cjs all)"],
      "include_dirs": [
        "<!(node -p \"require('node-addon-api').include_dir\")",
        "native/core"
      ],
      "defines": ["NAPI_VERSION=8", "NAPI_CPP_EXCEPTIONS", "NODE_ADDON_API_DISABLE_DEPRECATED"],
      "cflags!": ["-fno-exceptions"],
      "cflags_cc!": ["-fno-exceptions", "-fno-rtti"],
      "cflags_cc": ["-std=c++17", "-O3", "-fexceptions", "-frtti"],
      "conditions": [
        ["OS=='linux'", {
          "include_dirs": [
            "/usr/include/x86_64-linux-gnu/openblas-pthread",
            "/usr/include/aarch64-linux-gnu/openblas-pthread",
            "/usr/include/openblas"
          ],
          "libraries": ["-llapacke", "-lopenblas", "-lpthread", "-lm"]
        }],
        ["OS=='mac'", {
          "xcode_settings": {
            "CLANG_CXX_LANGUAGE_STANDARD": "c++17",
            "GCC_ENABLE_CPP_EXCEPTIONS": "YES",
            "GCC_ENABLE_CPP_RTTI": "YES",
            "GCC_OPTIMIZATION_LEVEL": "3",
            "MACOSX_DEPLOYMENT_TARGET": "11.0"
          }
        }],
        ["OS=='mac' and homebrew_openblas!=''", {
          "include_dirs": ["<(homebrew_openblas)/include"],
          "libraries": ["-L<(homebrew_openblas)/lib", "-lopenblas", "-Wl,-rpath,<(homebrew_openblas)/lib"]
        }],
        ["OS=='mac' and homebrew_openblas==''", {
          "include_dirs": ["native/compat", "native/compat/accelerate"],
          "sources": ["native/compat/lapacke_fortran.cpp"],
          "defines": ["NNSIM_ACCELERATE"],
          "libraries": ["-framework Accelerate"]
        }],
        ["OS=='win'", {
          "include_dirs": ["<(windows_openblas)/include", "<(windows_openblas)/include/openblas"],
          "libraries": ["<(windows_openblas)/lib/libopenblas.lib"],
          "msvs_settings": {
            "VCCLCompilerTool": { "ExceptionHandling": 1, "RuntimeTypeInfo": "true", "AdditionalOptions": ["/std:c++17"] }
          }
        }]
      ]
    }
  ]
}
